"""Per-frame clip features: a frame model's class probabilities and penultimate embedding, then the pyramid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aegis.clips.pyramid import pyramid_features
from aegis.data.windows import stack_window
from aegis.runtime.onnx import OnnxModel


def frame_features(model: OnnxModel, crops: Sequence[np.ndarray], batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (T, C) and embeddings (T, D) of a track's crops in 0..1, each scored on its own window."""
    t = model.info.frames
    windows = np.stack([stack_window(list(crops[max(0, i - t + 1):i + 1]), t) for i in range(len(crops))])
    parts = [model.embed(windows[i:i + batch]) for i in range(0, len(windows), batch)]
    return np.concatenate([p for p, _ in parts]), np.concatenate([e for _, e in parts])


def clip_vector(model: OnnxModel, crops: Sequence[np.ndarray], levels: Sequence[int] = (0, 1, 2, 3)) -> np.ndarray:
    """The temporal-pyramid vector of a clip: the mean embedding and min/mean/max probabilities per segment."""
    probs, embedding = frame_features(model, crops)
    return pyramid_features(np.concatenate([probs, embedding], axis=1), probs, levels)
