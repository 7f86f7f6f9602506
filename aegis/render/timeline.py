"""Emotion timelines: per track, each emotion's smoothed probability over time and the shown label as a band."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from aegis.io.files import atomic_path

COLOURS = {"anger": (40, 40, 220), "disgust": (40, 150, 40), "fear": (160, 60, 160), "happiness": (0, 190, 250),
           "sadness": (190, 110, 30), "surprise": (200, 200, 0), "neutral": (140, 140, 140),
           "contempt": (60, 90, 140), "uncertain": (225, 225, 225)}
OTHER_COLOURS = ((120, 60, 200), (0, 120, 200), (200, 80, 120), (80, 160, 160))  # for classes not named above
WIDTH, PLOT_H, BAND_H, LEFT, TOP, GAP = 960, 120, 14, 70, 34, 22


def colour(name: str, classes: tuple[str, ...] = ()) -> tuple[int, int, int]:
    """A class's BGR colour: its own for the known classes, else one of OTHER_COLOURS by its place in `classes`;
    a label outside `classes` (uncertain) is grey."""
    if name in COLOURS:
        return COLOURS[name]
    return OTHER_COLOURS[classes.index(name) % len(OTHER_COLOURS)] if name in classes else COLOURS["uncertain"]


def read_tracks(frames_csv: str | Path) -> tuple[dict[int, dict], tuple[str, ...], float]:
    """Per track id: times (s), probabilities (N, C) and shown labels from an analyze frames.csv; the classes
    and the last time in the file."""
    with open(frames_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        names = reader.fieldnames or []
        start = names.index("confidence") + 1 if "confidence" in names else len(names)
        classes = tuple(names[start:names.index("coasted") if "coasted" in names else len(names)])  # the model's
        tracks: dict[int, dict] = {}
        end = 0.0
        for row in reader:
            end = max(end, float(row["time_s"]))
            if not row["track_id"]:
                continue
            track = tracks.setdefault(int(row["track_id"]), {"times": [], "probs": [], "labels": []})
            track["times"].append(float(row["time_s"]))
            track["probs"].append([float(row[c]) for c in classes])
            track["labels"].append(row["label"])
    return ({k: {"times": np.array(v["times"]), "probs": np.array(v["probs"]), "labels": v["labels"]}
             for k, v in sorted(tracks.items())}, classes, end)


def smooth(probs: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over `window` rows (edges average what they have)."""
    if window <= 1 or len(probs) < 2:
        return probs
    kernel = np.ones(window)
    counts = np.convolve(np.ones(len(probs)), kernel, mode="same")
    return np.stack([np.convolve(probs[:, c], kernel, mode="same") / counts for c in range(probs.shape[1])], 1)


def draw_timeline(frames_csv: str | Path, out: str | Path, fps: float = 25.0, window_s: float = 0.5) -> Path:
    """Write a timeline PNG: one panel per track, a legend on top; a video without faces gets one note."""
    tracks, classes, end = read_tracks(frames_csv)
    end = max(end, 1e-3)
    height = TOP + max(len(tracks), 1) * (PLOT_H + BAND_H + GAP) + 24
    img = np.full((height, WIDTH + LEFT + 20, 3), 255, np.uint8)
    x = LEFT
    for name in (*classes, "uncertain"):
        cv2.rectangle(img, (x, 10), (x + 12, 22), colour(name, classes), -1)
        cv2.putText(img, name, (x + 16, 21), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (40, 40, 40), 1, cv2.LINE_AA)
        x += 30 + 8 * len(name)
    if not tracks:
        cv2.putText(img, "no face found", (LEFT, TOP + 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (80, 80, 80), 1,
                    cv2.LINE_AA)
    for i, (track_id, track) in enumerate(tracks.items()):
        top = TOP + i * (PLOT_H + BAND_H + GAP)
        cv2.rectangle(img, (LEFT, top), (LEFT + WIDTH, top + PLOT_H), (210, 210, 210), 1)
        cv2.putText(img, f"#{track_id}", (8, top + PLOT_H // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 1,
                    cv2.LINE_AA)
        _y_scale(img, top)
        xs = (LEFT + track["times"] / end * WIDTH).astype(np.int32)
        probs = smooth(track["probs"], max(1, int(round(window_s * fps))))
        runs = np.split(np.arange(len(xs)), np.flatnonzero(np.diff(track["times"]) > 1.5 / fps) + 1)  # no line
        for c, name in enumerate(classes):                                                          # over a miss
            ys = (top + PLOT_H - probs[:, c] * PLOT_H).astype(np.int32)
            lines = [np.stack([xs[r], ys[r]], 1) for r in runs]
            cv2.polylines(img, lines, False, colour(name, classes), 2, cv2.LINE_AA)
        frame_w = max(2, int(np.ceil(WIDTH / (end * fps))))
        for k, label in enumerate(track["labels"]):
            right = min(int(xs[k + 1]) if k + 1 < len(xs) else LEFT + WIDTH, int(xs[k]) + frame_w, LEFT + WIDTH)
            cv2.rectangle(img, (int(xs[k]), top + PLOT_H + 3), (max(right - 1, int(xs[k])), top + PLOT_H + BAND_H),
                          colour(label, classes), -1)
    cv2.putText(img, f"0 s - {end:.1f} s", (LEFT, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (80, 80, 80), 1,
                cv2.LINE_AA)
    cv2.putText(img, "probability (smoothed); band: the label shown; gaps: frames without the face",
                (LEFT + 160, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (80, 80, 80), 1, cv2.LINE_AA)
    with atomic_path(out) as tmp:
        cv2.imwrite(str(tmp), img)
    return Path(out)


def _y_scale(img: np.ndarray, top: int) -> None:
    """Probability ticks 0, 0.5 and 1 left of a panel, with faint grid lines across it."""
    for value in (0.0, 0.5, 1.0):
        y = int(top + PLOT_H - value * PLOT_H)
        cv2.line(img, (LEFT - 4, y), (LEFT, y), (120, 120, 120), 1)
        if 0 < value < 1:
            cv2.line(img, (LEFT + 1, y), (LEFT + WIDTH - 1, y), (235, 235, 235), 1)
        cv2.putText(img, f"{value:g}", (LEFT - 30, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (80, 80, 80), 1,
                    cv2.LINE_AA)
