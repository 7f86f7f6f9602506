"""Evaluation plots as PNG files: the confusion matrix, the reliability diagram and a run's training curves."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from aegis.errors import AegisError
from aegis.evaluation.report import EvaluationReport


def plot_confusion(report: EvaluationReport, path: str | Path, cell: int = 70) -> Path:
    """Row-normalised confusion matrix as a PNG heat map with counts and percentages (true rows, predicted columns)."""
    classes, matrix = report.classes, np.array(report.confusion, float)
    rows = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    n, margin = len(classes), 110
    img = np.full((margin + n * cell + 30, margin + n * cell + 10, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(n):
        for j in range(n):
            shade = int(255 * (1 - rows[i, j]))
            x, y = margin + j * cell, margin + i * cell
            cv2.rectangle(img, (x, y), (x + cell, y + cell), (255, shade, shade), -1)
            ink = (255, 255, 255) if rows[i, j] > 0.5 else (0, 0, 0)
            cv2.putText(img, f"{rows[i, j]:.0%}", (x + 8, y + cell // 2), font, 0.45, ink, 1, cv2.LINE_AA)
            cv2.putText(img, f"{int(matrix[i, j])}", (x + 8, y + cell // 2 + 18), font, 0.35, ink, 1, cv2.LINE_AA)
        cv2.putText(img, classes[i][:9], (4, margin + i * cell + cell // 2), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(img, classes[i][:9], (margin + i * cell + 2, margin - 10), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "true \\ predicted", (4, 30), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"accuracy {report.accuracy:.1%}  UAR {report.uar:.1%}  n={report.n}",
                (margin, img.shape[0] - 10), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
    return path


def plot_reliability(report: EvaluationReport, path: str | Path, size: int = 420) -> Path:
    """Reliability diagram as a PNG: accuracy against confidence per bin (bars), the diagonal, the ECE, both axes
    with ticks, and a strip under the plot whose grey level is each bin's share of the images."""
    bins = report.calibration["bins"]
    margin, plot = 50, size - 80
    img = np.full((size + 40, size, 3), 255, np.uint8)
    x0, y0 = margin, margin + plot  # origin at the bottom left
    cv2.rectangle(img, (x0, margin), (x0 + plot, y0), (180, 180, 180), 1)
    total = max(sum(b["n"] for b in bins), 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for b in bins:
        left, right = x0 + int(b["lo"] * plot), x0 + int(b["hi"] * plot)
        shade = int(235 - 200 * b["n"] / max(max(c["n"] for c in bins), 1))
        cv2.rectangle(img, (left, y0 + 22), (right - 1, y0 + 32), (shade, shade, shade), -1)
        if b["n"]:
            cv2.rectangle(img, (left + 1, y0 - int(b["accuracy"] * plot)), (right - 1, y0), (200, 120, 40), -1)
            cv2.rectangle(img, (left + 1, y0 - int(b["confidence"] * plot)), (right - 1, y0), (40, 40, 220), 1)
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x, y = x0 + int(tick * plot), y0 - int(tick * plot)
        cv2.line(img, (x, y0), (x, y0 + 4), (0, 0, 0), 1)
        cv2.putText(img, f"{tick:.1f}", (x - 10, y0 + 17), font, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.line(img, (x0 - 4, y), (x0, y), (0, 0, 0), 1)
        cv2.putText(img, f"{tick:.1f}", (x0 - 30, y + 4), font, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.line(img, (x0, y0), (x0 + plot, margin), (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"reliability  ECE {report.calibration['ece']:.3f}  n={total}", (x0, 30), font, 0.5,
                (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "x: confidence; blue bars: accuracy, red: mean confidence", (8, size + 12), font, 0.38,
                (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "strip under the axis: images per bin (darker: more)", (8, size + 30), font, 0.38, (0, 0, 0), 1,
                cv2.LINE_AA)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
    return path


def plot_curves(log_path: str | Path, path: str | Path, size: tuple[int, int] = (640, 360)) -> Path:
    """Training curves from a run's log.csv: train and validation accuracy (solid) and loss (dashed) per epoch."""
    with Path(log_path).open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise AegisError(f"{log_path} holds no epochs")
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    left, top, right, bottom = 50, 30, w - 20, h - 40
    cv2.rectangle(img, (left, top), (right, bottom), (180, 180, 180), 1)
    epochs = [int(r["epoch"]) for r in rows]
    max_loss = max(max(float(r["train_loss"]), float(r["val_loss"])) for r in rows) or 1.0
    series = (("train_acc", 1.0, (200, 90, 30), False), ("val_acc", 1.0, (40, 40, 220), False),
              ("train_loss", max_loss, (200, 90, 30), True), ("val_loss", max_loss, (40, 40, 220), True))
    span = max(epochs[-1] - epochs[0], 1)
    for key, scale, colour, dashed in series:
        pts = [(int(left + (e - epochs[0]) / span * (right - left)),
                int(bottom - float(r[key]) / scale * (bottom - top))) for e, r in zip(epochs, rows, strict=True)]
        for i, (a, b) in enumerate(zip(pts[:-1], pts[1:], strict=True)):
            if not dashed or i % 2 == 0:
                cv2.line(img, a, b, colour, 2, cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, "accuracy (solid, 0-1) and loss (dashed, 0-max); blue train, red validation", (left, 20), font,
                0.4, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"epoch {epochs[0]}..{epochs[-1]}", (left, h - 15), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
    return path
