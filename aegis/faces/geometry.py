"""Detector geometry shared by the plug-ins: size bands, regions around a box, mapping boxes back, overlaps."""

from __future__ import annotations

import math

import cv2
import numpy as np

from aegis.faces.base import BOX_SLACK, Detection, Detector, Region
from aegis.faces.crop import Box

REGION_FACE_SIDE = 40  # region searches resize their region so the tracked face is this many pixels wide,
REGION_FACE_BAND = (0.7, 1.4)  # ... and look only for faces this much smaller or larger than the tracked one


def size_band(smallest: float, band: int, bands: int) -> tuple[float, float | None]:
    """The `band`-th of `bands` ranges of face sizes from `smallest` up, (low, high; None for the open last
    one). Each is sqrt(2) wider than the one before: one MTCNN pyramid level, and about half the scan cost of
    the band before (a scan's cost falls with the square of the smallest face it looks for), so the bands
    together cost about one whole scan."""
    low = smallest * math.sqrt(2) ** band
    return low, low * math.sqrt(2) if band + 1 < bands else None


def region_around(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the region three times a box's size around it, clipped to a frame of `shape`."""
    x, y, w, h = box
    return (max(int(x - w), 0), max(int(y - h), 0), min(int(x + 2 * w), shape[1]), min(int(y + 2 * h), shape[0]))


def region_image(grey: np.ndarray, box: Box, side: int = REGION_FACE_SIDE) -> tuple[np.ndarray, float, int, int] | None:
    """The region three times a box's size around it, resized so the box is `side` pixels wide, with that
    scale and the region's origin in the frame (None for a region under 8 px)."""
    x0, y0, x1, y1 = region_around(box, grey.shape)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    scale = side / max(box[2], box[3], 1)
    region = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale,
                        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return region, scale, x0, y0


def detect_in_region(detector: Detector, grey: np.ndarray, box: Box) -> list[Detection]:
    """Faces of about a box's size (REGION_FACE_BAND) in the region around it (`region_image`): small faces
    are looked at larger than in a whole-frame scan, and large ones smaller, so each search costs about the
    same and no time goes to sizes the tracked face cannot have changed to; boxes in frame pixels."""
    cut = region_image(grey, box)
    if cut is None:
        return []
    region, scale, x0, y0 = cut
    low, high = (REGION_FACE_SIDE * f for f in REGION_FACE_BAND)
    return [rescaled(d, 1 / scale, x0, y0) for d in detector(region, min_face=low, max_face=high)]


def in_region_only(detector: Detector, grey: np.ndarray, regions: list[Region], min_face: float | None = None,
                   max_face: float | None = None) -> list[Detection]:
    """A detector's faces that overlap any of the regions: each grown by BOX_SLACK times `max_face` (None: the
    whole frame), cut out and searched on its own; boxes in frame pixels, overlaps suppressed."""
    if max_face is None:
        return detector(grey, min_face, max_face) if regions else []
    found, grow = [], BOX_SLACK * max_face
    for x0, y0, x1, y1 in regions:
        x0, y0, x1, y1 = max(int(x0 - grow), 0), max(int(y0 - grow), 0), int(x1 + grow), int(y1 + grow)
        found += [rescaled(d, 1.0, x0, y0) for d in detector(grey[y0:y1, x0:x1], min_face, max_face)]
    return suppress_overlaps(found)


def rescaled(det: Detection, factor: float, dx: float = 0.0, dy: float = 0.0) -> Detection:
    """A detection found in a scaled or cut-out image, mapped back: scaled by `factor`, shifted by (dx, dy),
    landmarks included."""
    x, y, w, h = det.box
    box = (int(round(x * factor + dx)), int(round(y * factor + dy)), int(round(w * factor)), int(round(h * factor)))
    points = tuple((px * factor + dx, py * factor + dy) for px, py in det.landmarks) if det.landmarks else None
    return Detection(box, det.score, points)


def suppress_overlaps(detections: list[Detection], overlap: float = 0.5) -> list[Detection]:
    """Drop boxes that overlap a better-scored one by more than `overlap` of the smaller box's area."""
    kept: list[Detection] = []
    for det in sorted(detections, key=lambda d: -d.score):
        if all(_overlap_of_smaller(det.box, k.box) <= overlap for k in kept):
            kept.append(det)
    return kept


def _overlap_of_smaller(a: Box, b: Box) -> float:
    """Intersection area over the smaller box's area."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / min(a[2] * a[3], b[2] * b[3])
