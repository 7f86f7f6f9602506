"""ResNet20 (He et al., Keras v1 form with 1x1 projection shortcuts) on 48x48 crops."""

from __future__ import annotations

import torch
from torch import nn

from aegis.models.registry import register_model


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus a shortcut (a 1x1 projection when the shape changes), then ReLU."""

    def __init__(self, in_chans: int, out_chans: int, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_chans, out_chans, 3, stride=stride, padding=1), nn.BatchNorm2d(out_chans),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_chans, out_chans, 3, padding=1), nn.BatchNorm2d(out_chans),
        )
        self.shortcut = (
            nn.Conv2d(in_chans, out_chans, 1, stride=stride) if stride != 1 or in_chans != out_chans else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet20(nn.Module):
    """ResNet20: a 3x3 stem and three stages of three basic blocks (16, 32, 64 channels).

    Args:
        num_classes: outputs (logits).
        in_chans: input channels; t for a TimeConvNet, whose stem conv is the spatiotemporal encoding layer.
    """

    def __init__(self, num_classes: int = 7, in_chans: int = 1, widths: tuple[int, ...] = (16, 32, 64)) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_chans, widths[0], 3, padding=1), nn.BatchNorm2d(widths[0]),
                                  nn.ReLU(inplace=True))
        blocks, chans = [], widths[0]
        for i, width in enumerate(widths):
            for j in range(3):
                blocks.append(BasicBlock(chans, width, stride=2 if i > 0 and j == 0 else 1))
                chans = width
        self.stages = nn.Sequential(*blocks)
        self.fc = nn.Linear(chans, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x)).mean(dim=(2, 3))  # (B, 64)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


@register_model("resnet20-static", temporal=False)
def resnet20_static(num_classes: int = 7, frames: int = 1) -> ResNet20:
    """Single-frame ResNet20, the static classifier that picks FaceParty peak frames."""
    return ResNet20(num_classes, in_chans=1)


@register_model("timeconvnet-resnet20")
def timeconvnet_resnet20(num_classes: int = 7, frames: int = 5) -> ResNet20:
    """TimeConvNet on ResNet20: t crops as channels into the stem conv (274,535 params at t=5)."""
    return ResNet20(num_classes, in_chans=frames)
