"""What every face detector is: the `Detector` protocol and the `Detection` it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from aegis.faces.crop import Box

BOX_SLACK = 1.5  # a detector's box can be this many times larger or smaller than the face size it was found for
Region = tuple[int, int, int, int]  # (x0, y0, x1, y1) of a part of a frame, in its pixels



@dataclass(frozen=True)
class Detection:
    """A face box (x, y, w, h) in frame pixels, a detection score in 0..1 and, where the detector gives them,
    five landmarks (left eye, right eye, nose, left and right mouth corner; image left to right) as (x, y)."""

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...] | None = None



class Detector(Protocol):
    """Anything that finds faces in a grey frame (of `min_face` to `max_face` pixels there, where given; those
    that overlap `region`, where given), re-finds tracked faces cheaply `around` their predicted boxes (all boxes
    in one call, one list of detections per box), and looks again, more thoroughly, `near` a box where that
    failed (tilted heads). Every call takes the frame as the detector's `prepare` made it, once per frame;
    `known` are faces already found in it, which a detector may leave out early (MTCNN drops their candidates
    before R-Net)."""

    def prepare(self, grey: np.ndarray) -> np.ndarray: ...

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list[Region] | None = None, known: list[Box] = ()) -> list[Detection]: ...

    def around(self, grey: np.ndarray, boxes: list[Box]) -> list[list[Detection]]: ...

    def near(self, grey: np.ndarray, box: Box) -> list[Detection]: ...

    def smallest_face(self, shape: tuple[int, ...]) -> float: ...
