"""Evaluation through the whole pipeline on videos: raw CK+ sequences and labelled clips (frame models)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from aegis.clips.clip import clip_decision
from aegis.data.sources import read_frames, scan_source
from aegis.errors import AegisError
from aegis.evaluation.report import EvaluationReport
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector
from aegis.progress import progress
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings


def evaluate_ckplus(model: OnnxModel, root: str | Path, detector: Detector | None = None) -> EvaluationReport:
    """Full-pipeline check on raw CK+ sequences: detection, crop and window over each sequence's last t frames.

    Each sequence gets one prediction, from the window ending at its last (peak, labelled) frame, for the
    largest face there. A sequence whose last frame shows no face counts as wrong and in `no_face`.
    """
    sequences, scan = scan_source("ckplus", root, contempt="contempt" in model.classes)
    if not sequences:
        raise AegisError(f"no labelled CK+ sequences under {root}")
    lookup = {c: i for i, c in enumerate(model.classes)}
    detector = detector or make_detector()
    y_true, y_pred, no_face, unreadable = [], [], [], []
    for seq in progress(sequences, desc="ckplus"):
        pipeline = FacePipeline(model, detector, StreamSettings(smoothing=0.0, threshold=0.0))
        result = None
        for frame in read_frames(replace(seq, frames=seq.frames[-model.info.frames:])):
            if frame is None:
                unreadable.append(f"{seq.video_id}: an unreadable frame")
                continue
            result = pipeline.process(frame)
        if result is None or not result.detected:
            no_face.append(seq.video_id)
            continue
        face = max(result.detected, key=lambda f: f.box[2] * f.box[3])
        y_true.append(lookup[seq.label])
        y_pred.append(int(np.argmax(face.probs)))
    return EvaluationReport.scored(y_true, y_pred, model.classes,
                                   sequence_accuracy=_share(y_true, y_pred, len(sequences)), sequences=len(sequences),
                                   no_face=len(no_face), no_face_sequences=no_face, skipped=scan.skipped,
                                   skipped_labels=dict(scan.unknown_labels), unreadable=unreadable)


def evaluate_clips(model: OnnxModel, kind: str, root: str | Path, detector: Detector | None = None) -> EvaluationReport:
    """Clip-level metrics over labelled videos: main-face voting, then the clip label (`clip_decision`)."""
    videos, scan = scan_source(kind, root, contempt="contempt" in model.classes)
    if not videos:
        raise AegisError(f"no labelled videos in {kind}={root}")
    lookup = {c: i for i, c in enumerate(model.classes)}
    detector = detector or make_detector()
    y_true, y_pred, no_face, unreadable = [], [], [], []
    for video in progress(videos, desc=kind):
        pipeline = FacePipeline(model, detector)
        try:
            results = [pipeline.process(frame) for frame in read_frames(video) if frame is not None]
        except AegisError as exc:
            unreadable.append(f"{video.video_id}: {exc}")
            continue
        label = clip_decision(results, model.classes).label if results else None
        if label is None:
            no_face.append(video.video_id)
            continue
        y_true.append(lookup[video.label])
        y_pred.append(lookup[label])
    return EvaluationReport.scored(y_true, y_pred, model.classes, clip_accuracy=_share(y_true, y_pred, len(videos)),
                                   clips=len(videos), no_face=len(no_face), no_face_clips=no_face,
                                   unreadable=unreadable, skipped=scan.skipped,
                                   skipped_labels=dict(scan.unknown_labels),
                                   method="main-face voting + mean probability")


def _share(y_true: list[int], y_pred: list[int], total: int) -> float:
    """The accuracy over all `total` items, those without a prediction counted wrong."""
    return sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / total if total else 0.0
