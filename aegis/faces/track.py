"""Tracking by detection: Hungarian matching on overlap, centre distance, size and HSV-histogram costs."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from aegis.faces.base import Detection
from aegis.faces.crop import Box, eye_roll

_INFEASIBLE = 1e6


@dataclass(frozen=True)
class TrackerSettings:
    """Matching weights and limits.

    Attributes:
        max_age: frames a track survives without a matching detection.
        max_cost: matches costing more than this start a new track instead.
        gate: largest centre distance, in face widths, that can match (grows by `gate_growth` per missed frame).
        w_iou, w_centre, w_size, w_appearance: weights of 1 - IoU, centre distance, log area ratio and
            the Bhattacharyya distance of hue-saturation histograms.
    """

    max_age: int = 15
    max_cost: float = 2.0
    gate: float = 1.0
    gate_growth: float = 0.1
    w_iou: float = 1.0
    w_centre: float = 1.0
    w_size: float = 0.5
    w_appearance: float = 1.0


@dataclass
class Track:
    """One face over time: `box` is (x, y, w, h) as floats, `roll` the eye-line tilt of its last detection
    (0 without landmarks), `missed` counts detection frames it was not found in (and every frame after
    that), `since_update` the frames since its box last came from a detection."""

    track_id: int
    box: np.ndarray
    hist: np.ndarray
    score: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    roll: float = 0.0
    missed: int = 0
    since_update: int = 0
    hits: int = 1

    @property
    def int_box(self) -> Box:
        """The box rounded to whole pixels."""
        return tuple(int(round(v)) for v in self.box)


class Tracker:
    """Keeps face tracks with stable IDs across frames; call `update` with each frame's detections."""

    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.tracks: list[Track] = []
        self.removed: list[int] = []
        self._next_id = 1

    def update(self, frame: np.ndarray, detections: list[Detection]) -> list[Track]:
        """Match detections to tracks; returns the tracks seen in this frame (matched or new)."""
        self.removed = []
        self._advance()
        hists = [face_histogram(frame, d.box) for d in detections]
        cost = self._cost_matrix(detections, hists)
        rows, cols = linear_sum_assignment(cost) if cost.size else (np.array([], int), np.array([], int))
        matched_tracks, matched_dets = set(), set()
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] <= self.settings.max_cost:
                self._absorb(self.tracks[r], detections[c], hists[c])
                matched_tracks.add(r)
                matched_dets.add(c)
        for r, track in enumerate(self.tracks):
            if r not in matched_tracks:
                track.missed += 1
        seen = [self.tracks[r] for r in sorted(matched_tracks)]
        for c, det in enumerate(detections):
            if c not in matched_dets:
                track = Track(self._next_id, np.array(det.box, float), hists[c], det.score,
                              roll=eye_roll(det.landmarks))
                self._next_id += 1
                self.tracks.append(track)
                seen.append(track)
        self._expire()
        return seen

    def predicted_boxes(self, max_missed: int | None = None) -> list[np.ndarray]:
        """Where each track (lost for at most `max_missed` frames) will be in the next frame, by its velocity."""
        return [np.concatenate([t.box[:2] + t.velocity * (0.8 if t.missed else 1.0), t.box[2:]])
                for t in self.tracks if max_missed is None or t.missed <= max_missed]

    def _advance(self) -> None:
        """Move every box one frame along its velocity; the velocity of a lost track decays."""
        for track in self.tracks:
            if track.missed:
                track.velocity *= 0.8
            track.box[:2] += track.velocity
            track.since_update += 1

    def _absorb(self, track: Track, det: Detection, hist: np.ndarray) -> None:
        """Update a track from its matched detection."""
        new = np.array(det.box, float)
        centre = new[:2] + new[2:] / 2
        residual = centre - (track.box[:2] + track.box[2:] / 2)
        track.velocity = track.velocity + 0.5 * residual / track.since_update
        track.since_update = 0
        size = 0.5 * track.box[2:] + 0.5 * new[2:]  # smoothed size: steadier crops
        track.box = np.concatenate([centre - size / 2, size])
        track.hist = 0.7 * track.hist + 0.3 * hist
        track.score = det.score
        track.roll = eye_roll(det.landmarks)
        track.missed = 0
        track.hits += 1

    def _expire(self) -> None:
        """Drop tracks unseen for more than max_age frames; their IDs go to `removed`."""
        keep = [t for t in self.tracks if t.missed <= self.settings.max_age]
        self.removed = [t.track_id for t in self.tracks if t.missed > self.settings.max_age]
        self.tracks = keep

    def _cost_matrix(self, detections: list[Detection], hists: list[np.ndarray]) -> np.ndarray:
        """(tracks, detections) matching costs; pairs beyond the distance gate are infeasible."""
        s = self.settings
        cost = np.full((len(self.tracks), len(detections)), _INFEASIBLE)
        for r, track in enumerate(self.tracks):
            for c, det in enumerate(detections):
                box = np.array(det.box, float)
                distance = centre_distance(track.box, box)
                if distance > s.gate + s.gate_growth * track.missed:
                    continue
                size = abs(np.log((box[2] * box[3]) / max(track.box[2] * track.box[3], 1.0)))
                appearance = cv2.compareHist(track.hist, hists[c], cv2.HISTCMP_BHATTACHARYYA)
                cost[r, c] = (s.w_iou * (1 - iou(track.box, box)) + s.w_centre * distance + s.w_size * size
                              + s.w_appearance * appearance)
        return cost


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def centre_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between box centres in units of the larger box width."""
    delta = (a[:2] + a[2:] / 2) - (b[:2] + b[2:] / 2)
    return float(np.hypot(*delta) / max(a[2], b[2], 1.0))


def face_histogram(frame: np.ndarray, box: Box) -> np.ndarray:
    """Normalised 16x8 hue-saturation histogram of the box region (grey frames give a flat histogram)."""
    if frame.ndim == 2:
        return np.full((16, 8), 1.0 / 128, np.float32)
    x, y, w, h = (max(int(v), 0) for v in box)
    patch = frame[y:y + max(h, 1), x:x + max(w, 1)]
    hsv = cv2.cvtColor(patch, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return hist / max(float(hist.sum()), 1.0)
