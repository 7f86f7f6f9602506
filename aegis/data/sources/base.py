"""What every dataset adapter returns (`Video`, `SourceReport`) and the adapter registry (a leaf: the adapters in
aegis.data.sources register into it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import read_image
from aegis.errors import AegisError
from aegis.io.readers import open_source


@dataclass(frozen=True)
class Video:
    """One labelled clip: a video file, or its frame images in order."""

    video_id: str
    subject: str
    label: str
    frames: Path | tuple[Path, ...]


@dataclass
class SourceReport:
    """What an adapter found but could not use."""

    unknown_labels: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)


Adapter = Callable[[Path, bool], tuple[list[Video], SourceReport]]
_ADAPTERS: dict[str, tuple[Adapter, int, int]] = {}


def register_source(name: str, stride: int = 1, skip: int = 0) -> Callable[[Adapter], Adapter]:
    """Register an adapter with its BigFaceX defaults: window stride and frames skipped at the start."""

    def wrap(adapter: Adapter) -> Adapter:
        if name in _ADAPTERS:
            raise ValueError(f"source {name!r} is already registered")
        _ADAPTERS[name] = (adapter, stride, skip)
        return adapter

    return wrap


def list_sources() -> list[str]:
    """Names of the registered adapters."""
    return sorted(_ADAPTERS)


def source_defaults(kind: str) -> tuple[int, int]:
    """(stride, skip) that the BigFaceX recipe uses for a source."""
    return _ADAPTERS[kind][1:]


def scan_source(kind: str, path: str | Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """The labelled videos of a dataset folder; an unknown kind or a missing folder is an AegisError."""
    if kind not in _ADAPTERS:
        raise AegisError(f"unknown source {kind!r}; known sources: {', '.join(sorted(_ADAPTERS))}")
    path = Path(path)
    if not path.is_dir():
        raise AegisError(f"no such folder: {path}")
    return _ADAPTERS[kind][0](path, contempt)


def read_frames(video: Video) -> Iterator[np.ndarray]:
    """The clip's frames as BGR uint8; unreadable frame images are yielded as None."""
    if isinstance(video.frames, Path):
        yield from open_source(video.frames)
        return
    for path in video.frames:
        yield read_image(path, cv2.IMREAD_COLOR)
