"""A fixed Gaussian blur in front of a network, to match inputs to blurred training images."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class GaussianBlur(nn.Module):
    """Blur every channel of (B, C, H, W) with one fixed Gaussian of std `sigma` pixels (reflect padding)."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        radius = max(1, math.ceil(3 * sigma))
        taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
        self.register_buffer("kernel", kernel / kernel.sum())
        self.radius = radius

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        y = F.pad(x.reshape(b * c, 1, h, w), (self.radius,) * 4, mode="reflect")
        y = F.conv2d(y, self.kernel.view(1, 1, 1, -1))
        y = F.conv2d(y, self.kernel.view(1, 1, -1, 1))
        return y.reshape(b, c, h, w)
