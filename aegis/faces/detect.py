"""Face detectors: a `Detector` protocol and the default OpenCV Haar cascade."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from aegis.errors import AegisError
from aegis.faces.crop import Box

REGION_FACE_SIDE = 80  # region searches resize their region so the face is about this many pixels wide
CASCADE_WINDOW = 24  # the frontal cascade's window: the smallest face it finds, in the pixels it scans


@dataclass(frozen=True)
class Detection:
    """A face box (x, y, w, h) in frame pixels, a detection score in 0..1 and, where the detector gives them,
    five landmarks (left eye, right eye, nose, left and right mouth corner; image left to right) as (x, y)."""

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...] | None = None


class Detector(Protocol):
    """Anything that finds faces in a grey frame (of at least `min_face` pixels there, where given), and looks
    again near a box where a tracked face was lost."""

    def __call__(self, grey: np.ndarray, min_face: float | None = None) -> list[Detection]: ...

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]: ...


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

    def __call__(self, grey: np.ndarray, min_face: float | None = None) -> list[Detection]:
        if self.settings.face_px:
            scale = min(2.0, CASCADE_WINDOW / self.settings.face_px)
        else:
            scale = min(1.0, self.settings.max_side / max(grey.shape[:2]))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interp)
        return suppress_overlaps([rescaled(d, 1 / scale) for d in self._detect(small, int((min_face or 0) * scale))])

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]:
        """Search a region three times the box's size around it, tilted by each roll angle in turn (smallest
        first, until a face is found); the box found maps back upright."""
        x0, y0, x1, y1 = region_around(box, grey.shape)
        if x1 - x0 < self.settings.min_face or y1 - y0 < self.settings.min_face:
            return []
        region = grey[y0:y1, x0:x1]
        scale = min(1.0, REGION_FACE_SIDE / max(box[2], box[3], 1))
        region = region if scale == 1.0 else cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        centre = (region.shape[1] / 2, region.shape[0] / 2)
        found = []
        for angle in sorted(self.settings.roll_angles, key=abs):  # smallest tilt first; stop at the first hit
            rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
            turned = cv2.warpAffine(region, rotation, region.shape[::-1], borderMode=cv2.BORDER_REPLICATE)
            back = cv2.invertAffineTransform(rotation)
            for d in self._detect(turned):
                bx, by, bw, bh = d.box
                cx, cy = back @ np.array([bx + bw / 2, by + bh / 2, 1.0])
                side = bw / scale
                found.append(Detection((int(round(x0 + cx / scale - side / 2)), int(round(y0 + cy / scale - side / 2)),
                                        int(round(side)), int(round(side))), d.score))
            if found:
                break
        return suppress_overlaps(found)[:1]

    def _detect(self, grey: np.ndarray, min_face: int = 0) -> list[Detection]:
        """Raw cascade hits in the given image's pixels (faces of at least `min_face` there), scored 0..1."""
        s = self.settings
        side = max(s.min_face, min_face)
        boxes, _, weights = self._cascade.detectMultiScale3(
            grey, scaleFactor=s.scale_factor, minNeighbors=s.min_neighbors, minSize=(side, side),
            outputRejectLevels=True)
        return [
            Detection(tuple(int(v) for v in b), float(1.0 / (1.0 + np.exp(-w))))
            for b, w in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(weights).reshape(-1), strict=True)
        ]


DETECTORS = ("haar", "mtcnn")


def region_around(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the region three times a box's size around it, clipped to a frame of `shape`."""
    x, y, w, h = box
    return (max(int(x - w), 0), max(int(y - h), 0), min(int(x + 2 * w), shape[1]), min(int(y + 2 * h), shape[0]))


def detect_in_region(detector: Detector, grey: np.ndarray, box: Box) -> list[Detection]:
    """Faces of at least half a box's size in a region three times its size around it, scaled so the box is
    REGION_FACE_SIDE wide (small faces are looked at larger than in a whole-frame scan, and no time goes to
    faces far smaller than the tracked one); boxes in frame pixels."""
    x0, y0, x1, y1 = region_around(box, grey.shape)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    scale = REGION_FACE_SIDE / max(box[2], box[3], 1)
    region = cv2.resize(grey[y0:y1, x0:x1], None, fx=scale, fy=scale,
                        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return [rescaled(d, 1 / scale, x0, y0) for d in detector(region, min_face=REGION_FACE_SIDE / 2)]


def rescaled(det: Detection, factor: float, dx: float = 0.0, dy: float = 0.0) -> Detection:
    """A detection found in a scaled or cut-out image, mapped back: scaled by `factor`, shifted by (dx, dy),
    landmarks included."""
    x, y, w, h = det.box
    box = (int(round(x * factor + dx)), int(round(y * factor + dy)), int(round(w * factor)), int(round(h * factor)))
    points = tuple((px * factor + dx, py * factor + dy) for px, py in det.landmarks) if det.landmarks else None
    return Detection(box, det.score, points)


def make_detector(name: str = "haar", face_px: int | None = None, threads: int = 1) -> Detector:
    """A detector by name: `haar` (OpenCV's cascade) or `mtcnn` (CNN cascade with landmarks, ONNX Runtime).

    `face_px` is the smallest face wanted, in frame pixels; it sets the scale each frame is scanned at
    (None: each detector's default, Haar's 480 px side and mtcnn's 20 px faces).
    """
    if face_px is not None and face_px < 8:
        raise AegisError(f"the smallest face must be at least 8 px, got {face_px}")
    if name == "haar":
        return HaarDetector(HaarSettings(face_px=face_px))
    if name == "mtcnn":
        from aegis.faces.mtcnn import MtcnnDetector, MtcnnSettings

        return MtcnnDetector(MtcnnSettings(min_face=face_px or MtcnnSettings.min_face), threads=threads)
    raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(DETECTORS)}")


@lru_cache(maxsize=2)
def named_detector(name: str) -> Detector:
    """One detector of each kind per process, for worker pools (ONNX sessions and cascades do not pickle)."""
    return make_detector(name)


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
