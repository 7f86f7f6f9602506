"""Clip networks (torch): `clip-pyramid`, an MLP on pyramid vectors, and `clip-lstm3d`, an LSTM then 3D convs."""

from __future__ import annotations

import torch
from torch import nn


class Standardise(nn.Module):
    """Subtract the training inputs' mean and divide by their std along the last axis (buffers, so exported)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std.clamp(min=1e-4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class ClipPyramidMLP(nn.Module):
    """Two linear layers with dropout over a (B, V) temporal-pyramid vector; outputs logits."""

    def __init__(self, in_dim: int, num_classes: int = 7, hidden: int = 256, dropout: float = 0.3) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ClipLSTM3D(nn.Module):
    """2-layer LSTM over (B, K, F) features; a dense layer gives an S x S map per step; four 3D conv blocks
    (3x3x3, batch norm, ReLU, max-pool), global average pooling, two fully connected layers with dropout.

    Outputs logits (B, num_classes).
    """

    def __init__(self, feature_dim: int, num_classes: int = 7, hidden: int = 128, side: int = 16,
                 widths: tuple[int, ...] = (16, 32, 64, 64), dropout: float = 0.5) -> None:
        super().__init__()
        self.side = side
        self.lstm = nn.LSTM(feature_dim, hidden, num_layers=2, batch_first=True)
        self.to_map = nn.Linear(hidden, side * side)
        blocks, chans = [], 1
        for i, width in enumerate(widths):
            pool = (2, 2, 2) if i < 2 else (1, 2, 2)  # 32 steps -> 8; 16 x 16 maps -> 1 x 1
            blocks += [nn.Conv3d(chans, width, 3, padding=1), nn.BatchNorm3d(width), nn.ReLU(inplace=True),
                       nn.MaxPool3d(pool)]
            chans = width
        self.convs = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Linear(chans, 128), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                  nn.Linear(128, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, k, _ = x.shape
        steps, _ = self.lstm(x)  # (B, K, hidden)
        maps = self.to_map(steps).view(b, 1, k, self.side, self.side)  # (B, 1, K, S, S)
        return self.head(self.convs(maps).mean(dim=(2, 3, 4)))
