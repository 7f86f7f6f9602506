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


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of logits / temperature over the last axis."""
    z = np.asarray(logits, np.float64) / temperature
    z = np.exp(z - z.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def reliability(probs: np.ndarray, labels: Sequence[int], bins: int = 15) -> dict:
    """Expected calibration error and the reliability table (confidence bins of equal width).

    Returns:
        {"ece": float, "bins": [{"lo", "hi", "n", "confidence", "accuracy"}, ...]} over the top-1 predictions.
    """
    probs, labels = np.asarray(probs, np.float64), np.asarray(labels)
    confidence, correct = probs.max(1), probs.argmax(1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > lo) & (confidence <= hi) if lo > 0 else (confidence <= hi)
        n = int(inside.sum())
        conf = float(confidence[inside].mean()) if n else 0.0
        acc = float(correct[inside].mean()) if n else 0.0
        ece += n / max(len(labels), 1) * abs(acc - conf)
        rows.append({"lo": float(lo), "hi": float(hi), "n": n, "confidence": conf, "accuracy": acc})
    return {"ece": float(ece), "bins": rows}


def fit_temperature(logits: np.ndarray, labels: Sequence[int]) -> float:
    """The temperature T > 0 that minimises the negative log-likelihood of softmax(logits / T) (golden section).

    Args:
        logits: (N, C), or (V, N, C) for V views of each item (e.g. a crop and its mirror) whose
            probabilities are averaged, as test-time augmentation does.
        labels: (N,) class indices.
    """
    logits, labels = np.asarray(logits, np.float64), np.asarray(labels)
    views = logits[None] if logits.ndim == 2 else logits

    def nll(log_t: float) -> float:
        probs = softmax(views, np.exp(log_t)).mean(0)
        return float(-np.log(probs[np.arange(len(labels)), labels] + 1e-12).mean())

    lo, hi = np.log(0.05), np.log(20.0)
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))
