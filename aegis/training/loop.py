"""The training loop: a run from a window store to log.csv, last.pt, best.pt and its result, resumable on any device."""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aegis.data.splits import kfold_indices, split_indices
from aegis.data.store import WindowStore, load_store
from aegis.errors import AegisError
from aegis.labels import class_names
from aegis.meta import ModelInfo
from aegis.models.registry import create_model, model_frames, model_spec
from aegis.progress import progress
from aegis.training.augment import augment, mixup, random_erase
from aegis.training.checkpoints import checkpoint_info, cpu_state, init_from, save_checkpoint
from aegis.training.conditions import degrade
from aegis.training.config import TrainConfig
from aegis.training.inputs import model_input, unit_crops
from aegis.training.scoring import batch_crops, evaluate_windows, report_windows, window_logits
from aegis.training.targets import label_array, scoring_labels, soft_targets

log = logging.getLogger(__name__)
PAPER_MILESTONES = ((81, 1e-1), (121, 1e-2), (161, 1e-3), (181, 0.5e-3))  # (epoch of 200, lr factor)


@dataclass(frozen=True)
class TrainResult:
    """What a run reached: its best validation accuracy and epoch, its split sizes and, with test subjects, the
    test accuracy of its best epoch."""

    best_val_acc: float
    best_epoch: int
    epochs: int
    train: int
    val: int
    test: int
    test_acc: float | None = None

    def to_json(self) -> dict:
        """The result as result.json holds it (no test_acc without test windows)."""
        data = asdict(self)
        return data if self.test_acc is not None else {k: v for k, v in data.items() if k != "test_acc"}


@dataclass(frozen=True)
class FoldsResult:
    """A k-fold run: the folds trained and each one's test accuracy, with their mean and standard deviation."""

    folds: int
    trained: list[int]
    test_acc: list[float]
    mean_test_acc: float
    std_test_acc: float

    def to_json(self) -> dict:
        """The result as folds.json holds it."""
        return asdict(self)


@dataclass
class RunData:
    """A run's windows, split, targets and model metadata."""

    store: WindowStore
    val_store: WindowStore
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    labels: np.ndarray
    val_labels: np.ndarray
    targets: np.ndarray
    info: ModelInfo


def lr_factor(epoch: int, epochs: int, schedule: str) -> float:
    """LR multiplier for a 0-based epoch: the paper's steps scaled to `epochs`, or a cosine decay."""
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * epoch / epochs))
    factor = 1.0
    for milestone, value in PAPER_MILESTONES:  # the share of training done, so that one epoch runs at the full lr
        if epoch / epochs >= (milestone - 1) / 200:
            factor = value
    return factor


