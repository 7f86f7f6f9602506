"""Main-face voting over a clip's tracks: frequency, face size and detection score, weighted by priorities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aegis.faces.crop import PERSON_DOWN, PERSON_OUT, Box, clip_box, person_box
from aegis.runtime.results import FrameResult


@dataclass(frozen=True)
class VoteSettings:
    """Priority constants of the vote and the shape of the person region.

    A track's weight is c_freq * frequency + c_size * size + c_prob * score, where frequency is the share
    of the clip's frames the track is in, size is its mean face side relative to the frame's shorter side,
    and score is its mean detection score. `person_down` and `person_out` extend the main face box into a
    person region: that many face heights below the face, that many face widths to each side.
    """

    c_freq: float = 1.0
    c_size: float = 1.0
    c_prob: float = 0.5
    person_down: float = PERSON_DOWN
    person_out: float = PERSON_OUT


def track_weights(results: list[FrameResult], settings: VoteSettings | None = None) -> dict[int, dict]:
    """Per track: frequency, relative size, mean score and the combined weight."""
    s = settings or VoteSettings()
    frames: dict[int, int] = {}
    areas: dict[int, list[float]] = {}
    scores: dict[int, list[float]] = {}
    for result in results:
        for face in result.detected:
            frames[face.track_id] = frames.get(face.track_id, 0) + 1
            areas.setdefault(face.track_id, []).append(face.box[2] * face.box[3])
            scores.setdefault(face.track_id, []).append(face.score)
    if not frames:
        return {}
    side = min(results[0].frame_size) or 1
    out = {}
    for track_id, n in frames.items():
        freq, prob = n / len(results), float(np.mean(scores[track_id]))
        size = float(np.sqrt(np.mean(areas[track_id])) / side)
        out[track_id] = {"frequency": round(freq, 4), "size": round(size, 4), "score": round(prob, 4),
                         "weight": round(s.c_freq * freq + s.c_size * size + s.c_prob * prob, 4)}
    return out


def main_track(weights: dict[int, dict]) -> int | None:
    """The track with the highest weight (the lowest ID on a tie), or None for a clip without faces."""
    return min(weights, key=lambda t: (-weights[t]["weight"], t)) if weights else None


def person_region(face: Box, frame_shape: tuple[int, ...], settings: VoteSettings | None = None) -> Box:
    """The face box extended down and out to the person, clipped to the frame."""
    s = settings or VoteSettings()
    return clip_box(person_box(face, s.person_down, s.person_out), frame_shape)
