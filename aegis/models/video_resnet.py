"""Video ResNet20 on (B, 1, t, 48, 48) clips with a pluggable conv, 3D or (2+1)D, as in torchvision's VideoResNet."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from aegis.models.registry import register_model

ConvMaker = Callable[[int, int, int], nn.Module]  # (in_chans, out_chans, spatial stride) -> conv


def conv3d(in_chans: int, out_chans: int, stride: int = 1) -> nn.Module:
    """A 3x3x3 convolution; strides only in space, so short windows keep their length."""
    return nn.Conv3d(in_chans, out_chans, 3, stride=(1, stride, stride), padding=1)


class Conv2Plus1D(nn.Sequential):
    """A 1x3x3 spatial conv to `mid` channels, batch norm and ReLU, then a 3x1x1 temporal conv.

    `mid` is 1.4x the output channels, which puts resnet20-r2plus1d within 1% of the paper's 523,357
    parameters (the paper does not give its factorisation).
    """

    MID_FACTOR = 1.4

    def __init__(self, in_chans: int, out_chans: int, stride: int = 1) -> None:
        mid = int(round(self.MID_FACTOR * out_chans))
        super().__init__(
            nn.Conv3d(in_chans, mid, (1, 3, 3), stride=(1, stride, stride), padding=(0, 1, 1)),
            nn.BatchNorm3d(mid), nn.ReLU(inplace=True),
            nn.Conv3d(mid, out_chans, (3, 1, 1), padding=(1, 0, 0)),
        )


class VideoBasicBlock(nn.Module):
    """Two convs from `conv_maker` with batch norm, plus a 1x1x1 projection shortcut when the shape changes."""

    def __init__(self, in_chans: int, out_chans: int, stride: int, conv_maker: ConvMaker) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_maker(in_chans, out_chans, stride), nn.BatchNorm3d(out_chans),
                                  nn.ReLU(inplace=True), conv_maker(out_chans, out_chans, 1), nn.BatchNorm3d(out_chans))
        self.shortcut = (nn.Conv3d(in_chans, out_chans, 1, stride=(1, stride, stride))
                         if stride != 1 or in_chans != out_chans else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class VideoResNet20(nn.Module):
    """ResNet20 over clips: a stem, three stages of three blocks (16, 32, 64 channels), global pooling, linear head."""

    def __init__(self, conv_maker: ConvMaker, num_classes: int = 7, widths: tuple[int, ...] = (16, 32, 64)) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_maker(1, widths[0], 1), nn.BatchNorm3d(widths[0]), nn.ReLU(inplace=True))
        blocks, chans = [], widths[0]
        for i, width in enumerate(widths):
            for j in range(3):
                blocks.append(VideoBasicBlock(chans, width, 2 if i > 0 and j == 0 else 1, conv_maker))
                chans = width
        self.stages = nn.Sequential(*blocks)
        self.fc = nn.Linear(chans, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x)).mean(dim=(2, 3, 4))  # (B, 64) from (B, 1, t, H, W)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@register_model("resnet20-3d", layout="video")
def resnet20_3d(num_classes: int = 7, frames: int = 5) -> VideoResNet20:
    """3D ResNet20 baseline: every 3x3 conv becomes 3x3x3 (808,775 params)."""
    return VideoResNet20(conv3d, num_classes)


@register_model("resnet20-r2plus1d", layout="video")
def resnet20_r2plus1d(num_classes: int = 7, frames: int = 5) -> VideoResNet20:
    """(2+1)D ResNet20 baseline: each 3x3 conv becomes a spatial 1x3x3 then a temporal 3x1x1 conv."""
    return VideoResNet20(Conv2Plus1D, num_classes)
