"""Training of clip models on a clip store (torch needed): clip-pyramid and clip-lstm3d."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

from aegis.clips.inputs import clip_input
from aegis.clips.nets import ClipLSTM3D, ClipPyramidMLP, Standardise
from aegis.clips.runtime import CLIP_METADATA_KEY
from aegis.clips.store import ClipStore, load_clip_store
from aegis.errors import AegisError
from aegis.io import atomic_path
from aegis.metrics import classification_report, confusion_matrix, fit_temperature, reliability, softmax
from aegis.progress import progress
from aegis.splits import split_indices
from aegis.training.config import ClipTrainConfig


def train_clip_model(cfg: ClipTrainConfig) -> dict:
    """Train with a subject split; writes best.pt, test_report.json and model.onnx (with metadata) under out."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    store = load_clip_store(cfg.data)
    meta = _model_meta(cfg, store)
    lookup = {c: i for i, c in enumerate(meta["classes"])}
    if any(r["label"] not in lookup for r in store.rows):
        raise AegisError(f"labels outside the feature model's classes {meta['classes']} in {cfg.data}")
    labels = torch.tensor([lookup[r["label"]] for r in store.rows])
    train_idx, val_idx, test_idx = split_indices([r["subject"] for r in store.rows], "subject", cfg.seed)
    clips = store.clips()
    fixed = torch.from_numpy(np.stack([clip_input(meta, c) for c in clips]))  # pyramid vectors; even samples
    network = _network(cfg, meta, fixed[train_idx])
    optimizer = torch.optim.Adam(network.parameters(), lr=cfg.lr, weight_decay=1e-4)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    best = (-1.0, 0)
    for epoch in range(cfg.epochs):
        network.train()
        order = train_idx[rng.permutation(len(train_idx))]
        for i in progress(range(0, len(order), cfg.batch), desc=f"{cfg.model} {epoch + 1}/{cfg.epochs}"):
            sel = order[i:i + cfg.batch]
            x = fixed[sel] if meta["input"] == "pyramid" else torch.from_numpy(
                np.stack([clip_input(meta, clips[j], rng) for j in sel]))
            loss = F.cross_entropy(network(x), labels[sel])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        acc = _accuracy(network, fixed, labels, val_idx)
        print(f"epoch {epoch + 1}: val acc {acc:.4f}", flush=True)
        if acc > best[0]:
            best = (acc, epoch + 1)
            torch.save(network.state_dict(), out / "best.pt")
    network.load_state_dict(torch.load(out / "best.pt"))
    calibration = _calibrate(network, fixed, labels, val_idx)
    meta["temperature"] = calibration["temperature"]
    report = _report(network, fixed, labels, test_idx, meta["classes"]) if len(test_idx) else {}
    (out / "test_report.json").write_text(json.dumps(report, indent=2) + "\n")
    export_clip_model(network, out / "model.onnx", meta, tuple(fixed.shape[1:]))
    return {"best_val_acc": best[0], "best_epoch": best[1], "test_acc": report.get("accuracy"),
            "train": len(train_idx), "val": len(val_idx), "test": len(test_idx), **calibration}


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


def _model_meta(cfg: ClipTrainConfig, store: ClipStore) -> dict:
    """The metadata the runtime needs: classes, input kind and its settings, the feature models."""
    meta = {"name": cfg.model, "classes": store.meta["classes"], "feature_model": store.meta["feature_model"],
            "context_model": store.meta["context_model"], "frame_dim": store.meta["frame_dim"],
            "training": cfg.data}
    if cfg.model == "clip-pyramid":
        return {**meta, "input": "pyramid", "levels": list(cfg.levels)}
    return {**meta, "input": "sequence", "k": cfg.k}


def _network(cfg: ClipTrainConfig, meta: dict, train_inputs: torch.Tensor) -> nn.Module:
    """The clip network behind a standardisation fitted on the training inputs."""
    flat = train_inputs.reshape(-1, train_inputs.shape[-1])
    standardise = Standardise(flat.mean(0), flat.std(0))
    num_classes = len(meta["classes"])
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


def export_clip_model(model: nn.Module, path: Path, meta: dict, input_shape: tuple[int, ...]) -> Path:
    """ONNX (input "features" (B, *input_shape), output "probs" = softmax(logits / meta's temperature)) with the
    metadata under CLIP_METADATA_KEY."""
    wrapped = nn.Sequential(model, Temperature(meta.get("temperature", 1.0)), nn.Softmax(dim=-1)).eval()
    with atomic_path(path) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapped, (torch.zeros(1, *input_shape),), str(tmp), dynamo=False, opset_version=17,
                              input_names=["features"], output_names=["probs"],
                              dynamic_axes={"features": {0: "batch"}, "probs": {0: "batch"}})
        proto = onnx.load(str(tmp))
        entry = proto.metadata_props.add()
        entry.key, entry.value = CLIP_METADATA_KEY, json.dumps(meta)
        onnx.save(proto, str(tmp))
    return path
