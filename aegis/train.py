"""Train a registered network on a window store: Adam, paper or cosine schedule, resumable, seeded."""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aegis.conditions import degrade
from aegis.data.store import WindowStore, load_store
from aegis.data.votes import load_votes
from aegis.errors import AegisError
from aegis.io import atomic_path
from aegis.labels import class_names
from aegis.meta import ModelInfo
from aegis.metrics import classification_report, confusion_matrix
from aegis.models.inputs import model_input, pixel_input, unit_crops
from aegis.models.registry import create_model, model_frames, model_spec
from aegis.progress import progress
from aegis.splits import kfold_indices, split_indices

SCHEDULES = ("paper", "cosine")
PAPER_MILESTONES = ((81, 1e-1), (121, 1e-2), (161, 1e-3), (181, 0.5e-3))  # (epoch of 200, lr factor)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved in every checkpoint.

    `votes` is a FER+-style votes CSV, or a teacher's probabilities from `aegis distill` (distillation):
    windows whose image (the store's `video` column, a file stem) has emotion votes train toward
    `vote_weight` x the vote shares + (1 - vote_weight) x their own label (the FER+ paper's cross-entropy
    mode at 1.0); the others toward their label alone. `label_smoothing` mixes
    every target with the uniform distribution. `conditions` is the chance that a window is seen under one
    webcam or film condition (`aegis.conditions`: low light, low contrast, blur, JPEG, a small face, a hand,
    glasses or a turned head). `erase` is the chance of random erasing per window and
    `mixup` the Beta(alpha, alpha) parameter of mixup (0: off). `holdout` is the (val, test) share of
    subjects when no --val store is given. `init` starts the network from another run's weights (its folder
    or a checkpoint): every tensor whose name and shape match is copied, the rest (e.g. the classifier of a
    run with other classes) starts fresh.
    """

    model: str
    data: str
    out: str
    val: str | None = None
    epochs: int = 200
    batch: int = 64
    lr: float = 1e-3
    schedule: str = "paper"
    split: str = "subject"
    balance: bool = False
    contempt: bool = False
    frames: int = 5
    seed: int = 0
    threads: int = 2
    votes: str | None = None
    vote_weight: float = 1.0
    label_smoothing: float = 0.0
    erase: float = 0.0
    conditions: float = 0.0
    mixup: float = 0.0
    holdout: tuple[float, float] = (0.1, 0.2)
    folds: int = 0
    fold: int = 0
    init: str | None = None

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise AegisError(f"schedule {self.schedule!r} is not one of {SCHEDULES}")
        if self.epochs < 1 or self.batch < 1:
            raise AegisError(f"epochs and batch must be >= 1, got {self.epochs} and {self.batch}")
        if not (0 <= self.vote_weight <= 1 and 0 <= self.label_smoothing < 1 and 0 <= self.erase <= 1
                and 0 <= self.conditions <= 1 and self.mixup >= 0):
            raise AegisError("need 0 <= vote_weight <= 1, 0 <= label_smoothing < 1, 0 <= erase <= 1, "
                             "0 <= conditions <= 1 and mixup >= 0")
        if len(self.holdout) != 2 or min(self.holdout) < 0 or sum(self.holdout) >= 1:
            raise AegisError(f"holdout takes a val and a test share that sum to under 1, got {self.holdout}")
        try:
            model_spec(self.model)
        except ValueError as exc:
            raise AegisError(str(exc)) from exc


def lr_factor(epoch: int, epochs: int, schedule: str) -> float:
    """LR multiplier for a 0-based epoch: the paper's steps scaled to `epochs`, or a cosine decay."""
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * epoch / epochs))
    factor = 1.0
    for milestone, value in PAPER_MILESTONES:  # the share of training done, so that one epoch runs at the full lr
        if epoch / epochs >= (milestone - 1) / 200:
            factor = value
    return factor


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation (10 deg), shifts (10%), zoom (10%) and h-flip, one transform per window for all t frames.

    Args:
        x: (B, t, H, W) windows in 0..1; the t frames are channels, so one affine grid moves them together.
        generator: a CPU generator: the draws are the same whichever device x is on.
    """
    b = x.shape[0]
    angle = (torch.rand(b, generator=generator) * 2 - 1) * math.radians(10)
    zoom = 1 + (torch.rand(b, generator=generator) * 2 - 1) * 0.1
    shift = (torch.rand(b, 2, generator=generator) * 2 - 1) * 0.2  # grid units: 0.2 = 10% of the side
    flip = torch.where(torch.rand(b, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1).to(x.device)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def random_erase(x: torch.Tensor, p: float, generator: torch.Generator) -> torch.Tensor:
    """Fill one random rectangle (2-25% of the area, aspect 0.3-3.3) of each window with noise, with chance p.

    The rectangle is the same in all t frames of a window, as if something covered the face.
    """
    b, _, h, w = x.shape
    area = (torch.rand(b, generator=generator) * 0.23 + 0.02) * h * w
    aspect = torch.exp((torch.rand(b, generator=generator) * 2 - 1) * math.log(3.3))
    eh = (area * aspect).sqrt().clamp(1, h).long()
    ew = (area / aspect).sqrt().clamp(1, w).long()
    top = (torch.rand(b, generator=generator) * (h - eh + 1)).long()
    left = (torch.rand(b, generator=generator) * (w - ew + 1)).long()
    rows, cols = torch.arange(h), torch.arange(w)
    mask = (((rows[None] >= top[:, None]) & (rows[None] < (top + eh)[:, None]))[:, :, None]
            & ((cols[None] >= left[:, None]) & (cols[None] < (left + ew)[:, None]))[:, None, :])
    mask &= (torch.rand(b, generator=generator) < p)[:, None, None]
    noise = torch.rand(b, 1, h, w, generator=generator).expand_as(x)
    return torch.where(mask[:, None].to(x.device), noise.to(x.device), x)


def mixup(x: torch.Tensor, target: torch.Tensor, alpha: float,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix each window and its target with another of the batch by one Beta(alpha, alpha) weight."""
    lam = float(torch.distributions.Beta(alpha, alpha).sample()) if alpha > 0 else 1.0
    lam = max(lam, 1 - lam)  # the window keeps the larger share, so its own label stays on top
    perm = torch.randperm(len(x), generator=generator).to(x.device)
    return lam * x + (1 - lam) * x[perm], lam * target + (1 - lam) * target[perm]


