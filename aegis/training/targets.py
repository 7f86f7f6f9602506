"""Training targets: class indices, one-hot labels mixed with FER+-style votes, and the labels runs are scored by."""

from __future__ import annotations

import numpy as np

from aegis.data.store import WindowStore
from aegis.data.votes import load_votes
from aegis.errors import AegisError


def label_array(store: WindowStore, classes: tuple[str, ...]) -> np.ndarray:
    """Class indices of a store's windows; a label outside `classes` raises AegisError."""
    lookup = {c: i for i, c in enumerate(classes)}
    missing = sorted(set(store.labels) - set(lookup))
    if missing:
        raise AegisError(f"labels {missing} are not among the classes {classes} (contempt needs --contempt)")
    return np.array([lookup[label] for label in store.labels], dtype=np.int64)


def soft_targets(store: WindowStore, labels: np.ndarray, classes: tuple[str, ...], votes: str | None,
                 vote_weight: float, require_match: bool = True) -> tuple[np.ndarray, int]:
    """(N, C) targets: one-hot labels mixed with the image's vote shares where it has votes; (targets, voted).
    With `require_match`, votes that match no image of the store are an error."""
    targets = np.eye(len(classes), dtype=np.float32)[labels]
    if not votes:
        return targets, 0
    table = load_votes(votes)
    voted = 0
    for i, stem in enumerate(store.videos):
        shares = table.soft_target(stem, classes)
        if shares is not None:
            targets[i] = (1 - vote_weight) * targets[i] + vote_weight * shares
            voted += 1
    if not voted and require_match:
        raise AegisError(f"--votes {votes}: no row matches an image of the store (rows are matched by file stem)")
    return targets, voted


def scoring_labels(store: WindowStore, classes: tuple[str, ...], votes: str | None, vote_weight: float
                   ) -> np.ndarray:
    """The class each window's training target puts first, which validation and calibration score against: its
    own label, unless the votes give another class strictly more (a FER+-trained run is judged by FER+)."""
    labels = label_array(store, classes)
    targets, _ = soft_targets(store, labels, classes, votes, vote_weight, require_match=False)
    rows = np.arange(len(labels))
    top = targets.argmax(1)
    return np.where(targets[rows, top] > targets[rows, labels], top, labels)
