"""Adapters for clips labelled by a table (BAUM-1, iSAFE) and for KDEF-dyn's actor/emotion file names."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from aegis.data.images import IMAGE_SUFFIXES
from aegis.data.sources.base import SourceReport, Video, register_source
from aegis.errors import AegisError
from aegis.io.readers import VIDEO_SUFFIXES
from aegis.labels import canonical_label, is_label

_SUBJECT_COLUMNS = ("subject", "speaker", "actor", "participant", "person", "subject_id")
_KDEF = re.compile(r"(?P<actor>[FM]\d{2})[_\- ]?(?P<emotion>AF|AN|DI|HA|NE|SA|SU)", re.IGNORECASE)
_KDEF_CODES = {"AF": "fear", "AN": "anger", "DI": "disgust", "HA": "happiness", "NE": "neutral", "SA": "sadness",
               "SU": "surprise"}


def _clips(root: Path) -> dict[str, Path | tuple[Path, ...]]:
    """Every video file, and every folder of frame images, under root, by file or folder name (no suffix)."""
    clips: dict[str, Path | tuple[Path, ...]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES:
            clips[path.stem] = path
        elif path.is_dir():
            frames = tuple(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
            if len(frames) > 1:
                clips[path.name] = frames
    return clips


def _label_rows(root: Path) -> list[dict[str, str]]:
    """The rows of the CSV label tables under root; XLS tables are refused with a hint."""
    tables = sorted(root.rglob("*.csv"))
    if not tables:
        if sorted(root.rglob("*.xls*")):
            raise AegisError(f"{root}: the label table is a spreadsheet; save it as CSV next to it and run again")
        raise AegisError(f"{root}: no CSV label table found")
    rows = []
    for table in tables:
        with table.open(newline="", encoding="utf-8-sig") as f:
            rows += [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]
    return rows


def _pick_columns(rows: list[dict[str, str]], clips: dict) -> tuple[str, str]:
    """The column naming the clips and the column holding expression labels, found by their values."""
    columns = list(rows[0]) if rows else []

    def clip_hits(col: str) -> int:
        return sum(Path(r.get(col, "")).stem in clips for r in rows)

    def label_hits(col: str) -> int:
        return sum(is_label(r.get(col, "")) for r in rows)

    name_col = max(columns, key=clip_hits, default=None)
    label_col = max((c for c in columns if c != name_col), key=label_hits, default=None)
    if name_col is None or label_col is None or not clip_hits(name_col) or not label_hits(label_col):
        raise AegisError(f"cannot tell which label-table columns hold clip names and labels (columns: {columns})")
    return name_col, label_col


def _scan_table(root: Path, contempt: bool) -> tuple[list[Video], SourceReport]:
    """Clips under root labelled by a CSV table; other labels (unsure, boredom, ...) are counted and skipped."""
    clips, rows, report, videos = _clips(root), _label_rows(root), SourceReport(), []
    name_col, label_col = _pick_columns(rows, clips)
    subject_col = next((c for c in _SUBJECT_COLUMNS if rows and c in rows[0]), None)
    for row in rows:
        stem = Path(row[name_col]).stem
        if stem not in clips:
            report.skipped.append(f"{row[name_col]}: listed in the label table but not found")
            continue
        try:
            label = canonical_label(row[label_col], contempt=contempt)
        except ValueError:
            report.unknown_labels[row[label_col] or "(empty)"] += 1
            continue
        clip = clips[stem]
        subject = row[subject_col] if subject_col else (clip if isinstance(clip, Path) else clip[0]).parent.name
        videos.append(Video(stem, subject, label, clip))
    return videos, report


@register_source("baum1", stride=2, skip=5)
def scan_baum1(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """BAUM-1: video files plus a CSV label table; labels outside the 7 classes are skipped and counted."""
    return _scan_table(root, contempt)


@register_source("isafe")
def scan_isafe(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """iSAFE: clips plus a CSV of annotator labels (one label column per clip is used)."""
    return _scan_table(root, contempt)


@register_source("kdefdyn")
def scan_kdefdyn(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """KDEF-dyn morphs: actor and emotion from names such as F01_HA.mp4 or AF01HAS/; the actor is the subject."""
    report, videos = SourceReport(), []
    for stem, clip in _clips(root).items():
        match = _KDEF.search(stem)
        if not match:
            report.skipped.append(f"{stem}: no KDEF actor and emotion code in the name")
            continue
        label = _KDEF_CODES[match["emotion"].upper()]
        videos.append(Video(stem, match["actor"].upper(), label, clip))
    return videos, report
