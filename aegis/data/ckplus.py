"""CK+ as distributed: cohn-kanade-images/Sxxx/yyy/Sxxx_yyy_%08d.png with Emotion/Sxxx/yyy/*_emotion.txt labels."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aegis.data.images import IMAGE_SUFFIXES
from aegis.errors import AegisError
from aegis.labels import ckplus_label


@dataclass(frozen=True)
class LabelledSequence:
    """One labelled CK+ sequence: frames in order, from neutral onset to the peak (the last frame)."""

    video: str
    subject: str
    label: str
    frames: tuple[Path, ...]


@dataclass
class CkplusReport:
    """What a scan could not use: sequences without a label file, bad label files, labels left out."""

    unlabelled: int = 0
    bad_labels: list[str] = field(default_factory=list)
    skipped_labels: Counter = field(default_factory=Counter)


def _find_dir(root: Path, name: str) -> Path:
    """root/name, or the first folder of that name up to three levels below root."""
    for depth in range(4):
        found = sorted(root.glob("/".join(["*"] * depth + [name])))
        if found and found[0].is_dir():
            return found[0]
    raise AegisError(f"no {name!r} folder under {root} (expected the CK+ layout: cohn-kanade-images/ and Emotion/)")


def scan_ckplus(root: str | Path, classes: tuple[str, ...]) -> tuple[list[LabelledSequence], CkplusReport]:
    """The labelled sequences under a CK+ folder whose label is one of `classes`."""
    root = Path(root)
    images, emotions = _find_dir(root, "cohn-kanade-images"), _find_dir(root, "Emotion")
    report, sequences = CkplusReport(), []
    for seq_dir in sorted(p for p in images.glob("*/*") if p.is_dir()):
        subject, seq = seq_dir.parent.name, seq_dir.name
        label_files = sorted((emotions / subject / seq).glob("*_emotion.txt"))
        if not label_files:
            report.unlabelled += 1
            continue
        try:
            label = ckplus_label(label_files[0].read_text().split()[0], contempt=True)
        except (ValueError, IndexError):
            report.bad_labels.append(str(label_files[0]))
            continue
        if label not in classes:
            report.skipped_labels[label] += 1
            continue
        frames = tuple(sorted(p for p in seq_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        if frames:
            sequences.append(LabelledSequence(f"{subject}_{seq}", subject, label, frames))
    return sequences, report
