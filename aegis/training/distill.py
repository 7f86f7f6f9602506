"""Teacher soft targets: a run's (or an ensemble's) softened probabilities over a store, as a votes-style CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.evaluation.metrics import softmax
from aegis.io.files import write_csv
from aegis.training.checkpoints import load_run
from aegis.training.loop import pick_device
from aegis.training.scoring import window_logits


def teacher_probs(runs: list[str], data: str, temperature: float = 2.0, flip: bool = True,
                  device: str = "auto") -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """(N, C) mean of the runs' softmax(logits / temperature) over a store's windows, with their mirror images.

    Returns the probabilities, the class names and the store's image stems (one per window).
    """
    if temperature <= 0:
        raise AegisError(f"--temperature must be > 0, got {temperature}")
    store = load_store(data)
    idx = np.arange(len(store))
    dev = pick_device(device)
    total, classes = None, None
    for run in runs:
        model, info, _ = load_run(run)
        model = model.to(dev).eval()
        if classes not in (None, info.classes):
            raise AegisError(f"{run}: classes {info.classes} differ from the other teachers' {classes}")
        classes = info.classes
        views = [store.windows] + ([store.windows[..., ::-1]] if flip else [])
        for windows in views:
            probs = softmax(window_logits(model, windows, idx, info).numpy(), temperature)
            total = probs if total is None else total + probs
    return total / (len(runs) * len(views)), classes, store.videos


def write_targets(path: str | Path, probs: np.ndarray, classes: tuple[str, ...], stems: list[str]) -> Path:
    """Write `file,<class>...` rows, one per image stem (windows of the same image averaged), for --votes."""
    rows: dict[str, list[np.ndarray]] = {}
    for stem, p in zip(stems, probs, strict=True):
        rows.setdefault(stem, []).append(p)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv(path, ["file", *classes],
                     ([stem, *(f"{v:.5f}" for v in np.mean(ps, axis=0))] for stem, ps in rows.items()))
