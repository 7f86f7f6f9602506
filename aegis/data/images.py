"""Labelled still images in `<class>/*.png|jpg` folders (FER2013's Kaggle layout, CK+48)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aegis.labels import canonical_label

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_CKPLUS_NAME = re.compile(r"^(S\d+)_(\d+)_(\d+)$")


@dataclass(frozen=True)
class LabelledImage:
    """One image with its label, subject and the video (sequence) it came from."""

    path: Path
    label: str
    subject: str
    video: str
    frame: int


@dataclass
class ScanReport:
    """What a scan found but could not use: unknown class folders and non-image files."""

    unknown_labels: Counter = field(default_factory=Counter)
    skipped_files: list[str] = field(default_factory=list)


def scan_images(root: str | Path, contempt: bool = False) -> tuple[list[LabelledImage], ScanReport]:
    """List the images under root/<class>/, labels by folder name with synonyms (angry/anger, happy/...).

    CK+ style names (S005_001_00000011.png) give subject S005, video S005_001 and frame 11; any other
    image is its own subject and video.
    """
    root = Path(root)
    images, report = [], ScanReport()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            label = canonical_label(folder.name, contempt=contempt)
        except ValueError:
            report.unknown_labels[folder.name] += sum(1 for _ in folder.iterdir())
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                report.skipped_files.append(str(path))
                continue
            match = _CKPLUS_NAME.match(path.stem)
            if match:
                subject, seq, frame = match.groups()
                images.append(LabelledImage(path, label, subject, f"{subject}_{seq}", int(frame)))
            else:
                images.append(LabelledImage(path, label, path.stem, path.stem, 0))
    return images, report
