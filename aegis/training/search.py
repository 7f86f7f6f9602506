"""Machine-driven design exploration in the EmotionNet Nano space, done our way on a CPU.

Architectures are sampled (widths growing as maps shrink, depth per stage, long-range 1x1 links, kernel
size) under a parameter budget; each gets a short proxy training and a latency measurement on ONNX Runtime.
The hand-designed Nano-A and Nano-B go through the same proxy first, as references. Every candidate is
appended to candidates.csv as it finishes, so a killed search resumes; the Pareto front of accuracy
against parameters and latency goes to pareto.csv and pareto.png.
"""

from __future__ import annotations

import csv
import json
import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from aegis.data.splits import split_indices
from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.evaluation.bench import time_calls
from aegis.labels import CONTEMPT, class_names
from aegis.meta import ModelInfo
from aegis.models.emotionnet_nano import NANO_A, NANO_B, EmotionNetNano, NanoConfig
from aegis.models.stats import count_params
from aegis.runtime.onnx import OnnxModel
from aegis.training.config import SearchConfig
from aegis.training.export import export_onnx
from aegis.training.loop import lr_factor, train_epoch
from aegis.training.scoring import evaluate_windows
from aegis.training.targets import label_array

log = logging.getLogger(__name__)

MAX_PARAMS_INDICATOR = 1_000_000  # the seed's constraint: params <= 1M (and accuracy >= the target)
COLUMNS = ("candidate", "config", "params", "val_acc", "latency_ms", "feasible", "seconds")
REFERENCES = {"nano-a": "Nano-A", "nano-b": "Nano-B"}  # the paper's networks, trained first for comparison


@dataclass(frozen=True)
class SearchSummary:
    """A search run: how many candidates were tried, the Pareto front (accuracy against latency and size) and the
    reference networks' rows."""

    candidates: int
    front: list[dict]
    references: list[dict]

    def to_json(self) -> dict:
        """The summary as summary.json holds it."""
        return asdict(self)


def sample_nano(rng: np.random.Generator) -> NanoConfig:
    """A random Nano architecture: 3 stages of 2-4 convs whose widths grow within and across stages."""
    width = float(rng.choice([12, 16, 24, 32]))
    growth = float(rng.choice([1.25, 1.5, 2.0]))
    stages = []
    for _ in range(3):
        depth = int(rng.integers(2, 5))
        stages.append(tuple(int(8 * max(1, round(width * (1 + 0.3 * j / depth) / 8))) for j in range(depth)))
        width *= growth
    long_range = tuple(i for i in range(3) if rng.random() < 0.5)
    return NanoConfig(stem=int(rng.choice([8, 12, 16])), stages=tuple(stages), long_range=long_range,
                      kernel=int(rng.choice([3, 5])))


def is_feasible(params: int, acc: float, min_acc: float) -> bool:
    """The indicator function of the Nano search: params <= 1M and accuracy >= the target."""
    return params <= MAX_PARAMS_INDICATOR and acc >= min_acc


def pareto_front(rows: list[dict]) -> list[dict]:
    """Rows no other row beats on accuracy (higher), params and latency (lower) at once."""
    def dominates(a: dict, b: dict) -> bool:
        better_or_equal = (a["val_acc"] >= b["val_acc"] and a["params"] <= b["params"]
                           and a["latency_ms"] <= b["latency_ms"])
        strictly = a["val_acc"] > b["val_acc"] or a["params"] < b["params"] or a["latency_ms"] < b["latency_ms"]
        return better_or_equal and strictly

    return sorted((r for r in rows if not any(dominates(o, r) for o in rows)), key=lambda r: r["params"])


