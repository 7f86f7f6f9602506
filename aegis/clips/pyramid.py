"""Temporal-pyramid clip features: per segment, the mean of the features and min, mean, max of the probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def segments(length: int, parts: int) -> list[tuple[int, int]]:
    """`parts` equal [start, end) spans over `length` frames; a clip shorter than `parts` reuses frames."""
    if length < 1:
        raise ValueError("a clip needs at least one frame")
    spans = []
    for j in range(parts):
        start = int(np.floor(j * length / parts))
        end = max(int(np.floor((j + 1) * length / parts)), start + 1)
        spans.append((min(start, length - 1), min(end, length)))
    return spans


def pyramid_features(features: np.ndarray, probs: np.ndarray, levels: Sequence[int] = (0, 1, 2, 3)) -> np.ndarray:
    """One vector for a clip of any length.

    Args:
        features: (T, D) per-frame feature vectors.
        probs: (T, C) per-frame class probabilities.
        levels: pyramid levels; level k splits the clip into 2^k equal segments.

    Returns:
        (sum over levels of 2^k * (D + 3C),) float32: for each segment, the mean feature, then the min, mean
        and max of the probabilities.
    """
    if len(features) != len(probs):
        raise ValueError(f"features and probs differ in length: {len(features)} and {len(probs)}")
    parts = []
    for level in levels:
        for start, end in segments(len(features), 2 ** level):
            p = probs[start:end]
            parts += [features[start:end].mean(0), p.min(0), p.mean(0), p.max(0)]
    return np.concatenate(parts).astype(np.float32)


def pyramid_size(feature_dim: int, num_classes: int, levels: Sequence[int] = (0, 1, 2, 3)) -> int:
    """Length of the vector `pyramid_features` returns."""
    return sum(2 ** k for k in levels) * (feature_dim + 3 * num_classes)
