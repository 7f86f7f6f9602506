"""A dependency-free progress bar on stderr: redrawn in place on a terminal, every 10% otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool = True) -> Iterator[T]:
    """Yield from items while drawing a progress bar (count, rate and, with a total, percent)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    tty = sys.stderr.isatty()
    start = last = time.perf_counter()
    next_decile = 0.1
    count = drawn = 0
    for count, item in enumerate(items, 1):
        yield item
        now = time.perf_counter()
        if not enabled:
            continue
        if tty and now - last >= 0.2:
            _draw(desc, count, total, now - start, end="\r")
            last = now
        elif not tty and total and count / total >= next_decile:
            _draw(desc, count, total, now - start, end="\n")
            next_decile, drawn = (int(count / total * 10) + 1) / 10, count
    if enabled and (tty or drawn != count):
        _draw(desc, count, total, time.perf_counter() - start, end="\n")


def _draw(desc: str, count: int, total: int | None, elapsed: float, end: str) -> None:
    """Write one progress line to stderr."""
    rate = count / elapsed if elapsed > 0 else 0.0
    if total:
        width = 30
        filled = int(width * min(count / total, 1.0))
        bar = "#" * filled + "." * (width - filled)
        text = f"{desc} [{bar}] {count}/{total} {100 * count / total:3.0f}% {rate:.1f}/s"
    else:
        text = f"{desc} {count} {rate:.1f}/s"
    sys.stderr.write(text + end)
    sys.stderr.flush()
