"""Per-frame results of the face pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aegis.faces.crop import Box

UNCERTAIN = "uncertain"
DEFAULT_THRESHOLD = 0.6  # chosen on PublicTest and the shared clips (docs/accuracy.md, the `uncertain` threshold)


@dataclass(frozen=True)
class FaceResult:
    """One tracked face in one frame.

    Attributes:
        track_id: stable ID of the face's track.
        box: (x, y, w, h) in frame pixels.
        score: detection score in 0..1 (of the last detection, on frames carried by the tracker).
        probs: (num_classes,) smoothed class probabilities.
        label: the top class, or "uncertain" when its probability is under the threshold.
        confidence: the top probability.
        coasted: True when the detector missed the face in this frame and its box was carried by the track's
            motion, with the window and probabilities of its last detection (`StreamSettings.coast`).
    """

    track_id: int
    box: Box
    score: float
    probs: np.ndarray
    label: str
    confidence: float
    coasted: bool = False


@dataclass
class FrameResult:
    """All faces of one frame, with per-stage times in ms; a frame with no face has an empty `faces`.

    `frame_size` is the frame's (height, width).
    """

    index: int
    time_s: float
    faces: list[FaceResult]
    speed: dict[str, float] = field(default_factory=dict)
    image: np.ndarray | None = None
    frame_size: tuple[int, int] = (0, 0)

    @property
    def detected(self) -> list[FaceResult]:
        """The faces the detector found in this frame, without the coasted ones."""
        return [f for f in self.faces if not f.coasted]
