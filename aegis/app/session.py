"""One live connection: decode a JPEG frame, run it through the connection's own face pipeline, answer JSON."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import cv2
import numpy as np

from aegis.analyze.analyzer import Analyzer
from aegis.faces.base import Detector
from aegis.io.imagesize import ImageError, ImageTooLarge, decode_image
from aegis.runtime.results import FrameResult
from aegis.runtime.stream import FacePipeline

MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_FRAME_SIDE = 1920
MAX_TEXT_CHARS = 1024  # a settings message is a few dozen characters
MAX_SESSIONS = 8  # connections served at once
IDLE_TIMEOUT_S = 120.0  # a connection that sends nothing this long is closed
JPEG_MAGIC = b"\xff\xd8\xff"


class FrameError(ValueError):
    """A payload that is not a frame the server accepts; answered on the socket, the connection stays open."""


def decode_jpeg(payload: bytes) -> np.ndarray:
    """A BGR frame from JPEG bytes; FrameError for oversized, non-JPEG or undecodable payloads."""
    if len(payload) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(payload)} bytes is over the {MAX_FRAME_BYTES}-byte limit")
    if not payload.startswith(JPEG_MAGIC):
        raise FrameError("binary messages must be JPEG frames")
    try:  # the size is read from the header first: a small file declaring a huge frame allocates nothing
        return decode_image(payload, cv2.IMREAD_COLOR, MAX_FRAME_SIDE, what="frame")
    except ImageTooLarge as exc:
        raise FrameError(str(exc)) from exc
    except ImageError as exc:
        raise FrameError(f"the JPEG frame could not be decoded: {exc}") from exc


class LiveSession:
    """State of one connection: its tracker and each track's window of t crops, dropped when it closes."""

    def __init__(self, analyzer: Analyzer, detector: Detector) -> None:
        self.analyzer = analyzer
        self.pipeline: FacePipeline = analyzer.pipeline(detector)
        self.received = 0

    def apply_settings(self, text: str) -> dict:
        """Apply a JSON settings message ({"smoothing": 0..1, "threshold": 0..1}); returns the settings in force."""
        if len(text) > MAX_TEXT_CHARS:
            raise FrameError(f"a settings message of {len(text)} characters is over the {MAX_TEXT_CHARS}-character "
                             "limit")
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, and numbers or nesting past Python's limits
            raise FrameError(f"text messages must be JSON settings: {getattr(exc, 'msg', None) or exc}") from exc
        if not isinstance(message, dict) or not set(message) <= {"smoothing", "threshold"}:
            raise FrameError('settings must be a JSON object with "smoothing" and/or "threshold"')
        current = self.pipeline.settings
        try:
            self.pipeline.settings = replace(current, smoothing=float(message.get("smoothing", current.smoothing)),
                                             threshold=float(message.get("threshold", current.threshold)))
        except (TypeError, ValueError, OverflowError) as exc:
            raise FrameError(f"bad settings: {exc}") from exc
        return {"smoothing": self.pipeline.settings.smoothing, "threshold": self.pipeline.settings.threshold}

    def process(self, payload: bytes, index: int) -> dict:
        """Answer one JPEG frame with the protocol's JSON object."""
        start = time.perf_counter()
        result = self.pipeline.process(decode_jpeg(payload), index=index)
        return answer(result, self.analyzer.model.classes, (time.perf_counter() - start) * 1e3)


def answer(result: FrameResult, classes: tuple[str, ...], latency_ms: float) -> dict:
    """The JSON answer for a frame: faces with track, box, label, confidence and per-class probabilities."""
    return {
        "frame": result.index,
        "faces": [{"track_id": f.track_id, "box": list(f.box), "label": f.label,
                   "confidence": round(f.confidence, 4), "coasted": f.coasted,
                   "probs": {c: round(float(p), 4) for c, p in zip(classes, f.probs, strict=True)}}
                  for f in result.faces],
        "latency_ms": round(latency_ms, 2),
    }
