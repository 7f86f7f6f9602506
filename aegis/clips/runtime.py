"""A trained clip model on ONNX Runtime: per-frame feature sequences in, clip probabilities out (no torch)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from aegis.clips.inputs import clip_input
from aegis.errors import ModelError
from aegis.runtime.onnx import OnnxModel, resolve_model_path

CLIP_METADATA_KEY = "aegis_clip"


class ClipModel:
    """A clip classifier with its metadata: classes, input kind, and the frame (and context) models of its features."""

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

    def frame_models(self) -> tuple[OnnxModel, OnnxModel | None]:
        """The frame model whose outputs make the per-frame features, and the context model (None without)."""
        context = self.meta["context_model"]
        return OnnxModel(self.meta["feature_model"]), OnnxModel(context) if context else None

    def __call__(self, clips: Sequence[np.ndarray], batch: int = 512) -> np.ndarray:
        """(T, F) per-frame feature sequences, one per clip, to (B, C) probabilities."""
        want = self.meta["frame_dim"]
        if any(c.shape[1] != want for c in clips):
            raise ModelError(f"{self.path} reads per-frame features of width {want} (from "
                             f"{self.meta['feature_model']}, context {self.meta['context_model']}); got "
                             f"{sorted({c.shape[1] for c in clips})}")
        out = []
        for i in range(0, len(clips), batch):
            x = np.stack([clip_input(self.meta, c) for c in clips[i:i + batch]]).astype(np.float32)
            out.append(self.session.run(None, {"features": x})[0])
        return np.concatenate(out) if out else np.empty((0, len(self.classes)), np.float32)
