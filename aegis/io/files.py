"""File writes that never leave a half file under the final name, and content digests of files."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def partial_name(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed to `path` (name.partial.ext)."""
    return path.with_name(f"{path.stem}.partial{path.suffix}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; renamed to `path` on success, deleted on an error."""
    path = Path(path)
    tmp = partial_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping | Sequence]) -> Path:
    """Write a header and rows (dicts keyed by column, or sequences in column order) atomically."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8", errors="surrogateescape") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] if isinstance(row, Mapping) else row for row in rows)
    return Path(path)


def files_digest(paths: Iterable[str | Path], extra: bytes = b"") -> str:
    """SHA-256 (hex) of the files' bytes in order, each followed by a NUL, then `extra`."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    digest.update(extra)
    return digest.hexdigest()
