"""OpenCV's frontal-face Haar cascade as a detector plug-in (`haar`), with tilted re-detection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.base import Detection, Region
from aegis.faces.crop import Box
from aegis.faces.geometry import (
    REGION_FACE_BAND,
    detect_in_region,
    in_region_only,
    region_image,
    rescaled,
    suppress_overlaps,
)
from aegis.faces.registry import register_detector

TILTED_FACE_SIDE = 80  # the tilted search resizes its region so the face is this wide, where Haar needs larger faces
CASCADE_WINDOW = 24  # the frontal cascade's window: the smallest face it finds, in the pixels it scans


@dataclass(frozen=True)
class HaarSettings:
    """Haar cascade settings, tuned on the clips in shared/data/videos (see docs/detector.md).

    Attributes:
        max_side: frames are downscaled so their longer side is at most this before detection.
        scale_factor: image pyramid step.
        min_neighbors: overlapping hits needed to keep a face.
        min_face: smallest face side, in pixels of the downscaled frame.
        cascade: file name inside OpenCV's bundled cascades, or a path.
        roll_angles: in-plane rotations (degrees) tried by `near` around a lost face (tilted heads).
        face_px: if set, the smallest face wanted, in frame pixels: frames are scaled so such a face fills the
            cascade's 24 px window (up to 2x up), instead of to `max_side`.
    """

    max_side: int = 480
    scale_factor: float = 1.1
    min_neighbors: int = 3
    min_face: int = 16
    cascade: str = "haarcascade_frontalface_default.xml"
    roll_angles: tuple[float, ...] = (-40.0, -20.0, 20.0, 40.0)
    face_px: int | None = None


class HaarDetector:
    """OpenCV's frontal-face Haar cascade (the seeds' detector); scores are the cascade's level weights
    squashed to 0..1 by a logistic."""

    def __init__(self, settings: HaarSettings | None = None) -> None:
        self.settings = settings or HaarSettings()
        path = Path(self.settings.cascade)
        if not path.is_file():
            path = Path(cv2.data.haarcascades) / self.settings.cascade
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise ValueError(f"cannot load Haar cascade {self.settings.cascade!r}")

    def prepare(self, grey: np.ndarray) -> np.ndarray:
        """The frame as it is: the cascade normalises each window's contrast itself."""
        return grey

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list[Region] | None = None, known: list[Box] = ()) -> list[Detection]:
        if regions is not None:
            return in_region_only(self, grey, regions, min_face, max_face)
        smallest = min_face or self.settings.face_px
        if smallest:  # scan at the scale where the smallest face wanted fills the cascade's window
            scale = min(2.0, CASCADE_WINDOW / smallest)
        else:
            scale = min(1.0, self.settings.max_side / max(grey.shape[:2]))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interp)
        found = self._detect(small, CASCADE_WINDOW if min_face else 0, int(max_face * scale) if max_face else 0)
        return suppress_overlaps([rescaled(d, 1 / scale) for d in found])

    def smallest_face(self, shape: tuple[int, ...]) -> float:
        """The smallest face, in frame pixels, that a whole scan of a frame of `shape` finds."""
        if self.settings.face_px:
            return float(self.settings.face_px)
        return max(self.settings.min_face, CASCADE_WINDOW) / min(1.0, self.settings.max_side / max(shape[:2]))

    def around(self, grey: np.ndarray, boxes: list[Box]) -> list[list[Detection]]:
        """An upright search of the region around each tracked box (`detect_in_region`)."""
        return [detect_in_region(self, grey, box) for box in boxes]

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]:
        """Search the region around a box (`region_image`, the face TILTED_FACE_SIDE wide) tilted by each roll
        angle in turn (smallest first, until a face is found); the box found maps back upright."""
        cut = region_image(grey, box, TILTED_FACE_SIDE)
        if cut is None:
            return []
        region, scale, x0, y0 = cut
        low, high = (TILTED_FACE_SIDE * f for f in REGION_FACE_BAND)
        centre = (region.shape[1] / 2, region.shape[0] / 2)
        found = []
        for angle in sorted(self.settings.roll_angles, key=abs):  # smallest tilt first; stop at the first hit
            rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
            turned = cv2.warpAffine(region, rotation, region.shape[::-1], borderMode=cv2.BORDER_REPLICATE)
            back = cv2.invertAffineTransform(rotation)
            for d in self._detect(turned, int(low), int(high)):
                bx, by, bw, bh = d.box
                cx, cy = back @ np.array([bx + bw / 2, by + bh / 2, 1.0])
                side = bw / scale
                found.append(Detection((int(round(x0 + cx / scale - side / 2)), int(round(y0 + cy / scale - side / 2)),
                                        int(round(side)), int(round(side))), d.score))
            if found:
                break
        return suppress_overlaps(found)[:1]

    def _detect(self, grey: np.ndarray, min_face: int = 0, max_face: int = 0) -> list[Detection]:
        """Raw cascade hits in the given image's pixels (faces of `min_face` to `max_face` there; 0: no
        bound), scored 0..1."""
        s = self.settings
        side = max(s.min_face, min_face)
        largest = (max(max_face, side),) * 2 if max_face else (0, 0)
        boxes, _, weights = self._cascade.detectMultiScale3(
            grey, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors, minSize=(side, side), maxSize=largest,
            outputRejectLevels=True)
        return [
            Detection(tuple(int(v) for v in b), float(1.0 / (1.0 + np.exp(-w))))
            for b, w in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(weights).reshape(-1), strict=True)
        ]


@register_detector("haar")
def _haar(face_px: int | None = None, threads: int = 1) -> HaarDetector:
    """The cascade scanning at the scale that finds `face_px` faces (threads: OpenCV's own)."""
    return HaarDetector(HaarSettings(face_px=face_px))
