"""The per-stream face pipeline: detect, track, crop, window, score and smooth, one frame at a time."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from aegis.data.windows import FaceWindow
from aegis.errors import ConfigError
from aegis.faces.base import BOX_SLACK, Detection, Detector
from aegis.faces.crop import crop_face, to_grey
from aegis.faces.geometry import size_band, suppress_overlaps
from aegis.faces.track import Track, Tracker, TrackerSettings, centre_distance
from aegis.runtime.change import ChangeRegions
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.results import DEFAULT_THRESHOLD, UNCERTAIN, FaceResult, FrameResult

NEAR_SEARCH_MAX_MISSED = 3  # a track lost for longer has likely left: stop the costly tilted search for it
REFIND_DISTANCE = 0.5  # a tracked face is re-found when a detection is centred this many face widths from it
REGROW = 0.25  # a re-found face's share of its size, each side, left out of the band scan's changed region
DEFAULT_DETECT_EVERY = 3  # one whole-frame scan spread over every 3 frames (size bands); tracked faces every frame
DEFAULT_COAST = 1  # frames a missed face stays shown: a blink of the detector, not a face that left


@dataclass(frozen=True)
class StreamSettings:
    """How a stream is processed.

    Attributes:
        detect_every: K: the whole frame is scanned once every K frames, spread over them: each frame scans
            it for one of K bands of face sizes (`size_band`), so no frame carries a whole scan, and each
            tracked face is re-found around its predicted box if that scan missed it (track-guided detection).
            With no track, or a track lost in the last NEAR_SEARCH_MAX_MISSED frames, every frame is scanned
            for all sizes.
        smoothing: weight of the past in each track's exponential moving average of probabilities
            (0 turns smoothing off).
        threshold: below this top probability the label is "uncertain".
        align: turn each crop so the eye line is level, where the detector gives landmarks (mtcnn).
        skip_still: a scan (of a band, or of every size) looks only at faces that overlap the part of the frame
            that changed since the last such scan, or a tracked face of its sizes (`ChangeRegions`; every 30th
            such scan takes the whole frame). Off: every scan takes the whole frame.
        coast: frames a track seen in at least two frames is still shown after the detector misses it, its box
            carried by its motion, its window and label kept (rows marked coasted); 0: a missed face is not
            shown in that frame.
    """

    detect_every: int = DEFAULT_DETECT_EVERY
    smoothing: float = 0.5
    threshold: float = DEFAULT_THRESHOLD
    align: bool = True
    skip_still: bool = True
    coast: int = DEFAULT_COAST

    def __post_init__(self) -> None:
        if self.detect_every < 1:
            raise ConfigError(f"detect_every must be >= 1, got {self.detect_every}")
        if self.coast < 0:
            raise ConfigError(f"coast must be >= 0, got {self.coast}")
        if not 0.0 <= self.smoothing < 1.0:
            raise ConfigError(f"smoothing must be in [0, 1), got {self.smoothing}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in [0, 1], got {self.threshold}")


class FacePipeline:
    """State of one stream: a tracker plus, per track, its window of the last t crops and smoothed probs.

    Nothing but those t crops per live track, and one mean grey level per 16x16 block of the frame for each size
    band (`ChangeRegions`), is kept; a track's crops go when the track expires.
    """

    def __init__(self, model: OnnxModel, detector: Detector, settings: StreamSettings | None = None,
                 tracker: TrackerSettings | None = None) -> None:
        self.model = model
        self.detector = detector
        self.settings = settings or StreamSettings()
        self.tracker = Tracker(tracker)
        self.windows: dict[int, FaceWindow] = {}
        self.smoothed: dict[int, np.ndarray] = {}
        self.changes = ChangeRegions()
        self._count = 0

    def process(self, frame: np.ndarray, index: int | None = None, time_s: float = 0.0) -> FrameResult:
        """Run one frame (BGR or grey uint8) through the pipeline."""
        index = self._count if index is None else index
        t0 = time.perf_counter()
        grey = to_grey(frame)
        lost = not self.tracker.tracks or any(0 < t.missed <= NEAR_SEARCH_MAX_MISSED for t in self.tracker.tracks)
        band = None if lost else self._count % self.settings.detect_every
        detections = self._detect(self.detector.prepare(grey), band)
        t1 = time.perf_counter()
        tracks = self.tracker.update(frame, detections)
        self._count += 1
        t2 = time.perf_counter()
        for track_id in self.tracker.removed:
            self.windows.pop(track_id, None)
            self.smoothed.pop(track_id, None)
        size, margin, frames = self.model.info.input_size[0], self.model.info.crop, self.model.info.frames
        batch = []
        for track in tracks:
            window = self.windows.setdefault(track.track_id, FaceWindow(frames))
            roll = track.roll if self.settings.align else 0.0
            batch.append(window.push(crop_face(grey, track.int_box, size, margin, roll)))
        t3 = time.perf_counter()
        probs = self.model(np.stack(batch)) if batch else np.empty((0, len(self.model.classes)), np.float32)
        t4 = time.perf_counter()
        faces = [self._face(track, p) for track, p in zip(tracks, probs, strict=True)]
        faces += [self._result(t, self.smoothed[t.track_id], coasted=True) for t in self._coasting(tracks)]
        speed = {"detect": (t1 - t0) * 1e3, "track": (t2 - t1) * 1e3, "crop": (t3 - t2) * 1e3, "model": (t4 - t3) * 1e3}
        return FrameResult(index=index, time_s=time_s, faces=faces, speed=speed, frame_size=frame.shape[:2])

    def _detect(self, grey: np.ndarray, band: int | None) -> list[Detection]:
        """With band scans, re-find each recently seen track around its predicted box first (the detector's
        cheap search); scan the frame (`_scan`) for newcomers and the tracks not re-found; then search again
        for each track still missing (`around` where it was not tried, then `near`). With detect_every 1, every
        frame is scanned whole first, as the offline builders do."""
        predicted = self.tracker.predicted_boxes(max_missed=NEAR_SEARCH_MAX_MISSED)
        early = self.settings.detect_every > 1
        around = self.detector.around(grey, [_whole(box) for box in predicted]) if early else [[]] * len(predicted)
        refound, missing = [], []
        for box, there in zip(predicted, around, strict=True):
            found = _closest(there, box)
            refound += found
            if not found:
                missing.append(box)
        detections = self._scan(grey, band, missing, [d.box for d in refound])
        searches = (self.detector.near,) if early else (self._around, self.detector.near)
        for box in missing:
            for search in searches:
                if any(centre_distance(box, np.array(d.box, float)) <= REFIND_DISTANCE for d in detections):
                    break
                detections += _closest(search(grey, _whole(box)), box)
        return suppress_overlaps(refound + detections)

    def _around(self, grey: np.ndarray, box: tuple[int, int, int, int]) -> list[Detection]:
        """The detector's cheap re-find around one box."""
        return self.detector.around(grey, [box])[0]

    def _scan(self, grey: np.ndarray, band: int | None, missing: list[np.ndarray], refound: list[tuple]
              ) -> list[Detection]:
        """The frame for faces of every size (band None, or detect_every 1), or for the sizes of one of
        detect_every bands (`size_band`: together they cost about one whole scan); with `skip_still`, only
        where the frame changed since the last such scan, leaving out the faces just re-found, and around the
        boxes of `missing` tracked faces of its sizes (a band scan re-finds them better than `near` alone)."""
        bands = self.settings.detect_every
        low, high = (None, None) if band is None or bands == 1 else size_band(
            self.detector.smallest_face(grey.shape), band, bands)
        if not self.settings.skip_still:
            return self.detector(grey, min_face=low, max_face=high, known=refound)
        regions = self.changes.regions(grey, bands if band is None else band, [_grown(b) for b in refound],
                                       covers=range(bands) if band is None else ())
        if regions is None:
            return self.detector(grey, min_face=low, max_face=high, known=refound)
        regions += [(int(x), int(y), int(x + w) + 1, int(y + h) + 1) for x, y, w, h in missing
                    if low is None or low / BOX_SLACK <= max(w, h) <= (high or np.inf) * BOX_SLACK]
        return self.detector(grey, min_face=low, max_face=high, regions=regions, known=refound)

    def _coasting(self, seen: list[Track]) -> list[Track]:
        """Tracks missed in this frame and at most `coast` frames before, seen in two frames or more."""
        shown = {t.track_id for t in seen}
        return [t for t in self.tracker.tracks if t.track_id not in shown and 1 <= t.missed <= self.settings.coast
                and t.hits >= 2 and t.track_id in self.smoothed]

    def _face(self, track: Track, probs: np.ndarray) -> FaceResult:
        """Smooth a track's probabilities and label them."""
        alpha = self.settings.smoothing
        previous = self.smoothed.get(track.track_id)
        smoothed = probs if previous is None or alpha == 0 else alpha * previous + (1 - alpha) * probs
        self.smoothed[track.track_id] = smoothed
        return self._result(track, smoothed)

    def _result(self, track: Track, smoothed: np.ndarray, coasted: bool = False) -> FaceResult:
        """A track's face with its label: the top class, or uncertain under the threshold."""
        top = int(np.argmax(smoothed))
        confidence = float(smoothed[top])
        label = self.model.classes[top] if confidence >= self.settings.threshold else UNCERTAIN
        return FaceResult(track.track_id, track.int_box, track.score, smoothed, label, confidence, coasted)


def _whole(box: np.ndarray) -> tuple[int, int, int, int]:
    """A float (x, y, w, h) box rounded to whole pixels."""
    return tuple(int(round(v)) for v in box)


def _closest(found: list[Detection], predicted: np.ndarray) -> list[Detection]:
    """The detection centred nearest a tracked face's predicted box, if within REFIND_DISTANCE face widths of it
    (not a neighbour in the searched region); else none."""
    near = sorted((centre_distance(predicted, np.array(d.box, float)), i, d) for i, d in enumerate(found))
    return [near[0][2]] if near and near[0][0] <= REFIND_DISTANCE else []


def _grown(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A re-found face's (x, y, w, h) as a region (x0, y0, x1, y1) grown by REGROW of its size each side: what
    its own motion changed around it."""
    x, y, w, h = box
    return int(x - REGROW * w), int(y - REGROW * h), int(x + w + REGROW * w) + 1, int(y + h + REGROW * h) + 1
