"""Per-frame clip features: a frame model's probabilities and penultimate embedding, plus an optional context."""

from __future__ import annotations

import numpy as np

from aegis.runtime.onnx import OnnxModel


def frame_windows(length: int, t: int) -> np.ndarray:
    """(length, t) frame indices: for each frame, the t-frame window ending there, padded with the first frame."""
    return np.maximum(np.arange(length)[:, None] - (t - 1) + np.arange(t)[None], 0)


def frame_features(model: OnnxModel, clips: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (B, T, C) and embeddings (B, T, D) of (B, T, H, W) uint8 clips, each frame on its window.

    Each frame is scored on the window of the model's t frames that ends at it, as the live stream does.
    """
    b, length = clips.shape[:2]
    windows = frame_windows(length, model.info.frames)
    parts = []
    for start in range(0, b * length, batch):  # a batch of windows at a time: long clips stay small in memory
        rows = np.arange(start, min(start + batch, b * length))
        parts.append(model.embed(clips[(rows // length)[:, None], windows[rows % length]]))
    probs, embedding = (np.concatenate(p) for p in zip(*parts, strict=True))
    return probs.reshape(b, length, -1), embedding.reshape(b, length, -1)


def clip_frames(model: OnnxModel, crops: np.ndarray, context_model: OnnxModel | None = None,
                people: np.ndarray | None = None) -> np.ndarray:
    """(T, C + D [+ E]) features of one clip: the frame model's probabilities and embedding of the face crops
    (T, H, W), then, with a context model, its embedding of the person-region crops `people`."""
    probs, embedding = frame_features(model, crops[None])
    parts = [probs[0], embedding[0]]
    if context_model is not None:
        parts.append(frame_features(context_model, people[None])[1][0])
    return np.concatenate(parts, axis=1).astype(np.float32)
