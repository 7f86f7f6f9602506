"""Evaluate an ONNX model on a window store or a folder of labelled face images (no torch needed)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from aegis.clips.clip import clip_decision
from aegis.clips.store import ClipStore, build_clip_store, load_clip_store
from aegis.data.images import as_frame, scan_stills
from aegis.data.sources import read_frames, scan_source
from aegis.data.store import load_store
from aegis.data.votes import Votes, load_votes
from aegis.errors import AegisError
from aegis.faces.base import Detector
from aegis.faces.crop import crop_face, eye_roll
from aegis.faces.registry import DEFAULT_DETECTOR, make_detector
from aegis.metrics import classification_report, confusion_matrix, reliability
from aegis.progress import progress
from aegis.runtime.clip import ClipModel
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings

VIDEO_KINDS = ("videos", "afew", "enterface", "baum1", "kdefdyn", "isafe")
SOURCE_KINDS = ("images", "fer2013", "scenes", "ckplus", *VIDEO_KINDS)
CANVAS_FACE = 192  # --through-detector: the side a crop is scaled to in its 480 px frame (a 48 px crop 4x)


def evaluate_clip_store(model: ClipModel, store: ClipStore) -> dict:
    """Metrics of a clip model (clip-pyramid, clip-lstm3d) over a clip store; labels it lacks are counted apart."""
    lookup = {c: i for i, c in enumerate(model.classes)}
    keep = [i for i, r in enumerate(store.rows) if r["label"] in lookup]
    preds = model([store.clip(i) for i in keep]).argmax(1) if keep else []
    report = classification_report(confusion_matrix([lookup[store.rows[i]["label"]] for i in keep], preds,
                                                     len(lookup)), model.classes)
    skipped = _count(np.array([r["label"] for r in store.rows if r["label"] not in lookup]))
    return {**report, "skipped_labels": skipped, "model": {"path": str(model.path), "name": model.info.name}}


def evaluate_clip_source(model: ClipModel, source: str, workers: int = 1,
                         detector: Detector | str = DEFAULT_DETECTOR) -> dict:
    """A clip model over a labelled video dataset (KIND=PATH): the main face's per-frame features, built in a
    temporary clip store that is deleted afterwards, then the metrics. Clips without a face count as wrong in
    the clip accuracy."""
    kind = source.partition("=")[0]
    if kind not in VIDEO_KINDS:
        raise AegisError(f"a clip model reads videos: --source KIND=PATH with KIND in {VIDEO_KINDS}, got {source!r}")
    frame_model, context_model = model.frame_models()
    with tempfile.TemporaryDirectory(prefix="aegis-clips-") as tmp:
        store = load_clip_store(build_clip_store([source], tmp, frame_model, detector, context_model=context_model,
                                                 workers=workers))
    report, meta = evaluate_clip_store(model, store), store.meta
    clips = report["n"] + len(meta["no_face"]) + len(meta["unreadable"])
    return {**report, "clip_accuracy": float(np.trace(report["confusion"])) / clips, "clips": clips,
            "no_face": len(meta["no_face"]), "no_face_clips": meta["no_face"], "unreadable": meta["unreadable"],
            "skipped": meta["skipped_files"], "method": f"main-face voting + {model.info.name}"}


def evaluate_store(model: OnnxModel, path: str | Path, batch: int = 256) -> dict:
    """Metrics of the model over every window of a store; labels outside the model's classes are counted apart."""
    store = load_store(path)
    lookup = {c: i for i, c in enumerate(model.classes)}
    keep = np.array([label in lookup for label in store.labels])
    idx = np.flatnonzero(keep)
    probs = []
    for start in progress(range(0, len(idx), batch), len(idx), "evaluate", size=lambda s: min(batch, len(idx) - s)):
        windows = np.asarray(store.windows[idx[start:start + batch]])
        probs.append(model(_fit_length(windows, model.info.frames)))
    y_true = [lookup[store.labels[i]] for i in idx]
    probs = np.concatenate(probs) if probs else np.empty((0, len(lookup)))
    report = classification_report(confusion_matrix(y_true, probs.argmax(1), len(lookup)), model.classes)
    skipped = _count(np.array(store.labels)[~keep])
    return {**report, "calibration": reliability(probs, y_true), "skipped_labels": skipped}


