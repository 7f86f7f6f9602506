"""Window store on disk: windows.npy (uint8, N x t x H x W), index.csv and meta.json."""

from __future__ import annotations

import csv
import hashlib
import json
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aegis.errors import AegisError
from aegis.io.files import atomic_path, write_csv, write_text

INDEX_COLUMNS = ("label", "subject", "source", "video", "end_frame", "stride")


@dataclass(frozen=True)
class WindowStore:
    """A loaded window store: memory-mapped windows plus one index row per window."""

    windows: np.ndarray
    labels: list[str]
    subjects: list[str]
    videos: list[str]
    sources: list[str]
    meta: dict

    def __len__(self) -> int:
        return len(self.labels)


def write_store(out: str | Path, windows: np.ndarray, rows: list[dict], meta: dict) -> Path:
    """Write a store atomically: every file goes to a temporary name first, meta.json is renamed last."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if windows.dtype != np.uint8 or windows.ndim != 4 or len(windows) != len(rows):
        raise ValueError(f"windows must be uint8 (N, t, H, W) with one row each, got {windows.dtype} {windows.shape}")
    (out / "meta.json").unlink(missing_ok=True)
    with atomic_path(out / "windows.npy") as tmp:
        np.save(tmp, windows)
    write_csv(out / "index.csv", INDEX_COLUMNS, rows)
    meta = {**meta, "count": len(rows), "window": list(windows.shape[1:]), "sha256": _digest(windows)}
    write_text(out / "meta.json", json.dumps(meta, indent=2) + "\n")
    return out


def load_store(path: str | Path) -> WindowStore:
    """Open a store; windows are memory-mapped. A store without meta.json is incomplete and refused."""
    path = Path(path)
    if not (path / "meta.json").is_file():
        raise AegisError(f"{path} is not a complete window store (no meta.json); build it with `aegis data build`")
    try:
        windows = np.load(path / "windows.npy", mmap_mode="r")
        with (path / "index.csv").open(newline="", encoding="utf-8", errors="surrogateescape") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).split(". ")[0]
        raise AegisError(f"{path} is not a readable window store ({reason}); "
                         "build it again with `aegis data build`") from exc
    missing = [c for c in ("label", "subject", "video", "source") if c not in (reader.fieldnames or [])]
    if windows.dtype != np.uint8 or windows.ndim != 4 or missing or not isinstance(meta, dict):
        raise AegisError(f"{path} is not a window store: windows.npy holds {windows.dtype} {windows.shape} (want "
                         f"uint8 N x t x H x W), index.csv lacks {missing or 'nothing'}; build it again")
    if len(rows) != len(windows):
        raise AegisError(f"{path}: index.csv has {len(rows)} rows but windows.npy holds {len(windows)} windows")
    return WindowStore(
        windows=windows,
        labels=[r["label"] for r in rows],
        subjects=[r["subject"] for r in rows],
        videos=[r["video"] for r in rows],
        sources=[r["source"] for r in rows],
        meta=meta,
    )


def store_summary(path: str | Path) -> str:
    """A table of a store's windows per class and per source, and what its build skipped."""
    store = load_store(path)
    origin = "images" if store.meta.get("recipe") == "still" else "videos"
    lines = [f"{len(store)} windows of {store.windows.shape[1]} frames from {len(set(store.videos))} {origin}"
             + (f" ({store.meta['frames_without_face']} frames without a face)" if "frames_without_face" in store.meta
                else "")]
    for title, values in (("class", store.labels), ("source", store.sources)):
        lines += [f"  {title} {name:<12} {count:>7}" for name, count in sorted(Counter(values).items())]
    skipped = len(store.meta.get("skipped_videos", [])) + len(store.meta.get("skipped", []))
    if skipped or store.meta.get("unknown_labels"):
        lines.append(f"skipped: {skipped} videos or files, unknown labels {store.meta.get('unknown_labels', {})} "
                     f"(details in {Path(path) / 'meta.json'})")
    return "\n".join(lines)


def _digest(windows: np.ndarray) -> str:
    """SHA-256 of the window bytes, recorded as the store's content hash."""
    h = hashlib.sha256()
    for chunk in windows:
        h.update(np.ascontiguousarray(chunk).tobytes())
    return h.hexdigest()
