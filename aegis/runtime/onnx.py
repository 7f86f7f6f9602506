"""ONNX Runtime model that reads its AEGIS metadata and scores batches of face windows."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort

from aegis.errors import ModelError
from aegis.meta import INPUTS, METADATA_KEY, ModelInfo

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
DEFAULT_MODEL = "static"  # the frame model with per-track smoothing: docs/accuracy.md, frame or window


def resolve_model_path(model: str | Path | None) -> Path:
    """A model path from a file path, a shipped model name ("static", "static-fp32", "window"), or None or
    "default" for the default."""
    name = DEFAULT_MODEL if model in (None, "default") else str(model)
    shipped = WEIGHTS_DIR / f"{name}.onnx"
    if shipped.is_file() and not Path(name).is_file():
        return shipped
    path = Path(name)
    if not path.is_file():
        available = sorted(p.stem for p in WEIGHTS_DIR.glob("*.onnx"))
        raise ModelError(f"model {name!r} is neither a file nor a shipped model ({', '.join(available) or 'none'})")
    return path


class OnnxGraph:
    """An AEGIS graph on ONNX Runtime with the metadata it carries (`ModelInfo`), frame or clip model alike.

    Args:
        model: an .onnx path, a shipped model name, or None for the shipped default.
        threads: intra-op threads (1 keeps one core free and is fastest for batch-1 faces).
        session: a session already open on that file (`load_model`), else one is opened.
    """

    inputs: tuple[str, ...] = INPUTS  # the input kinds this runtime serves
    kind = "AEGIS model"

    def __init__(self, model: str | Path | None = None, threads: int = 1,
                 session: ort.InferenceSession | None = None) -> None:
        self.path = resolve_model_path(model)
        self.session = session or open_session(self.path, threads)
        self.info = read_info(self.session, self.path)
        if self.info.input not in self.inputs:
            raise ModelError(f"{self.path} takes {self.info.input} input: it is not a {self.kind} "
                             f"({' or '.join(self.inputs)} input)")
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names in output order."""
        return self.info.classes


class OnnxModel(OnnxGraph):
    """A frame model (a window of t crops in, class probabilities out) on ONNX Runtime."""

    inputs = ("window",)
    kind = "frame model"

    def __init__(self, model: str | Path | None = None, threads: int = 1,
                 session: ort.InferenceSession | None = None) -> None:
        super().__init__(model, threads, session)
        graph_input = self.session.get_inputs()[0]
        if graph_input.type != "tensor(uint8)":
            raise ModelError(f"{self.path} takes {graph_input.type} windows; AEGIS graphs now take uint8 crops and "
                             "scale them inside: re-export it with `aegis export`, or, without its checkpoint, run "
                             "scripts/upgrade_graphs.py on it")

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


def open_session(path: Path, threads: int) -> ort.InferenceSession:
    """An ONNX Runtime CPU session on `threads` intra-op threads; a file it cannot load is a ModelError."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several private exception types
        raise ModelError(f"cannot load ONNX model {path}: {str(exc).splitlines()[0]}") from exc


def read_info(session: ort.InferenceSession, path: Path) -> ModelInfo:
    """The ModelInfo a graph carries under METADATA_KEY; a graph without it is a ModelError."""
    metadata = session.get_modelmeta().custom_metadata_map
    if METADATA_KEY not in metadata:
        legacy = " (an older clip model: run scripts/upgrade_graphs.py on it)" if "aegis_clip" in metadata else ""
        raise ModelError(f"{path} has no AEGIS metadata{legacy}; export it with `aegis export`")
    try:
        return ModelInfo.from_json(metadata[METADATA_KEY])
    except ValueError as exc:
        raise ModelError(f"{path}: bad AEGIS metadata: {exc}") from exc


@lru_cache(maxsize=4)
def cached_model(model: str | Path) -> OnnxModel:
    """An OnnxModel loaded once per process (worker processes of the dataset and clip-store builders)."""
    return OnnxModel(model)
