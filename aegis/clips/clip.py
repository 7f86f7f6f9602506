"""Clip-level labels: which emotion a clip's main person shows, from the tracks of the face pipeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from aegis.analyze.analyzer import Analyzer
from aegis.clips.store import face_frames, main_face
from aegis.clips.voting import VoteSettings, main_track, track_weights
from aegis.data.sources import Video
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector
from aegis.runtime.clip import ClipModel
from aegis.runtime.results import FrameResult


@dataclass(frozen=True)
class ClipDecision:
    """The label of a clip's main person: every track's vote, the main track, and the label and probabilities
    (None without a face) of the method that labelled it."""

    source: str
    method: str
    main_track: int | None
    tracks: dict[int, dict]
    label: str | None = None
    probs: dict[str, float] | None = None
    frames: int | None = None
    face_frames: int | None = None

    def to_json(self) -> dict:
        """The decision as `aegis clip --json` writes it (fields not measured left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("label", "probs", "main_track")}


def clip_decision(results: list[FrameResult], classes: tuple[str, ...], settings: VoteSettings | None = None,
                  source: str = "") -> ClipDecision:
    """Vote for the main face, then label the clip by the mean of that track's probabilities over the clip.

    This mean-probability rule labels clips when a frame model is given instead of a clip model.
    """
    weights = track_weights(results, settings)
    main = main_track(weights)
    if main is None:
        return ClipDecision(source, "mean-probability", None, weights, frames=len(results))
    probs = np.mean([f.probs for r in results for f in r.detected if f.track_id == main], axis=0)
    return ClipDecision(source, "mean-probability", main, weights, classes[int(np.argmax(probs))],
                        {c: round(float(p), 4) for c, p in zip(classes, probs, strict=True)}, frames=len(results))


def classify_clip(analyzer: Analyzer, source: str | Path, settings: VoteSettings | None = None) -> ClipDecision:
    """`clip_decision` for one video, GIF or image folder."""
    return clip_decision(analyzer.analyze(source), analyzer.model.classes, settings, str(source))


def classify_clip_learned(clip_model: ClipModel, source: str | Path, settings: VoteSettings | None = None,
                          detector: Detector | None = None) -> ClipDecision:
    """A learned clip model's label: its feature model tracks the clip, the main face's frames make the input."""
    model, context = clip_model.frame_models()
    video = Video(str(source), str(source), "", Path(source))
    face = main_face(video, model, detector or make_detector(), context, settings)
    frames = face_frames(face, model, context)
    decision = ClipDecision(str(source), clip_model.info.name, face.track, face.tracks, face_frames=len(face.crops))
    if frames is None:
        return decision
    probs = clip_model([frames])[0]
    return replace(decision, label=clip_model.classes[int(np.argmax(probs))],
                   probs={c: round(float(p), 4) for c, p in zip(clip_model.classes, probs, strict=True)})
