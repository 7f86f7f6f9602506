"""Run folders and checkpoints: find, load and save them, and start a network from another run's weights."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from aegis.errors import AegisError
from aegis.io.files import atomic_path
from aegis.meta import ModelInfo
from aegis.models.registry import create_model


def checkpoint_path(source: str | Path, what: str = "") -> Path:
    """A run folder's best.pt, or the checkpoint file itself; AegisError when there is none."""
    path = Path(source) / "best.pt" if Path(source).is_dir() else Path(source)
    if not path.is_file():
        raise AegisError(f"{what}{source}: no checkpoint there (a run folder with best.pt, or a .pt file)")
    return path


def checkpoint_info(ckpt: dict) -> ModelInfo:
    """The ModelInfo a checkpoint records."""
    return ModelInfo(**{**ckpt["info"], "classes": tuple(ckpt["info"]["classes"]),
                        "input_size": tuple(ckpt["info"]["input_size"])})


def load_run(source: str | Path) -> tuple[nn.Module, ModelInfo, dict]:
    """A run's (or checkpoint's) network with its weights, on the CPU, its ModelInfo and the checkpoint."""
    ckpt = torch.load(checkpoint_path(source), map_location="cpu", weights_only=False)
    info = checkpoint_info(ckpt)
    model = create_model(info.name, num_classes=len(info.classes), frames=info.frames)
    model.load_state_dict(ckpt["model"])
    return model, info, ckpt


def init_from(model: nn.Module, source: str) -> tuple[int, int]:
    """Copy the tensors of a run (its best.pt) or checkpoint whose names and shapes match; (copied, total).

    A conv weight that differs only in its input channels, from one to t (a single-frame stem into a
    TimeConvNet's encoding layer), is inflated: the filter is spread evenly over the t frames, so a window
    of t equal frames gives exactly what the single-frame network gave for that frame.
    """
    weights = torch.load(checkpoint_path(source, "--init "), weights_only=False, map_location="cpu")["model"]
    own = model.state_dict()
    matched = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    matched |= {k: v.repeat(1, own[k].shape[1], 1, 1) / own[k].shape[1] for k, v in weights.items()
                if k in own and k not in matched and v.ndim == 4 and v.shape[1] == 1
                and own[k].shape[:1] + own[k].shape[2:] == v.shape[:1] + v.shape[2:]}
    if not any(v.ndim for v in matched.values()):  # counters such as num_batches_tracked fit anything
        raise AegisError(f"--init {source}: none of its tensors fits this network")
    model.load_state_dict(matched, strict=False)
    return len(matched), len(own)


def cpu_state(obj: object) -> object:
    """A copy of a (nested) state dict with every tensor on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: cpu_state(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [cpu_state(v) for v in obj]
    return obj


def save_checkpoint(obj: dict, path: Path) -> None:
    """torch.save to a temporary name, then rename, so a kill never leaves a half checkpoint."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
