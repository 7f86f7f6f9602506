"""MobileNetV2 (Sandler et al. 2018, width 1.0) as a TimeConvNet backbone on 48x48 crops."""

from __future__ import annotations

import torch
from torch import nn

from aegis.models.registry import register_model

# (expansion, output channels, repeats, first stride), as in the paper's Table 2
INVERTED_RESIDUAL_SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                             (6, 160, 3, 2), (6, 320, 1, 1))


def conv_bn_relu6(in_chans: int, out_chans: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Conv (no bias), batch norm, ReLU6."""
    return nn.Sequential(nn.Conv2d(in_chans, out_chans, kernel, stride, kernel // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(out_chans), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    """1x1 expansion, 3x3 depthwise, linear 1x1 projection; residual when the shape is kept."""

    def __init__(self, in_chans: int, out_chans: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = in_chans * expansion
        layers = [conv_bn_relu6(in_chans, hidden, 1)] if expansion != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, out_chans, 1, bias=False), nn.BatchNorm2d(out_chans)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and in_chans == out_chans

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 with `in_chans` input channels (t for a TimeConvNet: the first conv is the encoding layer)."""

    def __init__(self, num_classes: int = 7, in_chans: int = 1) -> None:
        super().__init__()
        layers, chans = [conv_bn_relu6(in_chans, 32, 3, 2)], 32
        for expansion, out_chans, repeats, stride in INVERTED_RESIDUAL_SETTING:
            for i in range(repeats):
                layers.append(InvertedResidual(chans, out_chans, stride if i == 0 else 1, expansion))
                chans = out_chans
        layers.append(conv_bn_relu6(chans, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))  # (B, 1280)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@register_model("timeconvnet-mobilenetv2")
def timeconvnet_mobilenetv2(num_classes: int = 7, frames: int = 5) -> MobileNetV2:
    """TimeConvNet on MobileNetV2: t crops as channels into the first conv (2,267,527 params at t=5)."""
    return MobileNetV2(num_classes, in_chans=frames)