def soft_targets(store: WindowStore, labels: np.ndarray, classes: tuple[str, ...], votes: str | None,
                 vote_weight: float, require_match: bool = True) -> tuple[np.ndarray, int]:
    """(N, C) targets: one-hot labels mixed with the image's vote shares where it has votes; (targets, voted).
    With `require_match`, votes that match no image of the store are an error."""
    targets = np.eye(len(classes), dtype=np.float32)[labels]
    if not votes:
        return targets, 0
    table = load_votes(votes)
    voted = 0
    for i, stem in enumerate(store.videos):
        shares = table.soft_target(stem, classes)
        if shares is not None:
            targets[i] = (1 - vote_weight) * targets[i] + vote_weight * shares
            voted += 1
    if not voted and require_match:
        raise AegisError(f"--votes {votes}: no row matches an image of the store (rows are matched by file stem)")
    return targets, voted


def scoring_labels(store: WindowStore, classes: tuple[str, ...], votes: str | None, vote_weight: float
                   ) -> np.ndarray:
    """The class each window's training target puts first, which validation and calibration score against: its
    own label, unless the votes give another class strictly more (a FER+-trained run is judged by FER+)."""
    labels = _label_array(store, classes)
    targets, _ = soft_targets(store, labels, classes, votes, vote_weight, require_match=False)
    rows = np.arange(len(labels))
    top = targets.argmax(1)
    return np.where(targets[rows, top] > targets[rows, labels], top, labels)


