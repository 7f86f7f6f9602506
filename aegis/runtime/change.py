"""Where a stream's frame has changed since each size band last scanned it, so that band scans skip still parts."""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from aegis.faces.base import Region

BLOCK = 16  # the frame is compared in blocks of this many pixels a side (their means: noise averages out, and a
# block mean is all the memory holds of a frame: 40x30 numbers for 640x480, too coarse to show a face); the last
# rows and columns short of a whole block (under 16 px) are not compared
CHANGE_LEVEL = 4.0  # a block has changed when its mean grey level moved by more than this since the band's scan
REFRESH_EVERY = 30  # every this many scans of a band, it scans the whole frame whatever changed (a retry for a
# face missed on pixels that then moved less than CHANGE_LEVEL; at 30 FPS with 3 bands, every 3 s)
MOST_OF_THE_FRAME = 0.5  # a region over this share of the frame is scanned whole


class ChangeRegions:
    """Per kind of scan (a size band, or every size), the frame's block means at its last scan. A face that a
    scan missed on still pixels stays missed on the same pixels, so the next scan of that kind need look only
    at faces that overlap the blocks changed since; each REFRESH_EVERY-th scan takes the whole frame."""

    def __init__(self) -> None:
        self._seen: dict[int, np.ndarray] = {}
        self._scans: dict[int, int] = {}

    def regions(self, grey: np.ndarray, band: int, exclude: list[Region] = (), covers: Iterable[int] = ()
                ) -> list[Region] | None:
        """(x0, y0, x1, y1) around each group of blocks of `grey` changed since the last scan of kind `band`
        (blocks a block apart are one group), or None for the whole frame; blocks inside an `exclude` region
        (faces found otherwise) do not count. Records the scan: each group's blocks count as seen now. A whole
        scan of this kind also looks for the sizes of the kinds it `covers` (a scan of every size covers each
        band): they count the whole frame as seen now, as if each had scanned it, its refresh counted from
        here."""
        rows, cols = max(grey.shape[0] // BLOCK, 1), max(grey.shape[1] // BLOCK, 1)
        whole_blocks = grey[:rows * BLOCK, :cols * BLOCK]  # a whole number of blocks: OpenCV's fast path
        means = cv2.resize(whole_blocks, (cols, rows), interpolation=cv2.INTER_AREA).astype(np.float32)
        seen = self._seen.get(band)
        count = self._scans.get(band, 0)
        self._scans[band] = count + 1
        if seen is None or seen.shape != means.shape or count % REFRESH_EVERY == 0:
            self._seen_whole(means, [band, *covers])
            return None
        moved = np.abs(means - seen) > CHANGE_LEVEL
        for x0, y0, x1, y1 in exclude:  # blocks wholly inside the region
            moved[max(-(-y0 // BLOCK), 0):max(y1 // BLOCK, 0), max(-(-x0 // BLOCK), 0):max(x1 // BLOCK, 0)] = False
        groups = _groups(moved)
        if sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in groups) > MOST_OF_THE_FRAME * means.size:
            self._seen_whole(means, [band, *covers])
            return None
        sy, sx = whole_blocks.shape[0] / rows, whole_blocks.shape[1] / cols
        for r0, r1, c0, c1 in groups:
            seen[r0:r1, c0:c1] = means[r0:r1, c0:c1]
        return [(int(c0 * sx), int(r0 * sy), int(np.ceil(c1 * sx)), int(np.ceil(r1 * sy))) for r0, r1, c0, c1 in groups]

    def _seen_whole(self, means: np.ndarray, kinds: list[int]) -> None:
        """The whole frame scanned for `kinds`: the first kind's scan is counted already; the others start
        their count here."""
        for kind in kinds:
            self._seen[kind] = means.copy()
        for kind in kinds[1:]:
            self._scans[kind] = 1


def _groups(moved: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(row0, row1, col0, col1) around each group of True blocks, blocks at most one block apart grouped."""
    if not moved.any():
        return []
    count, labels = cv2.connectedComponents(cv2.dilate(moved.astype(np.uint8), np.ones((3, 3), np.uint8)))
    groups = []
    for label in range(1, count):
        rows, cols = np.nonzero(moved & (labels == label))
        groups.append((rows.min(), rows.max() + 1, cols.min(), cols.max() + 1))
    return groups
