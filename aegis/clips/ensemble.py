"""Ensembles of clip models: average fusion and the best-selection ensemble."""

from __future__ import annotations

from collections.abc import Mapping

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
