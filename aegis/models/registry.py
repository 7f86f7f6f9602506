"""Model registry (a leaf: the families in aegis.models register into it): `@register_model` records
entrypoints, `create_model` builds them by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """A registered network: its builder and how its input is laid out.

    Attributes:
        builder: called as builder(num_classes=, frames=) and returns the module.
        layout: "stack" for (B, t, H, W) input, "video" for (B, 1, t, H, W).
        temporal: False for single-frame networks, which always take t=1.
    """

    builder: Callable[..., nn.Module]
    layout: str = "stack"
    temporal: bool = True


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(name: str, layout: str = "stack", temporal: bool = True) -> Callable:
    """Decorator that registers a builder under `name`; a duplicate name raises ValueError."""

    def wrap(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is already registered")
        _REGISTRY[name] = ModelSpec(builder, layout, temporal)
        return builder

    return wrap


def list_models() -> list[str]:
    """Names of all registered models, sorted."""
    return sorted(_REGISTRY)


def model_spec(name: str) -> ModelSpec:
    """The spec of a registered model; an unknown name raises ValueError listing the valid ones."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def model_frames(name: str, frames: int) -> int:
    """The window length a model really takes: `frames` for temporal networks, 1 otherwise."""
    return frames if model_spec(name).temporal else 1


def create_model(name: str, num_classes: int = 7, frames: int = 5) -> nn.Module:
    """Build a registered model with `num_classes` outputs (logits) for windows of `frames` crops."""
    if num_classes < 2 or frames < 1:
        raise ValueError(f"need num_classes >= 2 and frames >= 1, got {num_classes} and {frames}")
    return model_spec(name).builder(num_classes=num_classes, frames=model_frames(name, frames))
