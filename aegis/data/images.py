"""Labelled still images: `<class>/*.png|jpg` folders (FER2013's Kaggle layout, CK+48) or FER2013's CSV."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from aegis.errors import AegisError
from aegis.io.imagesize import ImageError, decode_image
from aegis.labels import CLASSES, canonical_label

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_CKPLUS_NAME = re.compile(r"^(S\d+)_(\d+)_(\d+)$")


def load_image(path: Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """An image file decoded from its bytes (any file name works); ImageError says why it cannot be."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise ImageError(exc.strerror or str(exc)) from exc
    return decode_image(data, flags)


def read_image(path: Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray | None:
    """An image file as `load_image` decodes it; None if unreadable, not an image or over the size limit."""
    try:
        return load_image(path, flags)
    except ImageError:
        return None


@dataclass(frozen=True)
class LabelledImage:
    """One image with its label, subject and the video (sequence) it came from."""

    path: Path
    label: str
    subject: str
    video: str
    frame: int
    pixels: np.ndarray | None = None

    def read_grey(self) -> np.ndarray | None:
        """The image as grey uint8 (None if the file cannot be read)."""
        return self.pixels if self.pixels is not None else read_image(self.path, cv2.IMREAD_GRAYSCALE)


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


FER2013_USAGES = ("Training", "PublicTest", "PrivateTest")


def scan_fer2013_csv(path: Path, usage: str = "Training") -> tuple[list[LabelledImage], ScanReport]:
    """The rows of FER2013's original CSV (`emotion,pixels,Usage`; codes 0-6 in CLASSES order) of one usage."""
    if usage not in FER2013_USAGES:
        raise AegisError(f"FER2013 usage {usage!r} is not one of {FER2013_USAGES}")
    images, report = [], ScanReport()
    with path.open(newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if row.get("Usage", usage) != usage:
                continue
            try:
                pixels = np.array(row["pixels"].split(), np.uint8).reshape(48, 48)
                label = CLASSES[int(row["emotion"])]
            except (KeyError, ValueError, IndexError):
                report.skipped_files.append(f"{path}:{i + 2}")
                continue
            images.append(LabelledImage(path, label, f"{usage}_{i}", f"{usage}_{i}", 0, pixels))
    return images, report


def scan_stills(source: str, contempt: bool = False) -> tuple[list[LabelledImage], ScanReport]:
    """Stills from `images=PATH` (class folders) or `fer2013=PATH` (class folders, or fer2013.csv[#Usage])."""
    kind, _, path_text = source.partition("=")
    path_text, _, usage = path_text.partition("#")
    path = Path(path_text)
    if kind not in ("images", "fer2013") or not path_text:
        raise AegisError(f"expected images=PATH or fer2013=PATH, got {source!r}")
    if kind == "fer2013" and path.suffix.lower() == ".csv" and path.is_file():
        return scan_fer2013_csv(path, usage or "Training")
    if not path.is_dir():
        raise AegisError(f"no such folder: {path}")
    return scan_images(path, contempt=contempt)


def as_frame(grey: np.ndarray, scale: float = 4, side: int = 480) -> tuple[np.ndarray, tuple[int, int]]:
    """A face crop as a video frame: upscaled `scale` times and centred on a side x side canvas of its own border.

    Returns:
        The frame and the (x, y) offset of the upscaled crop in it.
    """
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    h, w = big.shape[:2]
    top, left = max(side - h, 0) // 2, max(side - w, 0) // 2
    frame = cv2.copyMakeBorder(big, top, max(side - h - top, 0), left, max(side - w - left, 0), cv2.BORDER_REPLICATE)
    return frame, (left, top)
