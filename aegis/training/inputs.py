"""The one normalisation between uint8 crops and a network: training runs it in torch, export puts it in the graph."""

from __future__ import annotations

import torch

from aegis.meta import ModelInfo


def unit_crops(crops: torch.Tensor) -> torch.Tensor:
    """uint8 crops as floats in 0..1 (what augmentation works on)."""
    return crops.float() / 255.0


def model_input(windows: torch.Tensor, info: ModelInfo) -> torch.Tensor:
    """Normalise (B, T, H, W) windows in 0..1 and shape them for the model (last t frames, layout)."""
    x = (windows[:, -info.frames:] - info.mean) / info.std
    return x.unsqueeze(1) if info.layout == "video" else x


def pixel_input(crops: torch.Tensor, info: ModelInfo) -> torch.Tensor:
    """(B, T, H, W) uint8 crops to the model's input: `unit_crops`, then `model_input` (what a graph does first)."""
    return model_input(unit_crops(crops), info)
