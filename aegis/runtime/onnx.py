"""ONNX Runtime model that reads its AEGIS metadata and scores batches of face windows."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort

from aegis.errors import ModelError
from aegis.meta import METADATA_KEY, ModelInfo

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
DEFAULT_MODEL = "static"  # the frame model with per-track smoothing: docs/accuracy.md, frame or window


def resolve_model_path(model: str | Path | None) -> Path:
    """A model path from a file path, a shipped model name ("static", "window"), or None or "default" for the
    default."""
    name = DEFAULT_MODEL if model in (None, "default") else str(model)
    shipped = WEIGHTS_DIR / f"{name}.onnx"
    if shipped.is_file() and not Path(name).is_file():
        return shipped
    path = Path(name)
    if not path.is_file():
        available = sorted(p.stem for p in WEIGHTS_DIR.glob("*.onnx"))
        raise ModelError(f"model {name!r} is neither a file nor a shipped model ({', '.join(available) or 'none'})")
    return path


class OnnxModel:
    """An expression model on ONNX Runtime.

    Args:
        model: an .onnx path, a shipped model name, or None for the shipped default.
        threads: intra-op threads (1 keeps one core free and is fastest for batch-1 faces).
    """

    def __init__(self, model: str | Path | None = None, threads: int = 1) -> None:
        self.path = resolve_model_path(model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises several private exception types
            raise ModelError(f"cannot load ONNX model {self.path}: {str(exc).splitlines()[0]}") from exc
        text = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if text is None:
            raise ModelError(f"{self.path} has no AEGIS metadata; export it with `aegis export`")
        try:
            self.info = ModelInfo.from_json(text)
        except ValueError as exc:
            raise ModelError(f"{self.path}: bad AEGIS metadata: {exc}") from exc
        graph_input = self.session.get_inputs()[0]
        if graph_input.type != "tensor(uint8)":
            raise ModelError(f"{self.path} takes {graph_input.type} windows; AEGIS graphs now take uint8 crops and "
                             "scale them inside: re-export it with `aegis export`")
        self.input_name = graph_input.name
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names in output order."""
        return self.info.classes

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """Class probabilities for a batch of windows.

        Args:
            windows: (B, T, H, W) uint8 crops, T >= the model's t (the last t frames are used).

        Returns:
            (B, num_classes) float32 probabilities.
        """
        return self.session.run(self.output_names[:1], {self.input_name: self._input(windows)})[0]

    def embed(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (B, C) and penultimate embeddings (B, D) of a batch of windows."""
        if len(self.output_names) < 2:
            raise ModelError(f"{self.path} has no embedding output; re-export it with `aegis export`")
        probs, embedding = self.session.run(self.output_names[:2], {self.input_name: self._input(windows)})
        return probs, embedding

    def _input(self, windows: np.ndarray) -> np.ndarray:
        """The last t frames as the graph takes them (it scales, normalises and lays them out itself)."""
        if windows.dtype != np.uint8:
            raise ModelError(f"model windows are uint8 crops, got {windows.dtype}")
        return np.ascontiguousarray(windows[:, -self.info.frames:])


@lru_cache(maxsize=4)
def cached_model(model: str | Path) -> OnnxModel:
    """An OnnxModel loaded once per process (worker processes of the dataset and clip-store builders)."""
    return OnnxModel(model)
