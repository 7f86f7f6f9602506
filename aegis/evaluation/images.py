"""Evaluation on face crops (images=, fer2013=) and whole photos (scenes=), with the FER+ majority where given."""

from __future__ import annotations

import cv2
import numpy as np

from aegis.data.images import as_frame, scan_stills
from aegis.data.votes import Votes, load_votes
from aegis.errors import AegisError
from aegis.evaluation.metrics import reliability
from aegis.evaluation.report import EvaluationReport, MajorityReport
from aegis.evaluation.stores import count
from aegis.faces.base import Detector
from aegis.faces.crop import crop_face, eye_roll
from aegis.progress import progress
from aegis.runtime.onnx import OnnxModel

CANVAS_FACE = 192  # --through-detector: the side a crop is scaled to in its 480 px frame (a 48 px crop 4x)


def evaluate_images(model: OnnxModel, source: str, votes: str | None = None, flip: bool = False,
                    detector: Detector | None = None, crop: str | None = None, batch: int = 256,
                    scenes: bool = False) -> EvaluationReport:
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
    crops, kept, unreadable, no_face = _face_crops(model, images, detector, crop, scenes)
    probs = []
    for start in progress(range(0, len(crops), batch), len(crops), "evaluate",
                          size=lambda s: min(batch, len(crops) - s)):
        stills = np.stack(crops[start:start + batch])[:, None]
        probs.append(predict_stills(model, stills, flip))
    probs = np.concatenate(probs) if probs else np.empty((0, len(lookup)))
    y_pred = probs.argmax(1)
    y_true = [lookup[item.label] for item in kept]
    report = EvaluationReport.scored(y_true, list(y_pred), model.classes, calibration=reliability(probs, y_true),
                                     skipped_labels=dict(scan.unknown_labels), unreadable=unreadable,
                                     flip_tta=flip or model.info.flip_tta, temperature=model.info.temperature)
    if detector is not None:
        total = len(kept) + len(no_face)
        report = report.with_(pipeline_accuracy=float(np.trace(report.confusion)) / total if total else 0.0,
                              crop=crop or model.info.crop, no_face=len(no_face), no_face_images=no_face,
                              miss_rate=len(no_face) / total if total else 0.0)
    if votes:
        report = report.with_(ferplus=majority_report(load_votes(votes), [i.path.stem for i in kept], y_pred,
                                                      model.classes, probs))
    return report


def _face_crops(model: OnnxModel, images: list, detector: Detector | None, crop: str | None,
                scenes: bool) -> tuple[list[np.ndarray], list, list[str], list[str]]:
    """Each image's crop as the model takes it: resized, or through the detector (largest face, the model's or
    `crop`'s margin, eye line levelled); (crops, the images kept, unreadable paths, paths without a face)."""
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
    return crops, kept, unreadable, no_face


def predict_stills(model: OnnxModel, stills: np.ndarray, flip: bool = False) -> np.ndarray:
    """(N, C) probabilities of (N, 1, H, W) uint8 stills, each repeated to the model's t frames; flip: TTA."""
    windows = np.repeat(stills, model.info.frames, axis=1)
    probs = model(windows)
    return (probs + model(np.ascontiguousarray(windows[..., ::-1]))) / 2 if flip else probs


def majority_report(votes: Votes, stems: list[str], y_pred: np.ndarray, classes: tuple[str, ...],
                    probs: np.ndarray | None = None) -> MajorityReport:
    """Metrics against the FER+ majority labels; majorities outside `classes` count as wrong in `accuracy`.
    With the (N, C) `probs`, also the calibration against those labels (over the images whose majority is one
    of `classes`)."""
    lookup = {c: i for i, c in enumerate(classes)}
    majority = [votes.majority_label(stem) for stem in stems]
    own = [i for i, m in enumerate(majority) if m in lookup]
    truth = [lookup[majority[i]] for i in own]
    foreign = count(np.array([m for m in majority if m is not None and m not in lookup]))
    report = MajorityReport.scored(truth, [int(y_pred[i]) for i in own], classes)
    total = len(own) + sum(foreign.values())
    hits = sum(t == int(y_pred[i]) for t, i in zip(truth, own, strict=True))
    return report.with_(accuracy=hits / total if total else 0.0, accuracy_own_classes=report.accuracy, n=total,
                        counted_wrong=foreign, without_majority=sum(m is None for m in majority),
                        calibration=reliability(probs[own], truth) if probs is not None else None)
