"""Face detectors: a `Detector` protocol, the OpenCV Haar cascade and `make_detector` (mtcnn by default)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from aegis.errors import AegisError
from aegis.faces.crop import Box

REGION_FACE_SIDE = 40  # region searches resize their region so the tracked face is this many pixels wide,
TILTED_FACE_SIDE = 80  # or this wide for the tilted search, where Haar needs larger faces
REGION_FACE_BAND = (0.7, 1.4)  # ... and look only for faces this much smaller or larger than the tracked one
CASCADE_WINDOW = 24  # the frontal cascade's window: the smallest face it finds, in the pixels it scans


@dataclass(frozen=True)
class Detection:
    """A face box (x, y, w, h) in frame pixels, a detection score in 0..1 and, where the detector gives them,
    five landmarks (left eye, right eye, nose, left and right mouth corner; image left to right) as (x, y)."""

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...] | None = None


BOX_SLACK = 1.5  # a detector's box can be this many times larger or smaller than the face size it was found for
Region = tuple[int, int, int, int]  # (x0, y0, x1, y1) of a part of a frame, in its pixels


class Detector(Protocol):
    """Anything that finds faces in a grey frame (of `min_face` to `max_face` pixels there, where given; those
    that overlap `region`, where given), re-finds a tracked face cheaply `around` its predicted box, and looks
    again, more thoroughly, `near` a box where that failed (tilted heads). Every call takes the frame as the
    detector's `prepare` made it, once per frame; `known` are faces already found in it, which a detector may
    leave out early (MTCNN drops their candidates before R-Net)."""

    def prepare(self, grey: np.ndarray) -> np.ndarray: ...

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list[Region] | None = None, known: list[Box] = ()) -> list[Detection]: ...

    def around(self, grey: np.ndarray, box: Box) -> list[Detection]: ...

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]: ...

    def smallest_face(self, shape: tuple[int, ...]) -> float: ...


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

    def around(self, grey: np.ndarray, box: Box) -> list[Detection]:
        """An upright search of the region around a tracked box (`detect_in_region`)."""
        return detect_in_region(self, grey, box)

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


DETECTORS = ("haar", "mtcnn")
DEFAULT_DETECTOR = "mtcnn"  # by measured recall and speed (docs/detector.md)
DEFAULT_DETECT_EVERY = 3  # one whole-frame scan spread over every 3 frames (size bands); tracked faces every frame


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


def make_detector(name: str = DEFAULT_DETECTOR, face_px: int | None = None, threads: int = 1) -> Detector:
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
