"""mini-Xception (Arriaga et al. 2017) and its TimeConvNet form (t crops stacked as input channels)."""

from __future__ import annotations

import torch
from torch import nn

from aegis.models.registry import register_model


class SeparableConv2d(nn.Sequential):
    """Depthwise 3x3 then pointwise 1x1 convolution, both without bias."""

    def __init__(self, in_chans: int, out_chans: int) -> None:
        super().__init__(
            nn.Conv2d(in_chans, in_chans, 3, padding=1, groups=in_chans, bias=False),
            nn.Conv2d(in_chans, out_chans, 1, bias=False),
        )


class XceptionModule(nn.Module):
    """Two separable convs and a stride-2 max-pool, added to a strided 1x1 shortcut."""

    def __init__(self, in_chans: int, out_chans: int) -> None:
        super().__init__()
        self.shortcut = nn.Sequential(nn.Conv2d(in_chans, out_chans, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(out_chans))
        self.body = nn.Sequential(
            SeparableConv2d(in_chans, out_chans), nn.BatchNorm2d(out_chans), nn.ReLU(inplace=True),
            SeparableConv2d(out_chans, out_chans), nn.BatchNorm2d(out_chans),
            nn.MaxPool2d(3, stride=2, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class MiniXception(nn.Module):
    """mini-Xception: a two-conv stem, four Xception modules and a conv head with global average pooling.

    Args:
        num_classes: outputs (logits).
        in_chans: input channels; t for a TimeConvNet, whose first conv is the spatiotemporal encoding layer.
        widths: output channels of the four modules.
    """

    def __init__(self, num_classes: int = 7, in_chans: int = 1, widths: tuple[int, ...] = (16, 32, 64, 128)) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_chans, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
        )
        chans = (8, *widths)
        self.stages = nn.Sequential(*(XceptionModule(a, b) for a, b in zip(chans[:-1], chans[1:], strict=True)))
        self.head = nn.Conv2d(widths[-1], num_classes, 3, padding=1)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x))  # (B, widths[-1], 3, 3) for 48x48 input

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x).mean(dim=(2, 3))  # (B, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@register_model("minixception-2d", temporal=False)
def minixception_2d(num_classes: int = 7, frames: int = 1) -> MiniXception:
    """Single-frame baseline on the last crop of the window (58,423 Keras-counted params)."""
    return MiniXception(num_classes, in_chans=1)


@register_model("timeconvnet-minixception")
def timeconvnet_minixception(num_classes: int = 7, frames: int = 5) -> MiniXception:
    """TimeConvNet on mini-Xception: t crops as channels into the first conv (58,711 params at t=5)."""
    return MiniXception(num_classes, in_chans=frames)
