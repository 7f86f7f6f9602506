"""Clip-level labels: which emotion a clip's main person shows, from the tracks of the face pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aegis.analyzer import Analyzer
from aegis.clips.voting import VoteSettings, main_track, track_weights
from aegis.runtime.results import FrameResult


def clip_decision(results: list[FrameResult], classes: tuple[str, ...], settings: VoteSettings | None = None) -> dict:
    """Vote for the main face, then label the clip by the mean of that track's probabilities over the clip.

    This mean-probability rule is the clip classifier until a learned clip model (temporal pyramid,
    LSTM+3D-CNN) is shipped.
    """
    weights = track_weights(results, settings)
    main = main_track(weights)
    decision = {"frames": len(results), "main_track": main, "tracks": weights, "method": "mean-probability",
                "label": None, "probs": None}
    if main is not None:
        probs = np.mean([f.probs for r in results for f in r.faces if f.track_id == main], axis=0)
        decision["label"] = classes[int(np.argmax(probs))]
        decision["probs"] = {c: round(float(p), 4) for c, p in zip(classes, probs, strict=True)}
    return decision


def classify_clip(analyzer: Analyzer, source: str | Path, settings: VoteSettings | None = None) -> dict:
    """`clip_decision` for one video, GIF or image folder."""
    return {"source": str(source), **clip_decision(analyzer.analyze(source), analyzer.model.classes, settings)}
