"""Throttles what native libraries write to stderr: libjpeg prints a line for every corrupt JPEG a client sends."""

from __future__ import annotations

import os
import re
import sys
import threading
import time

REPEAT_WINDOW_S = 10.0


class StderrThrottle:
    """Passes each kind of stderr line once per window, then one count of the repeats it held back.

    Lines are of one kind when they are equal but for their digits. It works on file descriptor 2, so it
    covers C libraries as well as Python; start it once, in the process that serves.
    """

    def __init__(self, window_s: float = REPEAT_WINDOW_S) -> None:
        self.window_s = window_s
        self.held: dict[str, tuple[float, int]] = {}  # kind -> (when it was last passed, repeats held since)
        self._out = -1

    def start(self) -> None:
        """Route fd 2 through a pipe read by a daemon thread that writes to the real stderr."""
        sys.stderr.flush()
        self._out = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        threading.Thread(target=self._pump, args=(read,), daemon=True, name="stderr-throttle").start()

    def filter(self, line: str, now: float) -> list[str]:
        """The lines to write for one line read at `now`."""
        kind = re.sub(r"\d+", "#", line)
        last, held = self.held.get(kind, (-self.window_s, 0))
        if now - last < self.window_s:
            self.held[kind] = (last, held + 1)
            return []
        self.held[kind] = (now, 0)
        note = [f"aegis: note: the line below came {held} more times in the last {self.window_s:g} s\n"] if held else []
        return [*note, line]

    def _pump(self, read: int) -> None:
        """Copy lines from the pipe to the real stderr, filtered."""
        with os.fdopen(read, "r", encoding="utf-8", errors="replace") as pipe:
            for line in pipe:
                for text in self.filter(line, time.monotonic()):
                    os.write(self._out, text.encode())