def pick_device(name: str = "auto") -> torch.device:
    """`auto` is CUDA when torch sees a GPU, else the CPU; `cuda` without a GPU raises AegisError."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise AegisError("--device cuda: torch sees no CUDA GPU here")
    if name not in ("cpu", "cuda"):
        raise AegisError(f"--device takes auto, cpu or cuda, got {name!r}")
    return torch.device(name)


def train(cfg: TrainConfig, resume: bool = False, device: str = "auto") -> dict:
    """Run training; returns the best validation result. Writes log.csv, last.pt and best.pt under cfg.out.

    The device changes speed, not the recipe: every random draw comes from CPU generators, and checkpoints
    hold CPU tensors, so a run started on a GPU resumes on a CPU and the other way round.
    """
    torch.set_num_threads(cfg.threads)
    dev = pick_device(device)
    torch.backends.cudnn.benchmark = dev.type == "cuda"  # fixed input sizes: let cuDNN pick its fastest kernels
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    classes = class_names(cfg.contempt)
    store = load_store(cfg.data)
    train_idx, val_idx, test_idx, val_store = _split(cfg, store)
    labels = _label_array(store, classes)
    val_labels = scoring_labels(val_store, classes, cfg.votes, cfg.vote_weight)
    targets, voted = soft_targets(store, labels, classes, cfg.votes, cfg.vote_weight)
    if cfg.votes:
        own = int((val_labels[val_idx] == _label_array(val_store, classes)[val_idx]).sum())
        print(f"votes: {voted} of {len(store)} windows have vote targets; validation scores against the class "
              f"each target puts first: the votes' for {len(val_idx) - own} of {len(val_idx)} windows, the window's "
              "own label for the rest (with a teacher's targets, that is agreement with the teacher)", flush=True)
    info = ModelInfo(name=cfg.model, classes=classes, frames=model_frames(cfg.model, cfg.frames),
                     layout=model_spec(cfg.model).layout, crop=store.meta.get("margin", "bigfacex"),
                     training={"data": cfg.data, "val": cfg.val, "split": cfg.split, "seed": cfg.seed,
                               "votes": cfg.votes, "vote_weight": cfg.vote_weight if cfg.votes else None,
                               "init": cfg.init})
    _seed_all(cfg.seed)
    model = create_model(cfg.model, num_classes=len(classes), frames=info.frames).to(dev)
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
        print(f"initialised {copied} of {total} tensors from {cfg.init}", flush=True)
    log_path = out / "log.csv"
    if state["epoch"] == 0:
        log_path.write_text("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n")
    for epoch in range(state["epoch"], cfg.epochs):
        lr = cfg.lr * lr_factor(epoch, cfg.epochs, cfg.schedule)
        for group in optimizer.param_groups:
            group["lr"] = lr
        start = time.perf_counter()
        generator = torch.Generator().manual_seed(cfg.seed * 10_000 + epoch)  # per epoch: resumes reproduce runs
        order = _epoch_order(train_idx, labels, cfg.balance, generator)
        train_loss, train_acc = train_epoch(model, optimizer, store.windows, targets, order, info, generator,
                                            cfg.batch, cfg.erase, cfg.mixup, cfg.label_smoothing,
                                            desc=f"epoch {epoch + 1}/{cfg.epochs}", conditions=cfg.conditions)
        val_loss, val_acc = evaluate_windows(model, val_store.windows, val_labels, val_idx, info)
        seconds = time.perf_counter() - start
        with log_path.open("a") as f:
            f.write(f"{epoch + 1},{train_loss:.5f},{train_acc:.5f},{val_loss:.5f},{val_acc:.5f},{lr:.3g},"
                    f"{seconds:.1f}\n")
        state = {**state, "epoch": epoch + 1}
        ckpt = {"model": _cpu(model.state_dict()), "optimizer": _cpu(optimizer.state_dict()), "config": asdict(cfg),
                "info": asdict(info), "state": state, "rng": torch.get_rng_state()}
        if val_acc > state["best_acc"]:
            state.update(best_acc=val_acc, best_epoch=epoch + 1)
            ckpt["state"] = state
            _save(ckpt, out / "best.pt")
        _save(ckpt, out / "last.pt")
        print(f"epoch {epoch + 1}: loss {train_loss:.4f} acc {train_acc:.4f} | val loss {val_loss:.4f} "
              f"acc {val_acc:.4f} | lr {lr:.2g} | {seconds:.0f}s", flush=True)
    result = {"best_val_acc": state["best_acc"], "best_epoch": state["best_epoch"], "epochs": cfg.epochs,
              "train": len(train_idx), "val": len(val_idx), "test": len(test_idx)}
    if len(test_idx):
        model.load_state_dict(torch.load(out / "best.pt", weights_only=False, map_location=dev)["model"])
        report = report_windows(model, store.windows, labels, test_idx, info)
        report["model"] = {"name": cfg.model, "run": str(out), "split": "folds" if cfg.folds else cfg.split}
        (out / "test_report.json").write_text(json.dumps(report, indent=2) + "\n")
        result["test_acc"] = report["accuracy"]
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def validation_logits(model: nn.Module, ckpt: dict, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The (V, N, C) logits of a run's validation windows (V = 2 with their mirror images) and the labels the run
    is scored against (`scoring_labels`)."""
    cfg = TrainConfig(**{**ckpt["config"], "holdout": tuple(ckpt["config"]["holdout"])})
    info = checkpoint_info(ckpt)
    store = load_store(cfg.data)
    _, val_idx, _, val_store = _split(cfg, store)
    if not len(val_idx):
        raise AegisError(f"{cfg.out}: the run has no validation windows to calibrate on")
    labels = scoring_labels(val_store, info.classes, cfg.votes, cfg.vote_weight)[np.sort(val_idx)]
    views = [window_logits(model, val_store.windows, np.sort(val_idx), info)]
    if flip:
        views.append(window_logits(model, np.ascontiguousarray(val_store.windows[np.sort(val_idx)][..., ::-1]),
                                   np.arange(len(val_idx)), info))
    return torch.stack(views).numpy(), labels


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


