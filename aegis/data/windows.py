"""Window functions: the one code path from face crops to t-frame model inputs, offline and live."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np


def sliding_windows(n: int, length: int, stride: int = 1, skip: int = 0) -> list[tuple[int, int]]:
    """Index ranges [start, end) of the full windows over n frames.

    Args:
        n: number of frames.
        length: window length t.
        stride: step between window starts.
        skip: frames dropped at the start (e.g. the neutral onset of a clip).

    Returns:
        (start, end) pairs with end - start == length; the last window ends at most at frame n.
    """
    if length < 1 or stride < 1 or skip < 0:
        raise ValueError(f"need length >= 1, stride >= 1, skip >= 0; got {length}, {stride}, {skip}")
    return [(s, s + length) for s in range(skip, n - length + 1, stride)]


def stack_window(crops: Sequence[np.ndarray], length: int) -> np.ndarray:
    """Stack the last `length` crops as a (length, H, W) array, repeating the oldest while fewer exist."""
    if not crops:
        raise ValueError("cannot build a window from no crops")
    recent = list(crops)[-length:]
    padded = [recent[0]] * (length - len(recent)) + recent
    return np.stack(padded, axis=0)


class FaceWindow:
    """FIFO of a track's last t crops; nothing older is kept (the privacy promise)."""

    def __init__(self, length: int) -> None:
        self.length = length
        self._crops: deque[np.ndarray] = deque(maxlen=length)

    def __len__(self) -> int:
        return len(self._crops)

    def push(self, crop: np.ndarray) -> np.ndarray:
        """Add the newest crop and return the current (t, H, W) window."""
        self._crops.append(crop)
        return stack_window(self._crops, self.length)

    def newest(self) -> np.ndarray:
        """The last crop pushed (the one the model saw last)."""
        return self._crops[-1]
