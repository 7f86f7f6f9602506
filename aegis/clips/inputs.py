"""What a clip model reads: a clip's per-frame features reduced to a pyramid vector or to K sampled frames."""

from __future__ import annotations

import numpy as np

from aegis.clips.pyramid import pyramid_features
from aegis.errors import ModelError
from aegis.meta import ModelInfo


def sample_frames(length: int, k: int = 32, rng: np.random.Generator | None = None) -> np.ndarray:
    """K frame indices of a clip: sorted random draws in training (with rng), evenly spaced at test."""
    if rng is None:
        return np.linspace(0, length - 1, k).round().astype(int)
    return np.sort(rng.integers(0, length, k))


def clip_input(info: ModelInfo, frames: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """One clip's model input from its (T, F) per-frame features, as the clip model's metadata says.

    "pyramid": the temporal-pyramid vector over `info.levels` (the first len(classes) columns are the
    probabilities); "sequence": `info.k` frames, sampled at random with `rng`, else evenly.
    """
    if info.input == "pyramid":
        return pyramid_features(frames, frames[:, :len(info.classes)], info.levels)
    if info.input == "sequence":
        return frames[sample_frames(len(frames), info.k, rng)]
    raise ModelError(f"{info.name} takes {info.input} input, not a clip's per-frame features")
