"""The `clip-pyramid` model: an MLP over temporal-pyramid vectors, trained on a clip store (torch needed)."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

from aegis.clips.runtime import CLIP_METADATA_KEY
from aegis.clips.store import load_clip_store
from aegis.errors import AegisError
from aegis.metrics import classification_report, confusion_matrix
from aegis.splits import split_indices


class ClipPyramidMLP(nn.Module):
    """Standardise the pyramid vector (statistics of the training clips), then two linear layers with dropout."""

    def __init__(self, in_dim: int, num_classes: int, hidden: int = 256, dropout: float = 0.3) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("std", torch.ones(in_dim))
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


def train_clip_pyramid(data: str | Path, out: str | Path, epochs: int = 60, batch: int = 128, lr: float = 1e-3,
                       seed: int = 0) -> dict:
    """Train on a clip store with a subject split; writes best.pt, test_report.json and model.onnx under out."""
    torch.manual_seed(seed)
    features, rows, meta = load_clip_store(data)
    classes = tuple(meta["classes"])
    lookup = {c: i for i, c in enumerate(classes)}
    if any(r["label"] not in lookup for r in rows):
        raise AegisError(f"labels outside the feature model's classes {classes} in {data}")
    labels = np.array([lookup[r["label"]] for r in rows])
    train_idx, val_idx, test_idx = split_indices([r["subject"] for r in rows], "subject", seed)
    x, y = torch.from_numpy(features), torch.from_numpy(labels)
    model = ClipPyramidMLP(features.shape[1], len(classes))
    model.mean.copy_(x[train_idx].mean(0))
    model.std.copy_(x[train_idx].std(0).clamp(min=1e-4))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    best = (-1.0, 0)
    for epoch in range(epochs):
        model.train()
        order = train_idx[torch.randperm(len(train_idx)).numpy()]
        for i in range(0, len(order), batch):
            sel = order[i:i + batch]
            loss = F.cross_entropy(model(x[sel]), y[sel])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        acc = _accuracy(model, x, y, val_idx)
        if acc > best[0]:
            best = (acc, epoch + 1)
            torch.save(model.state_dict(), out / "best.pt")
    model.load_state_dict(torch.load(out / "best.pt"))
    report = _report(model, x, labels, test_idx, classes) if len(test_idx) else {}
    (out / "test_report.json").write_text(json.dumps(report, indent=2))
    export_clip_model(model, out / "model.onnx", {"name": "clip-pyramid", "classes": list(classes),
                                                  "levels": meta["levels"], "feature_model": meta["feature_model"],
                                                  "feature_dim": int(features.shape[1]), "training": str(data)})
    return {"best_val_acc": best[0], "best_epoch": best[1], "test_acc": report.get("accuracy"),
            "train": len(train_idx), "val": len(val_idx), "test": len(test_idx)}


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: np.ndarray) -> float:
    """Accuracy over the given rows (0 for none)."""
    model.eval()
    return float((model(x[idx]).argmax(1) == y[idx]).float().mean()) if len(idx) else 0.0


@torch.no_grad()
def _report(model: nn.Module, x: torch.Tensor, labels: np.ndarray, idx: np.ndarray, classes: tuple[str, ...]) -> dict:
    """The classification report over the given rows."""
    model.eval()
    preds = model(x[idx]).argmax(1).numpy()
    return classification_report(confusion_matrix(labels[idx], preds, len(classes)), classes)


def export_clip_model(model: nn.Module, path: Path, meta: dict) -> Path:
    """ONNX (input "features" (B, F), output "probs") with the clip metadata under CLIP_METADATA_KEY."""
    wrapped = nn.Sequential(model, nn.Softmax(dim=-1)).eval()
    tmp = path.with_name(path.name + ".partial")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, (torch.zeros(1, meta["feature_dim"]),), str(tmp), dynamo=False, opset_version=17,
                          input_names=["features"], output_names=["probs"],
                          dynamic_axes={"features": {0: "batch"}, "probs": {0: "batch"}})
    proto = onnx.load(str(tmp))
    entry = proto.metadata_props.add()
    entry.key, entry.value = CLIP_METADATA_KEY, json.dumps(meta)
    onnx.save(proto, str(tmp))
    os.replace(tmp, path)
    return path
