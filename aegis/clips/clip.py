"""Clip-level labels: which emotion a clip's main person shows, from the tracks of the face pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aegis.analyzer import Analyzer
from aegis.clips.store import face_frames, main_face
from aegis.clips.voting import VoteSettings, main_track, track_weights
from aegis.data.sources import Video
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector
from aegis.runtime.clip import ClipModel
from aegis.runtime.results import FrameResult


def clip_decision(results: list[FrameResult], classes: tuple[str, ...], settings: VoteSettings | None = None) -> dict:
    """Vote for the main face, then label the clip by the mean of that track's probabilities over the clip.

    This mean-probability rule labels clips when a frame model is given instead of a clip model.
    """
    weights = track_weights(results, settings)
    main = main_track(weights)
    decision = {"frames": len(results), "main_track": main, "tracks": weights, "method": "mean-probability",
                "label": None, "probs": None}
    if main is not None:
        probs = np.mean([f.probs for r in results for f in r.detected if f.track_id == main], axis=0)
        decision["label"] = classes[int(np.argmax(probs))]
        decision["probs"] = {c: round(float(p), 4) for c, p in zip(classes, probs, strict=True)}
    return decision


def classify_clip(analyzer: Analyzer, source: str | Path, settings: VoteSettings | None = None) -> dict:
    """`clip_decision` for one video, GIF or image folder."""
    return {"source": str(source), **clip_decision(analyzer.analyze(source), analyzer.model.classes, settings)}


def classify_clip_learned(clip_model: ClipModel, source: str | Path, settings: VoteSettings | None = None,
                          detector: Detector | None = None) -> dict:
    """A learned clip model's label: its feature model tracks the clip, the main face's frames make the input."""
    model, context = clip_model.frame_models()
    video = Video(str(source), str(source), "", Path(source))
    face = main_face(video, model, detector or make_detector(), context, settings)
    frames = face_frames(face, model, context)
    report = {"source": str(source), "method": clip_model.info.name, "main_track": face.track,
              "tracks": face.tracks, "face_frames": len(face.crops), "label": None, "probs": None}
    if frames is not None:
        probs = clip_model([frames])[0]
        report["label"] = clip_model.classes[int(np.argmax(probs))]
        report["probs"] = {c: round(float(p), 4) for c, p in zip(clip_model.classes, probs, strict=True)}
    return report