@torch.no_grad()
def window_logits(model: nn.Module, windows: np.ndarray, idx: np.ndarray, info: ModelInfo,
                  batch: int = 256) -> torch.Tensor:
    """(len(idx), C) CPU logits of the model (on whichever device it is) for windows[idx], in the order of idx."""
    model.eval()
    device = next(model.parameters()).device
    out = [model(pixel_input(_batch(windows, idx[i:i + batch], info.frames, device), info)).float().cpu()
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


def train_folds(cfg: TrainConfig, folds: int, fold: int | None = None, resume: bool = False,
                device: str = "auto") -> dict:
    """Subject-independent k-fold: train fold `fold` (or every fold in turn) under cfg.out/fold{I}; mean ± std."""
    chosen = range(folds) if fold is None else [fold]
    results = []
    for i in chosen:
        sub = TrainConfig(**{**asdict(cfg), "folds": folds, "fold": i, "out": str(Path(cfg.out) / f"fold{i}")})
        results.append(train(sub, resume=resume, device=device))
    accs = np.array([r["test_acc"] for r in results])
    summary = {"folds": folds, "trained": list(chosen), "test_acc": accs.tolist(),
               "mean_test_acc": float(accs.mean()), "std_test_acc": float(accs.std())}
    Path(cfg.out).mkdir(parents=True, exist_ok=True)
    (Path(cfg.out) / "folds.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, windows: np.ndarray, targets: np.ndarray,
                order: np.ndarray, info: ModelInfo, generator: torch.Generator, batch: int = 64, erase: float = 0.0,
                mixup_alpha: float = 0.0, label_smoothing: float = 0.0, desc: str = "train",
                conditions: float = 0.0) -> tuple[float, float]:
    """One pass over `order` with augmentation toward (N, C) soft targets; returns mean loss and top-1 accuracy."""
    model.train()
    device = next(model.parameters()).device
    total_loss, correct = torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long)
    for i in progress(range(0, len(order), batch), desc=desc):
        sel = np.sort(order[i:i + batch])
        x = augment(unit_crops(_batch(windows, sel, info.frames, device)), generator)
        if conditions > 0:
            x = degrade(x, conditions, generator)
        if erase > 0:
            x = random_erase(x, erase, generator)
        target = torch.from_numpy(targets[sel]).to(device)
        if mixup_alpha > 0:
            x, target = mixup(x, target, mixup_alpha, generator)
        target = (1 - label_smoothing) * target + label_smoothing / target.shape[1]
        logits = model(model_input(x, info))
        loss = -(target * F.log_softmax(logits, dim=1)).sum(1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total_loss += loss.detach() * len(sel)  # summed on the device: no sync per step
        correct += (logits.argmax(1) == target.argmax(1)).sum()
    return float(total_loss) / len(order), float(correct) / len(order)


def _split(cfg: TrainConfig, store: WindowStore) -> tuple[np.ndarray, np.ndarray, np.ndarray, WindowStore]:
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


def _label_array(store: WindowStore, classes: tuple[str, ...]) -> np.ndarray:
    """Class indices of a store's windows; a label outside `classes` raises AegisError."""
    lookup = {c: i for i, c in enumerate(classes)}
    missing = sorted(set(store.labels) - set(lookup))
    if missing:
        raise AegisError(f"labels {missing} are not among the classes {classes} (contempt needs --contempt)")
    return np.array([lookup[label] for label in store.labels], dtype=np.int64)


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


def _batch(windows: np.ndarray, sel: np.ndarray, frames: int, device: torch.device) -> torch.Tensor:
    """windows[sel]'s last `frames` uint8 crops on `device` (the only frames the model reads)."""
    return torch.from_numpy(np.asarray(windows[sel, -frames:])).to(device, non_blocking=True)


def _cpu(obj: object) -> object:
    """A copy of a (nested) state dict with every tensor on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cpu(v) for v in obj]
    return obj


def _save(obj: dict, path: Path) -> None:
    """torch.save to a temporary name, then rename, so a kill never leaves a half checkpoint."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def config_from_args(values: dict) -> TrainConfig:
    """A TrainConfig from parsed CLI values, ignoring keys that are not config fields."""
    names = {f.name for f in fields(TrainConfig)}
    chosen = {k: v for k, v in values.items() if k in names and v is not None}
    if "holdout" in chosen:
        chosen["holdout"] = tuple(chosen["holdout"])
    return TrainConfig(**chosen)
