"""Classification metrics: accuracy, weighted F1, UAR, mean ± std of per-class accuracy, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], num_classes: int) -> np.ndarray:
    """(num_classes, num_classes) counts; rows are true classes, columns predictions."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return matrix


def classification_report(confusion: np.ndarray, classes: Sequence[str]) -> dict:
    """Metrics from a confusion matrix, with the JSON keys the evaluation reports use.

    Per-class accuracy is the class's recall (the in-the-wild paper's MeanAcc ± Std); classes with no
    samples are left out of the UAR and the mean and std.
    """
    confusion = np.asarray(confusion)
    support = confusion.sum(1)
    predicted = confusion.sum(0)
    hits = np.diag(confusion)
    n = int(confusion.sum())
    recall = np.divide(hits, support, out=np.zeros(len(hits)), where=support > 0)
    precision = np.divide(hits, predicted, out=np.zeros(len(hits)), where=predicted > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(len(hits)), where=denom > 0)
    present = support > 0
    return {
        "accuracy": float(hits.sum() / n) if n else 0.0,
        "weighted_f1": float((f1 * support).sum() / n) if n else 0.0,
        "uar": float(recall[present].mean()) if present.any() else 0.0,
        "mean_class_acc": float(recall[present].mean()) if present.any() else 0.0,
        "std_class_acc": float(recall[present].std()) if present.any() else 0.0,
        "per_class": {c: {"precision": float(p), "recall": float(r), "f1": float(f), "n": int(s)}
                      for c, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)},
        "confusion": confusion.tolist(),
        "classes": list(classes),
        "n": n,
    }
