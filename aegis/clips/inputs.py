"""What a clip model reads: a clip's per-frame features reduced to a pyramid vector or to K sampled frames."""

from __future__ import annotations

import numpy as np

from aegis.clips.pyramid import pyramid_features
from aegis.errors import ModelError

CLIP_INPUTS = ("pyramid", "sequence")


def sample_frames(length: int, k: int = 32, rng: np.random.Generator | None = None) -> np.ndarray:
    """K frame indices of a clip: sorted random draws in training (with rng), evenly spaced at test."""
    if rng is None:
        return np.linspace(0, length - 1, k).round().astype(int)
    return np.sort(rng.integers(0, length, k))


def clip_input(meta: dict, frames: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """One clip's model input from its (T, F) per-frame features, as the clip model's metadata says.

    "pyramid": the temporal-pyramid vector over meta["levels"] (the first len(classes) columns are the
    probabilities); "sequence": meta["k"] frames, sampled at random with `rng`, else evenly.
    """
    if meta["input"] == "pyramid":
        return pyramid_features(frames, frames[:, :len(meta["classes"])], meta["levels"])
    if meta["input"] == "sequence":
        return frames[sample_frames(len(frames), meta["k"], rng)]
    raise ModelError(f"clip input {meta['input']!r} is not one of {CLIP_INPUTS}")