def pick_device(name: str = "auto") -> torch.device:
    """`auto` is CUDA when torch sees a GPU, else the CPU; `cuda` without a GPU raises AegisError."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise AegisError("--device cuda: torch sees no CUDA GPU here")
    if name not in ("cpu", "cuda"):
        raise AegisError(f"--device takes auto, cpu or cuda, got {name!r}")
    return torch.device(name)


def train(cfg: TrainConfig, resume: bool = False, device: str = "auto") -> TrainResult:
    """Run training; returns the best validation result. Writes log.csv, last.pt and best.pt under cfg.out.

    The device changes speed, not the recipe: every random draw comes from CPU generators, and checkpoints
    hold CPU tensors, so a run started on a GPU resumes on a CPU and the other way round.
    """
    torch.set_num_threads(cfg.threads)
    dev = pick_device(device)
    torch.backends.cudnn.benchmark = dev.type == "cuda"  # fixed input sizes: let cuDNN pick its fastest kernels
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    data = prepare_run(cfg)
    model, optimizer, state = _start(cfg, data.info, out, resume, dev)
    if state["epoch"] == 0:
        (out / "log.csv").write_text("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n")
    for epoch in range(state["epoch"], cfg.epochs):
        state = _run_epoch(cfg, data, model, optimizer, state, epoch)
    return _finish(cfg, data, model, state, dev)


def prepare_run(cfg: TrainConfig) -> RunData:
    """Load the store, split it and build the targets and the ModelInfo of a run."""
    classes = class_names(cfg.contempt)
    store = load_store(cfg.data)
    train_idx, val_idx, test_idx, val_store = split_run(cfg, store)
    labels = label_array(store, classes)
    val_labels = scoring_labels(val_store, classes, cfg.votes, cfg.vote_weight)
    targets, voted = soft_targets(store, labels, classes, cfg.votes, cfg.vote_weight)
    if cfg.votes:
        own = int((val_labels[val_idx] == label_array(val_store, classes)[val_idx]).sum())
        log.info(f"votes: {voted} of {len(store)} windows have vote targets; validation scores against the class "
                 f"each target puts first: the votes' for {len(val_idx) - own} of {len(val_idx)} windows, the "
                 "window's own label for the rest (with a teacher's targets, that is agreement with the teacher)")
    info = ModelInfo(name=cfg.model, classes=classes, frames=model_frames(cfg.model, cfg.frames),
                     layout=model_spec(cfg.model).layout, crop=store.meta.get("margin", "bigfacex"),
                     training={"data": cfg.data, "val": cfg.val, "split": cfg.split, "seed": cfg.seed,
                               "votes": cfg.votes, "vote_weight": cfg.vote_weight if cfg.votes else None,
                               "init": cfg.init})
    return RunData(store, val_store, train_idx, val_idx, test_idx, labels, val_labels, targets, info)


def _start(cfg: TrainConfig, info: ModelInfo, out: Path, resume: bool,
           dev: torch.device) -> tuple[nn.Module, torch.optim.Optimizer, dict]:
    """The network, its optimizer and the run state: fresh, from --init, or resumed from last.pt."""
    _seed_all(cfg.seed)
    model = create_model(cfg.model, num_classes=len(info.classes), frames=info.frames).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = {"epoch": 0, "best_acc": -1.0, "best_epoch": -1}
    if resume and (out / "last.pt").is_file():
        ckpt = torch.load(out / "last.pt", weights_only=False, map_location=dev)
        if ckpt["config"] != asdict(cfg):
            raise AegisError(f"{out}/last.pt was made with another configuration; use a new --out or drop --resume")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        torch.set_rng_state(ckpt["rng"].cpu())
    elif (out / "last.pt").is_file():
        raise AegisError(f"{out} already holds a run; pass --resume to continue it or choose another --out")
    elif cfg.init:
        copied, total = init_from(model, cfg.init)
        log.info(f"initialised {copied} of {total} tensors from {cfg.init}")
    return model, optimizer, state


def _run_epoch(cfg: TrainConfig, data: RunData, model: nn.Module, optimizer: torch.optim.Optimizer, state: dict,
               epoch: int) -> dict:
    """Train one epoch, validate, log it and save last.pt (and best.pt when validation improved); the new state."""
    out = Path(cfg.out)
    lr = cfg.lr * lr_factor(epoch, cfg.epochs, cfg.schedule)
    for group in optimizer.param_groups:
        group["lr"] = lr
    start = time.perf_counter()
    generator = torch.Generator().manual_seed(cfg.seed * 10_000 + epoch)  # per epoch: resumes reproduce runs
    order = _epoch_order(data.train_idx, data.labels, cfg.balance, generator)
    train_loss, train_acc = train_epoch(model, optimizer, data.store.windows, data.targets, order, data.info,
                                        generator, cfg.batch, cfg.erase, cfg.mixup, cfg.label_smoothing,
                                        desc=f"epoch {epoch + 1}/{cfg.epochs}", conditions=cfg.conditions)
    val_loss, val_acc = evaluate_windows(model, data.val_store.windows, data.val_labels, data.val_idx, data.info)
    seconds = time.perf_counter() - start
    with (out / "log.csv").open("a") as f:
        f.write(f"{epoch + 1},{train_loss:.5f},{train_acc:.5f},{val_loss:.5f},{val_acc:.5f},{lr:.3g},{seconds:.1f}\n")
    state = {**state, "epoch": epoch + 1}
    ckpt = {"model": cpu_state(model.state_dict()), "optimizer": cpu_state(optimizer.state_dict()),
            "config": asdict(cfg), "info": asdict(data.info), "state": state, "rng": torch.get_rng_state()}
    if val_acc > state["best_acc"]:
        state.update(best_acc=val_acc, best_epoch=epoch + 1)
        ckpt["state"] = state
        save_checkpoint(ckpt, out / "best.pt")
    save_checkpoint(ckpt, out / "last.pt")
    log.info(f"epoch {epoch + 1}: loss {train_loss:.4f} acc {train_acc:.4f} | val loss {val_loss:.4f} "
             f"acc {val_acc:.4f} | lr {lr:.2g} | {seconds:.0f}s")
    return state


def _finish(cfg: TrainConfig, data: RunData, model: nn.Module, state: dict, dev: torch.device) -> TrainResult:
    """Score the best epoch on the test windows (if any) and write test_report.json and result.json."""
    out = Path(cfg.out)
    test_acc = None
    if len(data.test_idx):
        model.load_state_dict(torch.load(out / "best.pt", weights_only=False, map_location=dev)["model"])
        report = report_windows(model, data.store.windows, data.labels, data.test_idx, data.info)
        report["model"] = {"name": cfg.model, "run": str(out), "split": "folds" if cfg.folds else cfg.split}
        (out / "test_report.json").write_text(json.dumps(report, indent=2) + "\n")
        test_acc = report["accuracy"]
    result = TrainResult(state["best_acc"], state["best_epoch"], cfg.epochs, len(data.train_idx), len(data.val_idx),
                         len(data.test_idx), test_acc)
    (out / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


def validation_logits(model: nn.Module, ckpt: dict, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The (V, N, C) logits of a run's validation windows (V = 2 with their mirror images) and the labels the run
    is scored against (`scoring_labels`)."""
    cfg = TrainConfig(**{**ckpt["config"], "holdout": tuple(ckpt["config"]["holdout"])})
    info = checkpoint_info(ckpt)
    store = load_store(cfg.data)
    _, val_idx, _, val_store = split_run(cfg, store)
    if not len(val_idx):
        raise AegisError(f"{cfg.out}: the run has no validation windows to calibrate on")
    labels = scoring_labels(val_store, info.classes, cfg.votes, cfg.vote_weight)[np.sort(val_idx)]
    views = [window_logits(model, val_store.windows, np.sort(val_idx), info)]
    if flip:
        views.append(window_logits(model, np.ascontiguousarray(val_store.windows[np.sort(val_idx)][..., ::-1]),
                                   np.arange(len(val_idx)), info))
    return torch.stack(views).numpy(), labels


