"""Build window stores from labelled image folders: the `still` and `sequence` recipes.

Such crops are framed like the raw box of the pipeline's face detector: on FER2013 and CK+48 crops put
in a frame, the Haar box is the crop itself to within 1.5% a side (benchmarks/framing.py, docs/accuracy.md).
Their stores record the margin "none", so models trained on them crop live faces the same way.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import read_image, scan_images, scan_stills
from aegis.data.stills import still_window
from aegis.data.store import write_store
from aegis.data.windows import stack_window
from aegis.errors import AegisError
from aegis.progress import progress

CROP_FRAMING = "none"  # the detector margin that reproduces the framing of face-crop datasets


def build_still_store(sources: list[str], out: str | Path, frames: int = 5, seed: int = 0,
                      contempt: bool = False, size: int = 48) -> Path:
    """Turn every labelled still of the sources (images=PATH or fer2013=PATH) into one drifting t-frame window."""
    images, unknown, skipped = [], Counter(), []
    for source in sources:
        found, report = scan_stills(source, contempt=contempt)
        if not found:
            raise AegisError(f"no labelled images in {source} (expected <class>/*.png|jpg folders)")
        images += [(source.partition("=")[0], item) for item in found]
        unknown.update(report.unknown_labels)
        skipped += report.skipped_files
    rng = np.random.default_rng(seed)
    windows = np.empty((len(images), frames, size, size), dtype=np.uint8)
    rows, unreadable = [], []
    for kind, item in progress(images, desc="still windows"):
        grey = item.read_grey()
        if grey is None:
            unreadable.append(str(item.path))
            continue
        grey = cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)
        windows[len(rows)] = still_window(grey, frames, rng)
        rows.append({"label": item.label, "subject": item.subject, "source": kind, "video": item.video,
                     "end_frame": item.frame, "stride": 0})
    meta = {"recipe": "still", "margin": CROP_FRAMING, "sources": sources, "seed": seed,
            "unknown_labels": dict(unknown), "skipped": skipped + unreadable}
    return write_store(out, windows[: len(rows)], rows, meta)


def build_sequence_store(source: str | Path, out: str | Path, frames: int = 5, contempt: bool = False,
                         size: int = 48) -> Path:
    """Regroup consecutive frames of each sequence (CK+48: Sxxx_yyy_frame.png) into real windows.

    One window ends at each frame and holds that frame and the ones before it, the oldest repeated in
    front while fewer than t exist (as FaceWindow does at the start of a live track).
    """
    images, report = scan_images(source, contempt=contempt)
    if not images:
        raise AegisError(f"no labelled images under {source} (expected <class>/*.png|jpg folders)")
    by_video: dict[str, list] = {}
    for item in images:
        by_video.setdefault(item.video, []).append(item)
    windows, rows, unreadable = [], [], []
    for video, items in progress(sorted(by_video.items()), desc="sequence windows"):
        crops = []
        for item in sorted(items, key=lambda i: i.frame):
            grey = read_image(item.path, cv2.IMREAD_GRAYSCALE)
            if grey is None:
                unreadable.append(str(item.path))
                continue
            crops.append(cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA))
            windows.append(stack_window(crops, frames))
            rows.append({"label": item.label, "subject": item.subject, "source": "images", "video": video,
                         "end_frame": item.frame, "stride": 1})
    if not rows:
        raise AegisError(f"no readable images under {source}")
    meta = {"recipe": "sequence", "margin": CROP_FRAMING, "sources": [str(source)], "videos": len(by_video),
            "unknown_labels": dict(report.unknown_labels), "skipped": report.skipped_files + unreadable}
    return write_store(out, np.stack(windows), rows, meta)
