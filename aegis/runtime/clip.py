"""A clip model on ONNX Runtime: per-frame feature sequences in, clip probabilities out (no torch)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aegis.clips.inputs import clip_input
from aegis.errors import ModelError
from aegis.runtime.onnx import OnnxGraph, OnnxModel, open_session, read_info, resolve_model_path


class ClipModel(OnnxGraph):
    """A clip classifier ("pyramid" or "sequence" input) with the frame (and context) models of its features."""

    inputs = ("pyramid", "sequence")
    kind = "clip model"

    def frame_models(self) -> tuple[OnnxModel, OnnxModel | None]:
        """The frame model whose outputs make the per-frame features, and the context model (None without)."""
        context = self.info.context_model
        return OnnxModel(self.info.feature_model), OnnxModel(context) if context else None

    def __call__(self, clips: Sequence[np.ndarray], batch: int = 512) -> np.ndarray:
        """(T, F) per-frame feature sequences, one per clip, to (B, C) probabilities."""
        want = self.info.frame_dim
        if any(c.shape[1] != want for c in clips):
            raise ModelError(f"{self.path} reads per-frame features of width {want} (from "
                             f"{self.info.feature_model}, context {self.info.context_model}); got "
                             f"{sorted({c.shape[1] for c in clips})}")
        out = []
        for i in range(0, len(clips), batch):
            x = np.stack([clip_input(self.info, c) for c in clips[i:i + batch]]).astype(np.float32)
            out.append(self.session.run(None, {self.input_name: x})[0])
        return np.concatenate(out) if out else np.empty((0, len(self.classes)), np.float32)


def load_model(model: str | Path | None = None, threads: int = 1) -> OnnxModel | ClipModel:
    """A frame or clip model, the runtime picked by the input kind in its metadata."""
    path = resolve_model_path(model)
    session = open_session(path, threads)  # opened once, for the metadata and then the model
    runtime = OnnxModel if read_info(session, path).input == "window" else ClipModel
    return runtime(path, threads, session)
