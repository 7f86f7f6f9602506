"""Model metadata that travels inside ONNX files and checkpoints, so the runtime needs no training code."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

METADATA_KEY = "aegis"
LAYOUTS = ("stack", "video")
INPUTS = ("window", "pyramid", "sequence")  # windows of t uint8 crops; a clip's per-frame features, pooled or sampled


@dataclass(frozen=True)
class ModelInfo:
    """What a runtime must know to feed a model, frame or clip: classes, input kind, window length, input size and
    normalisation, or the clip model's feature models.

    Attributes:
        name: the registry name of the network (e.g. "timeconvnet-minixception").
        classes: class names in output order.
        frames: window length t; 1 for single-frame models.
        input_size: (height, width) of each face crop.
        layout: "stack" feeds (B, t, H, W); "video" feeds (B, 1, t, H, W).
        mean: subtracted from crops scaled to 0..1 (the graph scales its uint8 input and normalises it).
        std: crops are divided by it after the mean is subtracted.
        crop: the box margin the model was trained with ("bigfacex", "faceparty", "none" or "person").
        training: free text on the data and run that produced the weights.
        temperature: the calibration temperature; the graph already outputs softmax(logits / temperature).
        flip_tta: the graph already averages each window's probabilities with its mirror image's.
        input: "window" (a frame model: (B, t, H, W) uint8 crops), or a clip model's per-frame features reduced
            to a temporal "pyramid" vector or to a "sequence" of sampled frames.
        levels: pyramid levels of a "pyramid" clip model.
        k: frames a "sequence" clip model samples from a clip.
        frame_dim: width of a clip model's per-frame features.
        feature_model: the frame model whose probabilities and embedding make a clip model's features.
        context_model: the frame model whose embedding of the person region is appended to them (None: none).
    """

    name: str
    classes: tuple[str, ...]
    frames: int
    input_size: tuple[int, int] = (48, 48)
    layout: str = "stack"
    mean: float = 0.5
    std: float = 0.5
    crop: str = "bigfacex"
    training: dict = field(default_factory=dict)
    temperature: float = 1.0
    flip_tta: bool = False
    input: str = "window"
    levels: tuple[int, ...] = ()
    k: int = 0
    frame_dim: int = 0
    feature_model: str | None = None
    context_model: str | None = None

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout {self.layout!r} is not one of {LAYOUTS}")
        if self.input not in INPUTS:
            raise ValueError(f"input {self.input!r} is not one of {INPUTS}")
        if self.input != "window" and not (self.feature_model and self.frame_dim > 0):
            raise ValueError(f"a {self.input} clip model needs its feature_model and frame_dim")
        if self.frames < 1 or not self.classes or self.std <= 0 or self.temperature <= 0:
            raise ValueError(f"invalid model metadata: frames={self.frames}, classes={self.classes}, std={self.std}")

    def to_json(self) -> str:
        """Serialise to the JSON string stored under METADATA_KEY."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelInfo:
        """Parse the JSON written by to_json; raises ValueError on missing or unknown keys."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("model metadata is not a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model metadata keys: {sorted(unknown)}")
        try:
            data["classes"] = tuple(data["classes"])
            data["input_size"] = tuple(data.get("input_size", (48, 48)))
            data["levels"] = tuple(data.get("levels", ()))
            return cls(**data)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"incomplete model metadata: {exc}") from exc