def run_search(cfg: SearchConfig) -> SearchSummary:
    """Explore until the time budget (or max_candidates) runs out; returns the front and the references."""
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    store = load_store(cfg.data)
    classes = class_names(CONTEMPT in store.labels)
    labels = label_array(store, classes)
    train_idx, val_idx, _ = split_indices(store.subjects, "subject", cfg.seed)
    if not len(train_idx) or not len(val_idx):
        raise AegisError(f"{cfg.data} has too few subjects for a train/validation split")
    path = out / "candidates.csv"
    rows = _read_rows(path)
    if not path.exists():
        path.write_text(",".join(COLUMNS) + "\n")
    names = [("nano-a", NANO_A), ("nano-b", NANO_B)]
    start = time.perf_counter()
    index = len(rows)
    while True:
        done = time.perf_counter() - start > cfg.budget_minutes * 60
        if done or (cfg.max_candidates is not None and index >= cfg.max_candidates + len(names)):
            break
        name, config = names[index] if index < len(names) else (f"c{index - len(names)}",
                                                                 sample_nano(np.random.default_rng([cfg.seed, index])))
        row = _evaluate_candidate(name, config, cfg, store.windows, labels, train_idx, val_idx, classes)
        with path.open("a", newline="") as f:
            csv.writer(f).writerow([row[c] for c in COLUMNS])
        rows.append(row)
        result = (f"val acc {row['val_acc']:.4f}, {row['latency_ms']:.3f} ms" if row["val_acc"] >= 0
                  else f"over the {cfg.max_params:,}-parameter budget, not trained")
        log.info(f"{name}: {row['params']:,} params, {result}")
        index += 1
    trained = [r for r in rows if r["val_acc"] >= 0]
    front = pareto_front(trained)
    with (out / "pareto.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(front)
    plot_front(trained, front, out / "pareto.png")
    summary = SearchSummary(len(rows), front, [r for r in rows if r["candidate"] in REFERENCES])
    (out / "summary.json").write_text(json.dumps(summary.to_json(), indent=2) + "\n")
    return summary


def _evaluate_candidate(name: str, config: NanoConfig, cfg: SearchConfig, windows: np.ndarray, labels: np.ndarray,
                        train_idx: np.ndarray, val_idx: np.ndarray, classes: tuple[str, ...]) -> dict:
    """Proxy-train one architecture and time it; over-budget ones are recorded untrained (val_acc -1)."""
    torch.manual_seed(cfg.seed)
    model = EmotionNetNano(config, num_classes=len(classes))
    params = count_params(model)
    row = {"candidate": name, "config": json.dumps(asdict(config)), "params": params, "val_acc": -1.0,
           "latency_ms": -1.0, "feasible": False, "seconds": 0.0}
    if params > cfg.max_params:
        return row
    start = time.perf_counter()
    info = ModelInfo(name=f"nano-search-{name}", classes=classes, frames=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    targets = np.eye(len(classes), dtype=np.float32)[labels]
    for epoch in range(cfg.proxy_epochs):
        for group in optimizer.param_groups:
            group["lr"] = 1e-3 * lr_factor(epoch, cfg.proxy_epochs, "cosine")
        generator = torch.Generator().manual_seed(cfg.seed * 10_000 + epoch)
        order = train_idx[torch.randperm(len(train_idx), generator=generator).numpy()]
        train_epoch(model, optimizer, windows, targets, order, info, generator, cfg.batch, desc=f"{name} {epoch + 1}")
    _, acc = evaluate_windows(model, windows, labels, val_idx, info)
    with tempfile.TemporaryDirectory() as tmp:
        runtime = OnnxModel(export_onnx(model, info, Path(tmp) / "m.onnx"), threads=1)
        x = np.zeros((1, 1, 48, 48), np.uint8)
        time_calls(lambda: runtime(x), 10)  # warm-up
        times = time_calls(lambda: runtime(x), 100)
    row.update(val_acc=round(acc, 4), latency_ms=round(float(np.median(times)), 4),
               feasible=is_feasible(params, acc, cfg.min_acc), seconds=round(time.perf_counter() - start, 1))
    return row


def _read_rows(path: Path) -> list[dict]:
    """Candidates already in candidates.csv (a resumed search)."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [{**r, "params": int(r["params"]), "val_acc": float(r["val_acc"]), "latency_ms": float(r["latency_ms"]),
                 "feasible": r["feasible"] == "True", "seconds": float(r["seconds"])} for r in csv.DictReader(f)]


def plot_front(rows: list[dict], front: list[dict], path: Path, size: tuple[int, int] = (640, 420)) -> Path:
    """Accuracy against parameters: every candidate grey, the front red, Nano-A/B references as blue squares."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    left, top, right, bottom = 60, 30, w - 20, h - 50
    cv2.rectangle(img, (left, top), (right, bottom), (180, 180, 180), 1)
    max_params = max((r["params"] for r in rows), default=1)
    accs = [r["val_acc"] for r in rows] or [0.0]
    lo, hi = min(accs), max(max(accs), min(accs) + 1e-3)

    def point(r: dict) -> tuple[int, int]:
        x = left + r["params"] / max_params * (right - left)
        y = bottom - (r["val_acc"] - lo) / (hi - lo) * (bottom - top)
        return int(x), int(y)

    references = [r for r in rows if r["candidate"] in REFERENCES]
    for r in rows:
        if r not in references:
            cv2.circle(img, point(r), 4, (160, 160, 160), -1, cv2.LINE_AA)
    pts = [point(r) for r in front]
    for a, b in zip(pts[:-1], pts[1:], strict=False):
        cv2.line(img, a, b, (40, 40, 220), 1, cv2.LINE_AA)
    for p in pts:
        cv2.circle(img, p, 5, (40, 40, 220), -1, cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for r in references:  # last, so that a reference on the front still shows
        x, y = point(r)
        cv2.rectangle(img, (x - 6, y - 6), (x + 6, y + 6), (200, 90, 30), 2)
        cv2.putText(img, REFERENCES[r["candidate"]], (x + 9, y - 6), font, 0.4, (200, 90, 30), 1, cv2.LINE_AA)
    cv2.putText(img, f"validation accuracy {lo:.3f}..{hi:.3f} (y) against params 0..{max_params:,} (x)", (left, 20),
                font, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    legend = "grey: candidates  red: Pareto front" + ("  blue squares: references" if references else "")
    cv2.putText(img, legend, (left, h - 20), font, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img)
    return path
