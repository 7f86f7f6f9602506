"""Analysis outputs (frames.csv, summary.json, annotated.mp4), written under temporary names and renamed at the end."""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from aegis.io.files import partial_name, write_text
from aegis.render.video import VideoWriter, open_video_writer
from aegis.runtime.results import FrameResult

CSV_BASE = ("frame", "time_s", "track_id", "x", "y", "w", "h", "face_score", "label", "confidence")


@dataclass
class TrackSummary:
    """Running totals of one track over an analysis."""

    frames: int = 0
    coasted: int = 0
    first_frame: int = -1
    last_frame: int = -1
    prob_sum: np.ndarray | None = None
    labels: Counter = field(default_factory=Counter)


@dataclass
class AnalysisWriter:
    """Streams results to DIR/frames.csv and DIR/annotated.mp4, and writes DIR/summary.json on `commit`.

    Until `commit`, files carry a ".partial" name; `abort` deletes them, so an interrupted run leaves
    nothing that looks complete.
    """

    out: Path
    classes: tuple[str, ...]
    fps: float
    video: bool = True
    tracks: dict[int, TrackSummary] = field(default_factory=dict)
    frames: int = 0

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        for name in ("frames.csv", "summary.json", "annotated.mp4"):
            (self.out / name).unlink(missing_ok=True)
        self._csv_path = partial_name(self.out / "frames.csv")
        self._video_path = partial_name(self.out / "annotated.mp4")
        self._csv_file = self._csv_path.open("w", newline="")
        self._csv = csv.writer(self._csv_file)
        self.columns = (*CSV_BASE, *self.classes, "coasted")  # the model's classes, in its output order
        self._csv.writerow(self.columns)
        self._writer: VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._codec: str | None = None

    def add(self, result: FrameResult, annotated: np.ndarray | None = None) -> None:
        """Record one frame: a CSV row per face (one empty row if none) and the annotated frame."""
        self.frames += 1
        base = (result.index, f"{result.time_s:.3f}")
        if not result.faces:
            self._csv.writerow((*base, *[""] * (len(self.columns) - 2)))
        for face in result.faces:
            self._csv.writerow((*base, face.track_id, *face.box, f"{face.score:.3f}", face.label,
                                f"{face.confidence:.4f}", *(f"{p:.4f}" for p in face.probs),
                                int(face.coasted)))
            track = self.tracks.setdefault(face.track_id, TrackSummary(first_frame=result.index))
            track.frames += 1
            track.coasted += face.coasted
            track.last_frame = result.index
            track.prob_sum = face.probs.astype(np.float64) + (0 if track.prob_sum is None else track.prob_sum)
            track.labels[face.label] += 1
        if self.video and annotated is not None:
            if self._writer is None:
                self._size = annotated.shape[1], annotated.shape[0]
                self._writer = open_video_writer(self._video_path, self.fps, self._size)
            if (annotated.shape[1], annotated.shape[0]) != self._size:  # image folders may mix sizes
                annotated = cv2.resize(annotated, self._size, interpolation=cv2.INTER_AREA)
            self._writer.write(annotated)

    def commit(self, summary: dict) -> dict:
        """Close the files, rename them to their final names and write summary.json; returns the summary."""
        self._close()
        os.replace(self._csv_path, self.out / "frames.csv")
        if self._video_path.exists():
            os.replace(self._video_path, self.out / "annotated.mp4")
        video = {"video_codec": self._codec} if self._codec else {}
        summary = {**summary, **video, "frames": self.frames, "tracks": self.track_summaries()}
        write_text(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        return summary

    def abort(self) -> None:
        """Close and delete the partial files."""
        self._close()
        self._csv_path.unlink(missing_ok=True)
        self._video_path.unlink(missing_ok=True)

    def track_summaries(self) -> list[dict]:
        """Per-track frames (of them coasted), first and last frame, dominant class, mean probabilities and each
        shown label's share of the track's frames (`uncertain` included)."""
        rows = []
        for track_id, t in sorted(self.tracks.items()):
            mean = t.prob_sum / t.frames
            rows.append({"track_id": track_id, "frames": t.frames, "coasted_frames": t.coasted,
                         "first_frame": t.first_frame,
                         "last_frame": t.last_frame, "dominant": self.classes[int(np.argmax(mean))],
                         "mean_probs": {c: round(float(p), 4) for c, p in zip(self.classes, mean, strict=True)},
                         "label_shares": {k: round(v / t.frames, 4) for k, v in sorted(t.labels.items())}})
        return rows

    def _close(self) -> None:
        if not self._csv_file.closed:
            self._csv_file.close()
        if self._writer is not None:
            self._codec = self._writer.codec
            self._writer.close()
            self._writer = None
