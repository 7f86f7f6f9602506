"""EmotionNet Nano-style networks: residual stages of heterogeneous widths plus selective long-range 1x1 links.

The paper (Lee et al. 2020) gives the design principles but not the layer list; ours follows them:
widths grow as maps shrink, and in chosen stages a 1x1 conv gathers the outputs of several 3x3 layers
and feeds them to the stage's last layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from aegis.models.registry import register_model


@dataclass(frozen=True)
class NanoConfig:
    """A Nano architecture.

    Attributes:
        stem: width of the stride-1 stem conv.
        stages: widths of each stage's convs; the first conv of a stage has stride 2.
        long_range: indices of the stages that get a long-range 1x1 link.
        kernel: spatial kernel size of the stage convs.
    """

    stem: int
    stages: tuple[tuple[int, ...], ...]
    long_range: tuple[int, ...] = (1, 2)
    kernel: int = 3


def conv_bn_relu(in_chans: int, out_chans: int, kernel: int, stride: int = 1) -> nn.Sequential:
    """Conv (no bias), batch norm, ReLU."""
    return nn.Sequential(nn.Conv2d(in_chans, out_chans, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(out_chans), nn.ReLU(inplace=True))


class NanoStage(nn.Module):
    """Strided conv then same-size convs with residuals; optionally a 1x1 link from the earlier outputs to the last."""

    def __init__(self, in_chans: int, widths: tuple[int, ...], kernel: int, long_range: bool) -> None:
        super().__init__()
        chans = (in_chans, *widths)
        self.convs = nn.ModuleList(conv_bn_relu(a, b, kernel, 2 if i == 0 else 1)
                                   for i, (a, b) in enumerate(zip(chans[:-1], chans[1:], strict=True)))
        self.link = (nn.Sequential(nn.Conv2d(sum(widths[:-1]), widths[-1], 1, bias=False), nn.BatchNorm2d(widths[-1]))
                     if long_range and len(widths) > 1 else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = []
        for conv in self.convs:
            y = conv(x)
            x = y + x if y.shape == x.shape else y
            outputs.append(x)
        if self.link is not None:
            x = x + self.link(torch.cat(outputs[:-1], dim=1))
        return x


class EmotionNetNano(nn.Module):
    """A compact Nano network: stem, stages, global average pooling and a linear head."""

    def __init__(self, config: NanoConfig, num_classes: int = 7, in_chans: int = 1) -> None:
        super().__init__()
        self.config = config
        self.stem = conv_bn_relu(in_chans, config.stem, 3)
        stages, chans = [], config.stem
        for i, widths in enumerate(config.stages):
            stages.append(NanoStage(chans, widths, config.kernel, i in config.long_range))
            chans = widths[-1]
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(chans, num_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x)).mean(dim=(2, 3))

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))


NANO_A = NanoConfig(stem=16, stages=((24, 24, 32), (40, 40, 48, 48), (56, 64, 64, 72)))  # 236,911 params
NANO_B = NanoConfig(stem=12, stages=((16, 16, 24), (28, 28, 32, 32), (48, 48, 56, 56)))  # 138,619 params
# Nano-L: Nano-A's stem and first stage, the two deeper (smaller-map) stages about twice as wide; the width goes
# where the maps are small, so it adds parameters more than time (1.3 ms against Nano-A's 0.6 ms, one thread).
NANO_L = NanoConfig(stem=16, stages=((24, 24, 32), (64, 64, 80, 80), (112, 128, 128, 144)))  # 772,807 params
NANO_M = NanoConfig(stem=24, stages=((36, 36, 48), (60, 60, 72, 72), (84, 96, 96, 108)))  # 530,611 params


@register_model("emotionnet-nano-a", temporal=False)
def emotionnet_nano_a(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Nano-A-sized network (~232K params) on single 48x48 crops."""
    return EmotionNetNano(NANO_A, num_classes)


@register_model("timeconvnet-nano-a")
def timeconvnet_nano_a(num_classes: int = 7, frames: int = 5) -> EmotionNetNano:
    """TimeConvNet on the Nano-A network: t crops as channels into its stem, the spatiotemporal encoding layer."""
    return EmotionNetNano(NANO_A, num_classes, in_chans=frames)


@register_model("emotionnet-nano-l", temporal=False)
def emotionnet_nano_l(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Nano-L (~770K params): Nano-A with wider deep stages, on single 48x48 crops."""
    return EmotionNetNano(NANO_L, num_classes)


@register_model("timeconvnet-nano-l")
def timeconvnet_nano_l(num_classes: int = 7, frames: int = 5) -> EmotionNetNano:
    """TimeConvNet on the Nano-L network: t crops as channels into its stem."""
    return EmotionNetNano(NANO_L, num_classes, in_chans=frames)


@register_model("emotionnet-nano-m", temporal=False)
def emotionnet_nano_m(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Nano-M (~530K params): Nano-A 1.5 times as wide, on single 48x48 crops."""
    return EmotionNetNano(NANO_M, num_classes)


@register_model("emotionnet-nano-b", temporal=False)
def emotionnet_nano_b(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Nano-B-sized network (~136K params) on single 48x48 crops."""
    return EmotionNetNano(NANO_B, num_classes)


# Found by `aegis search --space nano` on CK+48 sequence windows (seed 0, 15 proxy epochs; docs/accuracy.md):
# the best proxy accuracy of all (candidate c15, about Nano-B's size) and the best under 100K params (c214).
NANO_S = NanoConfig(stem=16, stages=((16, 16, 16), (16, 16, 24, 24), (24, 32, 32, 32)), long_range=(0, 2),  # 145,751
                    kernel=5)
NANO_XS = NanoConfig(stem=12, stages=((16, 16), (16, 16, 16, 16), (16, 24, 24)), long_range=(1, 2), kernel=5)  # 70,059


@register_model("emotionnet-nano-s", temporal=False)
def emotionnet_nano_s(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Search-found Nano network (search candidate c15) on single 48x48 crops."""
    return EmotionNetNano(NANO_S, num_classes)


@register_model("emotionnet-nano-xs", temporal=False)
def emotionnet_nano_xs(num_classes: int = 7, frames: int = 1) -> EmotionNetNano:
    """Search-found Nano network (search candidate c214) on single 48x48 crops."""
    return EmotionNetNano(NANO_XS, num_classes)
