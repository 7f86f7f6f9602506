"""Evaluation on stores: a frame model on a window store, a clip model on a clip store or on labelled videos."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from aegis.clips.store import ClipStore, video_clip_frames
from aegis.data.sources import scan_source
from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.evaluation.metrics import reliability
from aegis.evaluation.report import EvaluationReport
from aegis.faces.base import Detector
from aegis.faces.registry import DEFAULT_DETECTOR
from aegis.progress import progress
from aegis.runtime.clip import ClipModel
from aegis.runtime.onnx import OnnxModel

VIDEO_KINDS = ("videos", "afew", "enterface", "baum1", "kdefdyn", "isafe")


def evaluate_store(model: OnnxModel, path: str | Path, batch: int = 256) -> EvaluationReport:
    """Metrics of the model over every window of a store; labels outside the model's classes are counted apart."""
    store = load_store(path)
    lookup = {c: i for i, c in enumerate(model.classes)}
    keep = np.array([label in lookup for label in store.labels])
    idx = np.flatnonzero(keep)
    probs = []
    for start in progress(range(0, len(idx), batch), len(idx), "evaluate", size=lambda s: min(batch, len(idx) - s)):
        windows = np.asarray(store.windows[idx[start:start + batch]])
        probs.append(model(fit_length(windows, model.info.frames)))
    y_true = [lookup[store.labels[i]] for i in idx]
    probs = np.concatenate(probs) if probs else np.empty((0, len(lookup)))
    return EvaluationReport.scored(y_true, list(probs.argmax(1)), model.classes, calibration=reliability(probs, y_true),
                                   skipped_labels=count(np.array(store.labels)[~keep]))


def evaluate_clip_store(model: ClipModel, store: ClipStore) -> EvaluationReport:
    """Metrics of a clip model (clip-pyramid, clip-lstm3d) over a clip store; labels it lacks are counted apart."""
    lookup = {c: i for i, c in enumerate(model.classes)}
    keep = [i for i, r in enumerate(store.rows) if r["label"] in lookup]
    preds = model([store.clip(i) for i in keep]).argmax(1) if keep else []
    skipped = count(np.array([r["label"] for r in store.rows if r["label"] not in lookup]))
    return EvaluationReport.scored([lookup[store.rows[i]["label"]] for i in keep], list(preds), model.classes,
                                   skipped_labels=skipped, model={"path": str(model.path), "name": model.info.name})


def evaluate_clip_source(model: ClipModel, source: str, workers: int = 1,
                         detector: Detector | str = DEFAULT_DETECTOR) -> EvaluationReport:
    """A clip model over a labelled video dataset (KIND=PATH): each clip's main face tracked by the live pipeline,
    its per-frame features built in memory, then the metrics. Clips without a face count as wrong in the clip
    accuracy."""
    kind, _, path = source.partition("=")
    if kind not in VIDEO_KINDS:
        raise AegisError(f"a clip model reads videos: --source KIND=PATH with KIND in {VIDEO_KINDS}, got {source!r}")
    videos, scan = scan_source(kind, path)
    if not videos:
        unknown = f"; unknown labels {dict(scan.unknown_labels)}" if scan.unknown_labels else ""
        raise AegisError(f"no labelled videos in {source}{unknown}")
    frame_model, context_model = model.frame_models()
    features = video_clip_frames(videos, frame_model, detector, context_model, workers)
    lookup = {c: i for i, c in enumerate(model.classes)}
    found = [(v, f) for v, (f, _) in zip(videos, features, strict=True) if f is not None]
    scored = [(v, f) for v, f in found if v.label in lookup]
    preds = model([f for _, f in scored]).argmax(1) if scored else []
    y_true = [lookup[v.label] for v, _ in scored]
    missed = [f"{v.video_id}: {reason}" for v, (f, reason) in zip(videos, features, strict=True) if f is None]
    no_face = [m for m in missed if m.endswith(": no face")]
    unreadable = [m for m in missed if not m.endswith(": no face")]
    skipped_labels = Counter(scan.unknown_labels) + Counter(v.label for v, _ in found if v.label not in lookup)
    clips = len(scored) + len(missed)
    hits = sum(int(t == p) for t, p in zip(y_true, preds, strict=True))
    return EvaluationReport.scored(
        y_true, list(preds), model.classes, clip_accuracy=hits / clips if clips else 0.0, clips=clips,
        no_face=len(no_face), no_face_clips=no_face, unreadable=unreadable, skipped=scan.skipped,
        skipped_labels=dict(skipped_labels), method=f"main-face voting + {model.info.name}",
        model={"path": str(model.path), "name": model.info.name})


def fit_length(windows: np.ndarray, frames: int) -> np.ndarray:
    """Windows with at least `frames` frames: shorter ones repeat their oldest frame in front."""
    missing = frames - windows.shape[1]
    return windows if missing <= 0 else np.concatenate([windows[:, :1]] * missing + [windows], axis=1)


def count(labels: np.ndarray) -> dict:
    """Occurrences of each label."""
    values, counts = np.unique(labels, return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts, strict=True)}
