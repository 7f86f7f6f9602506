"""A dependency-free progress bar on stderr: one live bar with an ETA on a terminal, a line every few seconds elsewhere.

tqdm would do for the terminal, but into a file or pipe it writes its carriage-return updates as one long
line; a log wants a plain line now and then and a final summary, which is what this writes there.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
TTY_INTERVAL_S = 0.2  # redraws of the live bar
LOG_INTERVAL_S = 5.0  # lines written to a file or pipe


def progress(items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool = True,
             size: Callable[[T], int] | None = None) -> Iterator[T]:
    """Yield from items while reporting progress (count, rate and, with a total, percent and ETA) on stderr.

    `size` gives how many units an item stands for (the images of a batch), so that the count is in units.
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    tty = sys.stderr.isatty()
    interval = TTY_INTERVAL_S if tty else LOG_INTERVAL_S
    start = last = time.perf_counter()
    count = 0
    for item in items:
        count += size(item) if size else 1
        yield item
        now = time.perf_counter()
        if enabled and now - last >= interval:
            _draw(desc, count, total, now - start, tty)
            last = now
    if enabled and count:
        _draw(desc, count, total, time.perf_counter() - start, tty, done=True)


def _draw(desc: str, count: int, total: int | None, elapsed: float, tty: bool, done: bool = False) -> None:
    """Write one progress line to stderr (with done, the summary: count, time and rate); a terminal redraws it."""
    rate = count / elapsed if elapsed > 0 else 0.0
    if done:
        text = f"{desc} {count}{f'/{total}' if total else ''} done in {_clock(elapsed)} ({rate:.1f}/s)"
    elif total:
        width = 30
        filled = int(width * min(count / total, 1.0))
        eta = (total - count) / rate if rate > 0 else 0.0
        text = (f"{desc} [{'#' * filled}{'.' * (width - filled)}] {count}/{total} {100 * count / total:3.0f}% "
                f"{rate:.1f}/s ETA {_clock(eta)}")
    else:
        text = f"{desc} {count} {rate:.1f}/s"
    clear = "\x1b[K"  # erase what a longer earlier bar left on the line
    sys.stderr.write(f"\r{text}{clear}{chr(10) if done else ''}" if tty else f"{text}\n")
    sys.stderr.flush()


def _clock(seconds: float) -> str:
    """Seconds as m:ss or h:mm:ss."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
