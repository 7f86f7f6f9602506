"""Vector emoji for the 7 expressions and "uncertain", drawn with OpenCV primitives (no font, no download)."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

SUPERSAMPLE = 4
_OUTLINE = (40, 40, 40)
_FACE = {  # BGR fill of the face disc
    "anger": (60, 80, 230), "disgust": (90, 190, 140), "fear": (230, 200, 160), "happiness": (60, 210, 255),
    "sadness": (220, 170, 120), "surprise": (60, 210, 255), "neutral": (60, 210, 255), "uncertain": (200, 200, 200),
}


@lru_cache(maxsize=256)
def emoji(label: str, size: int) -> np.ndarray:
    """A (size, size, 4) BGRA emoji for a class name or "uncertain"; unknown labels draw as uncertain."""
    n = size * SUPERSAMPLE
    img = np.zeros((n, n, 4), np.uint8)
    c, r = n // 2, int(n * 0.46)
    lw = max(2, n // 28)
    fill = _FACE.get(label, _FACE["uncertain"])
    cv2.circle(img, (c, c), r, (*fill, 255), -1, cv2.LINE_AA)
    cv2.circle(img, (c, c), r, (*_OUTLINE, 255), lw, cv2.LINE_AA)
    _FEATURES.get(label, _uncertain)(img, n, lw)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)


def _pt(n: int, x: float, y: float) -> tuple[int, int]:
    """A point given as fractions of the canvas side."""
    return int(x * n), int(y * n)


def _eyes(img: np.ndarray, n: int, radius: float = 0.055, y: float = 0.40) -> None:
    for x in (0.35, 0.65):
        cv2.circle(img, _pt(n, x, y), int(radius * n), (*_OUTLINE, 255), -1, cv2.LINE_AA)


def _arc(img: np.ndarray, n: int, cy: float, ry: float, start: int, end: int, lw: int, rx: float = 0.2) -> None:
    cv2.ellipse(img, _pt(n, 0.5, cy), _pt(n, rx, ry), 0, start, end, (*_OUTLINE, 255), lw, cv2.LINE_AA)


def _line(img: np.ndarray, n: int, a: tuple[float, float], b: tuple[float, float], lw: int) -> None:
    cv2.line(img, _pt(n, *a), _pt(n, *b), (*_OUTLINE, 255), lw, cv2.LINE_AA)


def _happiness(img: np.ndarray, n: int, lw: int) -> None:
    for x in (0.35, 0.65):  # smiling eyes: upward arcs
        cv2.ellipse(img, _pt(n, x, 0.42), _pt(n, 0.07, 0.06), 0, 180, 360, (*_OUTLINE, 255), lw, cv2.LINE_AA)
    cv2.ellipse(img, _pt(n, 0.5, 0.58), _pt(n, 0.22, 0.17), 0, 0, 180, (*_OUTLINE, 255), -1, cv2.LINE_AA)


def _sadness(img: np.ndarray, n: int, lw: int) -> None:
    _eyes(img, n)
    _line(img, n, (0.26, 0.30), (0.40, 0.26), lw)
    _line(img, n, (0.60, 0.26), (0.74, 0.30), lw)
    _arc(img, n, 0.78, 0.10, 200, 340, lw)
    cv2.circle(img, _pt(n, 0.33, 0.55), int(0.04 * n), (255, 160, 60, 255), -1, cv2.LINE_AA)  # tear


def _anger(img: np.ndarray, n: int, lw: int) -> None:
    _eyes(img, n, y=0.43)
    _line(img, n, (0.24, 0.28), (0.44, 0.36), lw * 2)
    _line(img, n, (0.56, 0.36), (0.76, 0.28), lw * 2)
    _arc(img, n, 0.76, 0.08, 200, 340, lw * 2)


def _surprise(img: np.ndarray, n: int, lw: int) -> None:
    for x in (0.35, 0.65):
        cv2.circle(img, _pt(n, x, 0.40), int(0.07 * n), (255, 255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(img, _pt(n, x, 0.40), int(0.035 * n), (*_OUTLINE, 255), -1, cv2.LINE_AA)
    for x in (0.35, 0.65):  # raised brows
        cv2.ellipse(img, _pt(n, x, 0.29), _pt(n, 0.08, 0.05), 0, 200, 340, (*_OUTLINE, 255), lw, cv2.LINE_AA)
    cv2.ellipse(img, _pt(n, 0.5, 0.70), _pt(n, 0.08, 0.11), 0, 0, 360, (*_OUTLINE, 255), -1, cv2.LINE_AA)


def _fear(img: np.ndarray, n: int, lw: int) -> None:
    for x in (0.35, 0.65):
        cv2.circle(img, _pt(n, x, 0.42), int(0.07 * n), (255, 255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(img, _pt(n, x, 0.42), int(0.03 * n), (*_OUTLINE, 255), -1, cv2.LINE_AA)
    _line(img, n, (0.26, 0.30), (0.42, 0.25), lw)
    _line(img, n, (0.58, 0.25), (0.74, 0.30), lw)
    xs = np.linspace(0.32, 0.68, 7)
    ys = 0.70 + 0.03 * np.array([(-1) ** i for i in range(7)])
    pts = np.array([_pt(n, x, y) for x, y in zip(xs, ys, strict=True)], np.int32)
    cv2.polylines(img, [pts], False, (*_OUTLINE, 255), lw, cv2.LINE_AA)


def _disgust(img: np.ndarray, n: int, lw: int) -> None:
    _eyes(img, n, y=0.42)
    _line(img, n, (0.26, 0.30), (0.42, 0.33), lw)
    _line(img, n, (0.58, 0.27), (0.74, 0.24), lw)
    pts = np.array([_pt(n, x, y) for x, y in ((0.32, 0.72), (0.42, 0.66), (0.52, 0.72), (0.62, 0.66), (0.70, 0.70))],
                   np.int32)
    cv2.polylines(img, [pts], False, (*_OUTLINE, 255), lw, cv2.LINE_AA)
    cv2.ellipse(img, _pt(n, 0.56, 0.74), _pt(n, 0.05, 0.06), 0, 0, 180, (90, 90, 230, 255), -1, cv2.LINE_AA)


def _neutral(img: np.ndarray, n: int, lw: int) -> None:
    _eyes(img, n)
    _line(img, n, (0.34, 0.68), (0.66, 0.68), lw)


def _uncertain(img: np.ndarray, n: int, lw: int) -> None:
    cv2.ellipse(img, _pt(n, 0.5, 0.38), _pt(n, 0.13, 0.13), 0, 180, 405, (*_OUTLINE, 255), lw * 2, cv2.LINE_AA)
    _line(img, n, (0.59, 0.47), (0.5, 0.55), lw * 2)
    _line(img, n, (0.5, 0.55), (0.5, 0.64), lw * 2)
    cv2.circle(img, _pt(n, 0.5, 0.76), int(0.04 * n), (*_OUTLINE, 255), -1, cv2.LINE_AA)


_FEATURES = {
    "anger": _anger, "disgust": _disgust, "fear": _fear, "happiness": _happiness, "sadness": _sadness,
    "surprise": _surprise, "neutral": _neutral, "uncertain": _uncertain,
}
