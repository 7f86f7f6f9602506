"""A torch network scored on stored windows: logits, loss and accuracy, and the full report, in batches."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aegis.evaluation.metrics import classification_report, confusion_matrix
from aegis.meta import ModelInfo
from aegis.training.inputs import pixel_input


@torch.no_grad()
def window_logits(model: nn.Module, windows: np.ndarray, idx: np.ndarray, info: ModelInfo,
                  batch: int = 256) -> torch.Tensor:
    """(len(idx), C) CPU logits of the model (on whichever device it is) for windows[idx], in the order of idx."""
    model.eval()
    device = next(model.parameters()).device
    out = [model(pixel_input(batch_crops(windows, idx[i:i + batch], info.frames, device), info)).float().cpu()
           for i in range(0, len(idx), batch)]
    return torch.cat(out) if out else torch.empty(0, len(info.classes))


def evaluate_windows(model: nn.Module, windows: np.ndarray, labels: np.ndarray, idx: np.ndarray,
                     info: ModelInfo) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of the model over windows[idx]."""
    if not len(idx):
        return 0.0, 0.0
    idx = np.sort(idx)
    logits, y = window_logits(model, windows, idx, info), torch.from_numpy(labels[idx])
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def report_windows(model: nn.Module, windows: np.ndarray, labels: np.ndarray, idx: np.ndarray,
                   info: ModelInfo) -> dict:
    """The full classification report of the model over windows[idx]."""
    idx = np.sort(idx)
    preds = window_logits(model, windows, idx, info).argmax(1).numpy()
    return classification_report(confusion_matrix(labels[idx], preds, len(info.classes)), info.classes)


def batch_crops(windows: np.ndarray, sel: np.ndarray, frames: int, device: torch.device) -> torch.Tensor:
    """windows[sel]'s last `frames` uint8 crops on `device` (the only frames the model reads)."""
    return torch.from_numpy(np.asarray(windows[sel, -frames:])).to(device, non_blocking=True)
