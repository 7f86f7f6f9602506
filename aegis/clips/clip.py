"""`aegis clip`: which emotion a clip's main person shows, from the tracks of the face pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aegis.analyzer import Analyzer
from aegis.clips.voting import VoteSettings, main_track, track_weights


def classify_clip(analyzer: Analyzer, source: str | Path, settings: VoteSettings | None = None) -> dict:
    """Vote for the main face, then label the clip by the mean of that track's probabilities over the clip.

    This mean-probability rule is the clip classifier until a learned clip model (temporal pyramid,
    LSTM+3D-CNN) is shipped.
    """
    results = analyzer.analyze(source)
    weights = track_weights(results, settings)
    main = main_track(weights)
    report = {"source": str(source), "frames": len(results), "main_track": main, "tracks": weights,
              "method": "mean-probability", "label": None, "probs": None}
    if main is not None:
        probs = np.mean([f.probs for r in results for f in r.faces if f.track_id == main], axis=0)
        report["label"] = analyzer.model.classes[int(np.argmax(probs))]
        report["probs"] = {c: round(float(p), 4) for c, p in zip(analyzer.model.classes, probs, strict=True)}
    return report
