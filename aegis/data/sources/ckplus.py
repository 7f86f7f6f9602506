"""CK+ as distributed: cohn-kanade-images/Sxxx/yyy/Sxxx_yyy_%08d.png with Emotion/Sxxx/yyy/*_emotion.txt labels."""

from __future__ import annotations

from pathlib import Path

from aegis.data.images import IMAGE_SUFFIXES
from aegis.data.sources.base import SourceReport, Video, register_source
from aegis.errors import AegisError
from aegis.labels import CONTEMPT, ckplus_label


def _find_dir(root: Path, name: str) -> Path:
    """root/name, or the first folder of that name up to three levels below root."""
    for depth in range(4):
        found = sorted(root.glob("/".join(["*"] * depth + [name])))
        if found and found[0].is_dir():
            return found[0]
    raise AegisError(f"no {name!r} folder under {root} (expected the CK+ layout: cohn-kanade-images/ and Emotion/)")


@register_source("ckplus")
def scan_ckplus(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """The labelled sequences (onset to peak, the peak last); sequences without an Emotion file are skipped."""
    images, emotions = _find_dir(root, "cohn-kanade-images"), _find_dir(root, "Emotion")
    report, videos = SourceReport(), []
    for seq_dir in sorted(p for p in images.glob("*/*") if p.is_dir()):
        subject, seq = seq_dir.parent.name, seq_dir.name
        label_files = sorted((emotions / subject / seq).glob("*_emotion.txt"))
        if not label_files:
            report.skipped.append(f"{seq_dir}: no emotion label")
            continue
        try:
            label = ckplus_label(label_files[0].read_text().split()[0], contempt=True)
        except (ValueError, IndexError):
            report.skipped.append(f"{label_files[0]}: not a CK+ emotion code")
            continue
        if label == CONTEMPT and not contempt:
            report.unknown_labels[label] += 1
            continue
        frames = tuple(sorted(p for p in seq_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        if frames:
            videos.append(Video(f"{subject}_{seq}", subject, label, frames))
        else:
            report.skipped.append(f"{seq_dir}: no frames")
    return videos, report
