"""A trained clip model on ONNX Runtime: temporal-pyramid vectors in, clip probabilities out (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from aegis.errors import ModelError
from aegis.runtime.onnx import resolve_model_path

CLIP_METADATA_KEY = "aegis_clip"


class ClipModel:
    """A clip classifier with its metadata: classes, pyramid levels and the frame model that makes its features."""

    def __init__(self, model: str | Path) -> None:
        self.path = resolve_model_path(model)
        try:
            self.session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises several private exception types
            raise ModelError(f"cannot load ONNX model {self.path}: {str(exc).splitlines()[0]}") from exc
        text = self.session.get_modelmeta().custom_metadata_map.get(CLIP_METADATA_KEY)
        if text is None:
            raise ModelError(f"{self.path} is not a clip model (no {CLIP_METADATA_KEY} metadata)")
        self.meta = json.loads(text)
        self.classes = tuple(self.meta["classes"])

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        """(B, F) pyramid vectors to (B, C) probabilities."""
        return self.session.run(None, {"features": vectors.astype(np.float32, copy=False)})[0]
