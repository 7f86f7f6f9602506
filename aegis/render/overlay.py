"""Per-face overlay: a box in the track's colour, an emoji floating over the head, or label and confidence."""

from __future__ import annotations

import colorsys

import cv2
import numpy as np

from aegis.render.emoji import emoji
from aegis.runtime.results import FaceResult

OVERLAYS = ("emoji", "text", "both", "none")
EMOJI_MIN, EMOJI_MAX = 24, 120


def track_colour(track_id: int) -> tuple[int, int, int]:
    """A stable, well-separated BGR colour for a track ID (golden-ratio hue steps)."""
    hue = (track_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return int(b * 255), int(g * 255), int(r * 255)


def draw_overlay(frame: np.ndarray, faces: list[FaceResult], mode: str = "emoji", boxes: bool = True) -> np.ndarray:
    """Draw the faces' overlays on a copy of a BGR frame.

    Args:
        frame: (H, W, 3) uint8 BGR.
        faces: the frame's face results.
        mode: "emoji" over each head, "text" (label and confidence), "both", or "none" (boxes only).
        boxes: draw each track's box and ID.
    """
    if mode not in OVERLAYS:
        raise ValueError(f"overlay {mode!r} is not one of {OVERLAYS}")
    out = frame.copy()
    for face in faces:
        x, y, w, h = face.box
        colour = track_colour(face.track_id)
        if boxes:
            cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2, cv2.LINE_AA)
            _label(out, f"#{face.track_id}", (x, y + h), colour, below=True)
        top = y
        if mode in ("emoji", "both"):
            gap = max(4, h // 10)
            size = int(np.clip(0.7 * w, EMOJI_MIN, EMOJI_MAX))
            size = max(EMOJI_MIN, min(size, y - gap))  # shrink to fit above the head, overlap only below 24 px
            ex = x + w // 2 - size // 2
            ey = max(0, y - size - gap)
            paste_bgra(out, emoji(face.label, size), ex, ey)
            top = ey
        if mode in ("text", "both"):
            text = face.label if face.label == "uncertain" else f"{face.label} {face.confidence:.0%}"
            _label(out, text, (x, top), colour, below=False)
    return out


def paste_bgra(frame: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend a BGRA sprite onto a BGR frame in place at (x, y), clipped to the frame."""
    h, w = sprite.shape[:2]
    fx0, fy0 = max(x, 0), max(y, 0)
    fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
    if fx1 <= fx0 or fy1 <= fy0:
        return
    part = sprite[fy0 - y:fy1 - y, fx0 - x:fx1 - x]
    alpha = part[..., 3:4].astype(np.float32) / 255.0
    region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (part[..., :3] * alpha + region * (1 - alpha)).astype(np.uint8)


def _label(img: np.ndarray, text: str, anchor: tuple[int, int], colour: tuple[int, int, int], below: bool) -> None:
    """Text on a filled box in the track colour, just above (or below) the anchor point."""
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    x = int(np.clip(anchor[0], 0, max(img.shape[1] - tw - 4, 0)))
    y = anchor[1] + th + base + 4 if below else anchor[1] - 4
    y = int(np.clip(y, th + base, img.shape[0] - 1))
    cv2.rectangle(img, (x, y - th - base), (x + tw + 4, y + 2), colour, -1)
    luminance = 0.114 * colour[0] + 0.587 * colour[1] + 0.299 * colour[2]
    ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    cv2.putText(img, text, (x + 2, y - base + 2), font, scale, ink, thick, cv2.LINE_AA)