def evaluate_images(model: OnnxModel, source: str, votes: str | None = None, flip: bool = False,
                    detector: Detector | None = None, crop: str | None = None, batch: int = 256,
                    scenes: bool = False) -> dict:
    """Metrics over face crops (images=PATH or fer2013=PATH), each used as it is (resized, repeated to t frames).

    With a `detector` each crop goes through the pipeline instead: scaled so that it is CANVAS_FACE pixels
    high or wide and put in a 480 px frame (`as_frame`), or with `scenes` taken as the frame it is (a whole
    photo or video frame), detected, the largest face cropped with the model's margin (or `crop`) and
    classified; an image where no face is found counts as wrong (`no_face`, `miss_rate`). With `votes` (a
    FER+-style CSV), `ferplus` holds the same metrics against the FER+
    majority labels of the images that have one; an image whose majority is a class the model lacks
    (contempt for a 7-class model) counts as wrong in its accuracy. `flip` averages each crop's
    probabilities with its mirror's.
    """
    images, scan = scan_stills(source, contempt="contempt" in model.classes)
    if not images:
        raise AegisError(f"no labelled images in {source} (expected <class>/*.png|jpg folders)")
    lookup = {c: i for i, c in enumerate(model.classes)}
    h, w = model.info.input_size
    crops, kept, unreadable, no_face = [], [], [], []
    for item in progress(images, desc="detect", enabled=detector is not None):
        grey = item.read_grey()
        if grey is None:
            unreadable.append(str(item.path))
            continue
        if detector is None:
            crops.append(cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA))
        else:
            frame = grey if scenes else as_frame(grey, CANVAS_FACE / max(grey.shape))[0]
            faces = detector(detector.prepare(frame))
            if not faces:
                no_face.append(str(item.path))
                continue
            face = max(faces, key=lambda d: d.box[2] * d.box[3])
            crops.append(crop_face(frame, face.box, h, crop or model.info.crop, eye_roll(face.landmarks)))
        kept.append(item)
    probs = []
    for start in progress(range(0, len(crops), batch), len(crops), "evaluate",
                          size=lambda s: min(batch, len(crops) - s)):
        stills = np.stack(crops[start:start + batch])[:, None]
        probs.append(predict_stills(model, stills, flip))
    probs = np.concatenate(probs) if probs else np.empty((0, len(lookup)))
    y_pred = probs.argmax(1)
    y_true = [lookup[item.label] for item in kept]
    report = classification_report(confusion_matrix(y_true, y_pred, len(lookup)), model.classes)
    report.update(calibration=reliability(probs, y_true), skipped_labels=dict(scan.unknown_labels),
                  unreadable=unreadable, flip_tta=flip or model.info.flip_tta, temperature=model.info.temperature)
    if detector is not None:
        total = len(kept) + len(no_face)
        report.update(pipeline_accuracy=float(np.trace(report["confusion"])) / total if total else 0.0,
                      crop=crop or model.info.crop, no_face=len(no_face), no_face_images=no_face,
                      miss_rate=len(no_face) / total if total else 0.0)
    if votes:
        report["ferplus"] = majority_report(load_votes(votes), [i.path.stem for i in kept], y_pred, model.classes,
                                            probs)
    return report


def predict_stills(model: OnnxModel, stills: np.ndarray, flip: bool = False) -> np.ndarray:
    """(N, C) probabilities of (N, 1, H, W) uint8 stills, each repeated to the model's t frames; flip: TTA."""
    windows = np.repeat(stills, model.info.frames, axis=1)
    probs = model(windows)
    return (probs + model(np.ascontiguousarray(windows[..., ::-1]))) / 2 if flip else probs


def majority_report(votes: Votes, stems: list[str], y_pred: np.ndarray, classes: tuple[str, ...],
                    probs: np.ndarray | None = None) -> dict:
    """Metrics against the FER+ majority labels; majorities outside `classes` count as wrong in `accuracy`.
    With the (N, C) `probs`, also the calibration against those labels (over the images whose majority is one
    of `classes`)."""
    lookup = {c: i for i, c in enumerate(classes)}
    majority = [votes.majority_label(stem) for stem in stems]
    own = [i for i, m in enumerate(majority) if m in lookup]
    truth = [lookup[majority[i]] for i in own]
    foreign = _count(np.array([m for m in majority if m is not None and m not in lookup]))
    report = classification_report(confusion_matrix(truth, [int(y_pred[i]) for i in own], len(classes)), classes)
    total = len(own) + sum(foreign.values())
    hits = sum(t == int(y_pred[i]) for t, i in zip(truth, own, strict=True))
    report.update(accuracy=hits / total if total else 0.0, accuracy_own_classes=report["accuracy"], n=total,
                  counted_wrong=foreign, without_majority=sum(m is None for m in majority))
    if probs is not None:
        report["calibration"] = reliability(probs[own], truth)
    return report