def train_folds(cfg: TrainConfig, folds: int, fold: int | None = None, resume: bool = False,
                device: str = "auto") -> FoldsResult:
    """Subject-independent k-fold: train fold `fold` (or every fold in turn) under cfg.out/fold{I}; mean ± std."""
    chosen = range(folds) if fold is None else [fold]
    accs = []
    for i in chosen:
        sub = TrainConfig(**{**asdict(cfg), "folds": folds, "fold": i, "out": str(Path(cfg.out) / f"fold{i}")})
        accs.append(train(sub, resume=resume, device=device).test_acc)
    summary = FoldsResult(folds, list(chosen), accs, float(np.mean(accs)), float(np.std(accs)))
    Path(cfg.out).mkdir(parents=True, exist_ok=True)
    (Path(cfg.out) / "folds.json").write_text(json.dumps(summary.to_json(), indent=2) + "\n")
    return summary


def fit_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
              steps: int, desc: str = "train") -> tuple[float, float]:
    """The one training loop of frame and clip models: a step toward (B, C) soft targets (a one-hot row is a hard
    label) for each (inputs, targets) batch; returns the mean loss and top-1 accuracy over the batches' items."""
    model.train()
    device = next(model.parameters()).device
    total_loss, correct = torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long)
    count = 0
    for x, target in progress(batches, total=steps, desc=desc):
        logits = model(x)
        loss = -(target * F.log_softmax(logits, dim=1)).sum(1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total_loss += loss.detach() * len(x)  # summed on the device: no sync per step
        correct += (logits.argmax(1) == target.argmax(1)).sum()
        count += len(x)
    return float(total_loss) / max(count, 1), float(correct) / max(count, 1)


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, windows: np.ndarray, targets: np.ndarray,
                order: np.ndarray, info: ModelInfo, generator: torch.Generator, batch: int = 64, erase: float = 0.0,
                mixup_alpha: float = 0.0, label_smoothing: float = 0.0, desc: str = "train",
                conditions: float = 0.0) -> tuple[float, float]:
    """One epoch of a frame model over `order`, each window augmented, toward (N, C) soft targets (`fit_epoch`)."""
    device = next(model.parameters()).device

    def batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i in range(0, len(order), batch):
            sel = np.sort(order[i:i + batch])
            x = augment(unit_crops(batch_crops(windows, sel, info.frames, device)), generator)
            if conditions > 0:
                x = degrade(x, conditions, generator)
            if erase > 0:
                x = random_erase(x, erase, generator)
            target = torch.from_numpy(targets[sel]).to(device)
            if mixup_alpha > 0:
                x, target = mixup(x, target, mixup_alpha, generator)
            yield model_input(x, info), (1 - label_smoothing) * target + label_smoothing / target.shape[1]

    return fit_epoch(model, optimizer, batches(), math.ceil(len(order) / batch), desc)


def split_run(cfg: TrainConfig, store: WindowStore) -> tuple[np.ndarray, np.ndarray, np.ndarray, WindowStore]:
    """Train, validation and test indices, and the store validation indexes (a separate --val store, if given)."""
    if cfg.val:
        val_store = load_store(cfg.val)
        return np.arange(len(store)), np.arange(len(val_store)), np.array([], int), val_store
    try:
        if cfg.folds:
            return (*kfold_indices(store.subjects, cfg.folds, cfg.fold, cfg.seed), store)
        val, test = cfg.holdout
        return (*split_indices(store.subjects, cfg.split, cfg.seed, (1 - val - test, val, test)), store)
    except ValueError as exc:
        raise AegisError(str(exc)) from exc


def _epoch_order(idx: np.ndarray, labels: np.ndarray, balance: bool, generator: torch.Generator) -> np.ndarray:
    """A shuffled epoch of indices; with balance, classes are drawn with equal probability."""
    if not balance:
        return idx[torch.randperm(len(idx), generator=generator).numpy()]
    counts = np.bincount(labels[idx], minlength=labels.max() + 1)
    weights = torch.from_numpy(1.0 / counts[labels[idx]])
    return idx[torch.multinomial(weights, len(idx), replacement=True, generator=generator).numpy()]


def _seed_all(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
