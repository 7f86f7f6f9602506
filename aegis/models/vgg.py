"""VGG13 as in the FER+ paper (Barsoum et al. 2016), with batch norm: a teacher to distil into the Nano students."""

from __future__ import annotations

import torch
from torch import nn

from aegis.models.registry import register_model

STAGES = ((64, 2), (128, 2), (256, 3), (256, 3))  # (channels, 3x3 convs) per stage, each ending in a 2x2 max-pool


class VGG13(nn.Module):
    """Four conv stages with dropout after each pool, then two 1024-wide dense layers (6.9M parameters at 48x48)."""

    def __init__(self, num_classes: int = 7, in_chans: int = 1, input_size: int = 48, dropout: float = 0.25) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        chans = in_chans
        for width, convs in STAGES:
            for _ in range(convs):
                layers += [nn.Conv2d(chans, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                           nn.ReLU(inplace=True)]
                chans = width
            layers += [nn.MaxPool2d(2), nn.Dropout(dropout)]
        self.features = nn.Sequential(*layers)
        side = input_size // 2 ** len(STAGES)
        self.neck = nn.Sequential(
            nn.Flatten(), nn.Linear(chans * side * side, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(1024, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
        )
        self.classifier = nn.Linear(1024, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The 1024-wide penultimate features."""
        return self.neck(self.features(x))

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from the penultimate features."""
        return self.classifier(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@register_model("vgg13", temporal=False)
def vgg13(num_classes: int = 7, frames: int = 1) -> VGG13:
    """The FER+ paper's VGG13 on the last 48x48 crop: a teacher network, too slow to ship."""
    return VGG13(num_classes=num_classes, in_chans=frames)
