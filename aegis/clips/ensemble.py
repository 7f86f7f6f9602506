"""Ensembles of clip models: average fusion and the best-selection ensemble."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


def average_fusion(scores: list[np.ndarray]) -> np.ndarray:
    """The mean of several (N, C) score tables."""
    return np.mean(np.stack(scores), axis=0)


def fused_accuracy(scores: Mapping[str, np.ndarray], names: list[str], labels: np.ndarray) -> float:
    """Accuracy of the average fusion of the named models."""
    return float((average_fusion([scores[n] for n in names]).argmax(1) == labels).mean())


def best_selection(scores: Mapping[str, np.ndarray], labels: np.ndarray,
                   max_models: int = 5) -> tuple[list[str], float]:
    """The best-selection ensemble on validation scores.

    Models are sorted by their own validation accuracy. From each starting model, the first unused model
    (in that order) that raises the fused accuracy is added, until `max_models`. The best combination
    wins; between equals, the shortest.

    Returns:
        (model names in the order they were added, fused validation accuracy).
    """
    order = sorted(scores, key=lambda n: (-fused_accuracy(scores, [n], labels), n))
    best: tuple[list[str], float] = ([], -1.0)
    for first in order:
        combo, acc = [first], fused_accuracy(scores, [first], labels)
        improved = True
        while improved and len(combo) < max_models:
            improved = False
            for name in order:
                if name in combo:
                    continue
                trial = fused_accuracy(scores, [*combo, name], labels)
                if trial > acc:
                    combo, acc, improved = [*combo, name], trial, True
                    break
        if acc > best[1] or (acc == best[1] and len(combo) < len(best[0])):
            best = (combo, acc)
    return best


@dataclass(frozen=True)
class EnsembleResult:
    """The fused clip models: the method, the models picked, their fused accuracy, each model's own, the clips
    scored and those left out for a label the models lack."""

    method: str
    models: list[str]
    accuracy: float
    single_accuracy: dict[str, float]
    n: int
    skipped_labels: int

    def to_json(self) -> dict:
        """The result as `aegis ensemble --json` writes it."""
        return asdict(self)


def run_ensemble(runs: list[str], data: str, method: str = "best", max_models: int = 5) -> EnsembleResult:
    """Score a clip store with each run's clip model and fuse them: "average" of all, or "best" selection.

    Clips whose label the models lack (e.g. contempt for 7-class models) are left out and counted.
    """
    from aegis.clips.store import load_clip_store
    from aegis.errors import AegisError
    from aegis.runtime.clip import ClipModel
    from aegis.runtime.onnx import resolve_model_path

    if method not in ("best", "average"):
        raise AegisError(f"method {method!r} is not one of ('best', 'average')")
    store = load_clip_store(data)
    scores, classes, clips = {}, None, store.clips()
    for run in runs:
        path = Path(run) / "model.onnx" if Path(run).is_dir() else resolve_model_path(run)
        model = ClipModel(path)
        if classes is not None and model.classes != classes:
            raise AegisError(f"{run} has classes {model.classes}, unlike the other runs' {classes}")
        classes = model.classes
        scores[str(run)] = model(clips)
    lookup = {c: i for i, c in enumerate(classes)}
    labels = np.array([lookup.get(r["label"], -1) for r in store.rows])
    known = labels >= 0
    scores, labels = {name: s[known] for name, s in scores.items()}, labels[known]
    singles = {name: fused_accuracy(scores, [name], labels) for name in scores}
    if method == "average":
        picked, acc = list(scores), fused_accuracy(scores, list(scores), labels)
    else:
        picked, acc = best_selection(scores, labels, max_models)
    return EnsembleResult(method, picked, acc, singles, len(labels), int((~known).sum()))
