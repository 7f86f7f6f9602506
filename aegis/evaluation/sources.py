"""`evaluate_source`: a frame model on a raw source given as KIND=PATH, sent to the evaluation that reads it."""

from __future__ import annotations

from aegis.errors import AegisError
from aegis.evaluation.images import evaluate_images
from aegis.evaluation.report import EvaluationReport
from aegis.evaluation.stores import VIDEO_KINDS
from aegis.evaluation.videos import evaluate_ckplus, evaluate_clips
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector
from aegis.runtime.onnx import OnnxModel

SOURCE_KINDS = ("images", "fer2013", "scenes", "ckplus", *VIDEO_KINDS)


def evaluate_source(model: OnnxModel, source: str, detector: Detector | None = None, votes: str | None = None,
                    flip: bool = False, through_detector: bool = False, crop: str | None = None) -> EvaluationReport:
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
