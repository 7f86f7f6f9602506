"""The `still` recipe: a t-frame window from one still image through small, smooth head motion."""

from __future__ import annotations

import cv2
import numpy as np


def still_window(image: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """Turn one grey still into a (frames, H, W) window that drifts slowly and ends on the still itself.

    Each earlier frame is the still moved back along one random, constant drift: a sub-pixel shift
    (up to 0.6 px a frame), a rotation (up to 1 degree a frame) and a scale change (up to 1% a frame),
    with up to 3% brightness flicker. The last frame is the untouched still, as a peak ends a window.

    Args:
        image: (H, W) uint8 or float grey image.
        frames: window length t.
        rng: random generator that draws the drift.
    """
    h, w = image.shape
    shift = rng.uniform(-0.6, 0.6, size=2)
    angle = rng.uniform(-1.0, 1.0)
    scale = rng.uniform(-0.01, 0.01)
    out = np.empty((frames, h, w), dtype=image.dtype)
    src = image.astype(np.float32)
    hi = 255.0 if image.dtype == np.uint8 else 1.0
    for i in range(frames):
        steps = frames - 1 - i
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle * steps, 1.0 + scale * steps)
        m[:, 2] += shift * steps
        frame = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if steps:
            frame *= 1.0 + rng.uniform(-0.03, 0.03)
        out[i] = np.clip(frame, 0, hi)
    return out