def evaluate_ckplus(model: OnnxModel, root: str | Path, detector: Detector | None = None) -> dict:
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
    report, accuracy = _scored(y_true, y_pred, model.classes, len(sequences))
    return {**report, "sequence_accuracy": accuracy, "sequences": len(sequences),
            "no_face": len(no_face), "no_face_sequences": no_face, "skipped": scan.skipped,
            "skipped_labels": dict(scan.unknown_labels), "unreadable": unreadable}


def evaluate_clips(model: OnnxModel, kind: str, root: str | Path, detector: Detector | None = None) -> dict:
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
        decision = clip_decision(results, model.classes) if results else {"label": None}
        if decision["label"] is None:
            no_face.append(video.video_id)
            continue
        y_true.append(lookup[video.label])
        y_pred.append(lookup[decision["label"]])
    report, accuracy = _scored(y_true, y_pred, model.classes, len(videos))
    return {**report, "clip_accuracy": accuracy, "clips": len(videos), "no_face": len(no_face),
            "no_face_clips": no_face, "unreadable": unreadable, "skipped": scan.skipped,
            "skipped_labels": dict(scan.unknown_labels), "method": "main-face voting + mean probability"}


def evaluate_source(model: OnnxModel, source: str, detector: Detector | None = None, votes: str | None = None,
                    flip: bool = False, through_detector: bool = False, crop: str | None = None) -> dict:
    """Evaluate on a raw source given as KIND=PATH (votes, flip, through_detector and crop apply to face crops)."""
    kind, _, path = source.partition("=")
    if kind not in SOURCE_KINDS or not path:
        raise AegisError(f"--source must be KIND=PATH with KIND in {SOURCE_KINDS}, got {source!r}")
    if (votes or flip or through_detector or crop) and kind not in ("images", "fer2013"):
        raise AegisError(f"--votes, --flip-tta, --through-detector and --crop apply to face crops (images= or "
                         f"fer2013=), not {kind}=")
    if crop and not through_detector:
        raise AegisError("--crop needs --through-detector (it sets how detected faces are cut)")
    if kind in ("images", "fer2013"):
        pipeline_detector = (detector or make_detector()) if through_detector else None
        return evaluate_images(model, source, votes, flip, pipeline_detector, crop)
    if kind == "scenes":
        return evaluate_images(model, f"images={path}", detector=detector or make_detector(), scenes=True)
    if kind == "ckplus":
        return evaluate_ckplus(model, path, detector)
    return evaluate_clips(model, kind, path, detector)


def plot_confusion(report: dict, path: str | Path, cell: int = 70) -> Path:
    """Row-normalised confusion matrix as a PNG heat map with counts and percentages (true rows, predicted columns)."""
    classes, matrix = report["classes"], np.array(report["confusion"], float)
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
    cv2.putText(img, f"accuracy {report['accuracy']:.1%}  UAR {report['uar']:.1%}  n={report['n']}",
                (margin, img.shape[0] - 10), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
    return path


def plot_reliability(report: dict, path: str | Path, size: int = 420) -> Path:
    """Reliability diagram as a PNG: accuracy against confidence per bin (bars), the diagonal, the ECE, both axes
    with ticks, and a strip under the plot whose grey level is each bin's share of the images."""
    bins = report["calibration"]["bins"]
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
    cv2.putText(img, f"reliability  ECE {report['calibration']['ece']:.3f}  n={total}", (x0, 30), font, 0.5,
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
    import csv

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


def _scored(y_true: list[int], y_pred: list[int], classes: tuple[str, ...], total: int) -> tuple[dict, float]:
    """The report over the items that got a prediction, and the accuracy over all `total` items (misses wrong)."""
    report = classification_report(confusion_matrix(y_true, y_pred, len(classes)), classes)
    return report, sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / total


def _fit_length(windows: np.ndarray, frames: int) -> np.ndarray:
    """Windows with at least `frames` frames: shorter ones repeat their oldest frame in front."""
    missing = frames - windows.shape[1]
    return windows if missing <= 0 else np.concatenate([windows[:, :1]] * missing + [windows], axis=1)


def _count(labels: np.ndarray) -> dict:
    """Occurrences of each label."""
    values, counts = np.unique(labels, return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts, strict=True)}
