"""Train/val/test splits: by subject (no subject on two sides) or by window (the paper's leaky split)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLITS = ("subject", "random")


def split_indices(subjects: Sequence[str], mode: str = "subject", seed: int = 0,
                  fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)) -> tuple[np.ndarray, ...]:
    """Split window indices into train, val and test.

    Args:
        subjects: the subject of each window.
        mode: "subject" puts all windows of a subject on one side; "random" shuffles windows (leaks
            overlapping windows of one video across sides, as the TimeConvNets paper did).
        seed: shuffling seed.
        fractions: train, val and test shares of subjects (or windows).

    Returns:
        (train, val, test) index arrays.
    """
    if mode not in SPLITS:
        raise ValueError(f"split {mode!r} is not one of {SPLITS}")
    rng = np.random.default_rng(seed)
    n = len(subjects)
    if mode == "random":
        order = rng.permutation(n)
        cut1, cut2 = int(round(fractions[0] * n)), int(round((fractions[0] + fractions[1]) * n))
        return np.sort(order[:cut1]), np.sort(order[cut1:cut2]), np.sort(order[cut2:])
    names = np.array(sorted(set(subjects)))
    rng.shuffle(names)
    cut1 = int(round(fractions[0] * len(names)))
    cut2 = int(round((fractions[0] + fractions[1]) * len(names)))
    side = {s: 0 for s in names[:cut1]} | {s: 1 for s in names[cut1:cut2]} | {s: 2 for s in names[cut2:]}
    which = np.array([side[s] for s in subjects])
    return tuple(np.flatnonzero(which == k) for k in range(3))


def kfold_indices(subjects: Sequence[str], folds: int, fold: int, seed: int = 0,
                  val_fraction: float = 0.1) -> tuple[np.ndarray, ...]:
    """Subject-independent k-fold: fold `fold` of `folds` is the test set; a share of the other subjects is val.

    Returns:
        (train, val, test) index arrays; no subject is on two sides.
    """
    if not 0 <= fold < folds or folds < 2:
        raise ValueError(f"need 0 <= fold < folds and folds >= 2, got fold {fold} of {folds}")
    rng = np.random.default_rng(seed)
    names = np.array(sorted(set(subjects)))
    if len(names) < folds:
        raise ValueError(f"{folds} folds need at least {folds} subjects, got {len(names)}")
    rng.shuffle(names)
    test = set(np.array_split(names, folds)[fold])
    rest = [s for s in names if s not in test]
    val = set(rest[: max(1, int(round(val_fraction * len(rest))))])
    which = np.array([2 if s in test else 1 if s in val else 0 for s in subjects])
    return tuple(np.flatnonzero(which == k) for k in range(3))
