"""Training of clip models on a clip store (torch needed): clip-pyramid and clip-lstm3d."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aegis.clips.inputs import clip_input
from aegis.clips.nets import ClipLSTM3D, ClipPyramidMLP, Standardise
from aegis.clips.store import ClipStore, load_clip_store
from aegis.data.splits import split_indices
from aegis.errors import AegisError
from aegis.evaluation.metrics import classification_report, confusion_matrix, fit_temperature, reliability, softmax
from aegis.meta import ModelInfo
from aegis.training.config import ClipTrainConfig
from aegis.training.export import write_graph
from aegis.training.loop import fit_epoch

log = logging.getLogger(__name__)


def train_clip_model(cfg: ClipTrainConfig) -> dict:
    """Train with a subject split; writes best.pt, test_report.json and model.onnx (with metadata) under out."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    store = load_clip_store(cfg.data)
    info = _model_info(cfg, store)
    lookup = {c: i for i, c in enumerate(info.classes)}
    if any(r["label"] not in lookup for r in store.rows):
        raise AegisError(f"labels outside the feature model's classes {info.classes} in {cfg.data}")
    labels = torch.tensor([lookup[r["label"]] for r in store.rows])
    train_idx, val_idx, test_idx = split_indices([r["subject"] for r in store.rows], "subject", cfg.seed)
    clips = store.clips()
    fixed = torch.from_numpy(np.stack([clip_input(info, c) for c in clips]))  # pyramid vectors; even samples
    network = _network(cfg, info, fixed[train_idx])
    optimizer = torch.optim.Adam(network.parameters(), lr=cfg.lr, weight_decay=1e-4)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    best = (-1.0, 0)
    targets = F.one_hot(labels, len(info.classes)).float()
    for epoch in range(cfg.epochs):
        order = train_idx[rng.permutation(len(train_idx))]
        fit_epoch(network, optimizer, _batches(info, fixed, clips, targets, order, cfg.batch, rng),
                  math.ceil(len(order) / cfg.batch), f"{cfg.model} {epoch + 1}/{cfg.epochs}")
        acc = _accuracy(network, fixed, labels, val_idx)
        log.info(f"epoch {epoch + 1}: val acc {acc:.4f}")
        if acc > best[0]:
            best = (acc, epoch + 1)
            torch.save(network.state_dict(), out / "best.pt")
    network.load_state_dict(torch.load(out / "best.pt"))
    calibration = _calibrate(network, fixed, labels, val_idx)
    info = replace(info, temperature=calibration["temperature"])
    report = _report(network, fixed, labels, test_idx, info.classes) if len(test_idx) else {}
    (out / "test_report.json").write_text(json.dumps(report, indent=2) + "\n")
    export_clip_model(network, out / "model.onnx", info, tuple(fixed.shape[1:]))
    return {"best_val_acc": best[0], "best_epoch": best[1], "test_acc": report.get("accuracy"),
            "train": len(train_idx), "val": len(val_idx), "test": len(test_idx), **calibration}


def _batches(info: ModelInfo, fixed: torch.Tensor, clips: list[np.ndarray], targets: torch.Tensor, order: np.ndarray,
             batch: int, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """An epoch's (inputs, one-hot targets) batches: the pyramid vectors, or K frames drawn anew from each clip."""
    for i in range(0, len(order), batch):
        sel = order[i:i + batch]
        x = fixed[sel] if info.input == "pyramid" else torch.from_numpy(
            np.stack([clip_input(info, clips[j], rng) for j in sel]))
        yield x, targets[sel]


@torch.no_grad()
def _calibrate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: np.ndarray) -> dict:
    """The temperature fitted on the validation clips, with the calibration error there before and after."""
    if not len(idx):
        return {"temperature": 1.0}
    model.eval()
    logits, truth = model(x[idx]).numpy(), y[idx].numpy()
    temperature = fit_temperature(logits, truth)
    return {"temperature": temperature, "ece_before": reliability(softmax(logits), truth)["ece"],
            "ece_after": reliability(softmax(logits, temperature), truth)["ece"]}


def _model_info(cfg: ClipTrainConfig, store: ClipStore) -> ModelInfo:
    """The metadata the runtime needs: classes, input kind and its settings, the feature models."""
    clip = {"input": "pyramid", "levels": tuple(cfg.levels)} if cfg.model == "clip-pyramid" else \
        {"input": "sequence", "k": cfg.k}
    return ModelInfo(name=cfg.model, classes=tuple(store.meta["classes"]), frames=1, crop="none",
                     feature_model=store.meta["feature_model"], context_model=store.meta["context_model"],
                     frame_dim=store.meta["frame_dim"], training={"data": cfg.data}, **clip)


def _network(cfg: ClipTrainConfig, info: ModelInfo, train_inputs: torch.Tensor) -> nn.Module:
    """The clip network behind a standardisation fitted on the training inputs."""
    flat = train_inputs.reshape(-1, train_inputs.shape[-1])
    standardise = Standardise(flat.mean(0), flat.std(0))
    num_classes = len(info.classes)
    if cfg.model == "clip-pyramid":
        return nn.Sequential(standardise, ClipPyramidMLP(train_inputs.shape[-1], num_classes))
    return nn.Sequential(standardise, ClipLSTM3D(train_inputs.shape[-1], num_classes))


@torch.no_grad()
def _predictions(model: nn.Module, x: torch.Tensor, idx: np.ndarray, batch: int = 512) -> torch.Tensor:
    """The predicted class of the given rows, in batches."""
    model.eval()
    parts = [model(x[idx[i:i + batch]]).argmax(1) for i in range(0, len(idx), batch)]
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: np.ndarray) -> float:
    """Accuracy over the given rows (0 for none)."""
    return float((_predictions(model, x, idx) == y[idx]).float().mean()) if len(idx) else 0.0


def _report(model: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: np.ndarray, classes: list[str]) -> dict:
    """The classification report over the given rows."""
    preds = _predictions(model, x, idx).numpy()
    return classification_report(confusion_matrix(y[idx].numpy(), preds, len(classes)), classes)


class Temperature(nn.Module):
    """Divides logits by a fixed temperature."""

    def __init__(self, temperature: float) -> None:
        super().__init__()
        self.temperature = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / self.temperature


def export_clip_model(model: nn.Module, path: Path, info: ModelInfo, input_shape: tuple[int, ...]) -> Path:
    """ONNX (input "features" (B, *input_shape), output "probs" = softmax(logits / info.temperature)) with the
    metadata every AEGIS graph carries."""
    wrapped = nn.Sequential(model, Temperature(info.temperature), nn.Softmax(dim=-1))
    return write_graph(wrapped, torch.zeros(1, *input_shape), "features", ("probs",), info, path)
