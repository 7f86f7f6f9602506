"""Adapters for datasets laid out as emotion folders: generic `videos`, AFEW and eNTERFACE'05."""

from __future__ import annotations

from pathlib import Path

from aegis.data.images import IMAGE_SUFFIXES, scan_images
from aegis.data.sources.base import SourceReport, Video, register_source
from aegis.io.readers import VIDEO_SUFFIXES
from aegis.labels import canonical_label


def _label(name: str, contempt: bool, report: SourceReport) -> str | None:
    """The canonical label of a folder name, or None (counted in the report) when unknown."""
    try:
        return canonical_label(name, contempt=contempt)
    except ValueError:
        report.unknown_labels[name] += 1
        return None


def _clips(folder: Path, report: SourceReport) -> list[Path | tuple[Path, ...]]:
    """Video files in a folder, and sub-folders of frame images (one clip each); other files are reported."""
    clips: list[Path | tuple[Path, ...]] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            frames = tuple(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
            if frames:
                clips.append(frames)
            else:
                report.skipped.append(f"{path}: no frame images")
        elif path.suffix.lower() in VIDEO_SUFFIXES:
            clips.append(path)
        else:
            report.skipped.append(f"{path}: not a video")
    return clips


def _clip_id(clip: Path | tuple[Path, ...], root: Path) -> str:
    """A clip's path relative to the dataset root, as its id."""
    first = clip if isinstance(clip, Path) else clip[0].parent
    return str(first.relative_to(root).with_suffix(""))


def _class_folders(base: Path, root: Path, contempt: bool, report: SourceReport) -> list[Video]:
    """The clips of base/<class>/, each its own subject, with ids relative to the dataset root."""
    videos = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        label = _label(folder.name, contempt, report)
        for clip in _clips(folder, report) if label else ():
            clip_id = _clip_id(clip, root)
            videos.append(Video(clip_id, clip_id, label, clip))
    return videos


@register_source("videos")
def scan_videos(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """`<class>/<clip>.mp4|avi|gif...` or `<class>/<clip>/<frames>.png`; each clip is its own subject."""
    report = SourceReport()
    return _class_folders(root, root, contempt, report), report


@register_source("afew")
def scan_afew(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """AFEW: `Train|Val/<Emotion>/*.avi`; the subject is unknown, so each clip stands for one."""
    report = SourceReport()
    splits = [p for p in sorted(root.iterdir()) if p.is_dir() and p.name.lower() in ("train", "val", "test")]
    return [v for split in splits or [root] for v in _class_folders(split, root, contempt, report)], report


@register_source("enterface", stride=2, skip=5)
def scan_enterface(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """eNTERFACE'05: `subject N/<emotion>/sentence N/*.avi` (some subjects lack the sentence level)."""
    report, videos = SourceReport(), []
    for subject in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder in sorted(p for p in subject.iterdir() if p.is_dir()):
            label = _label(folder.name, contempt, report)
            if not label:
                continue
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            for path in files:
                if path.suffix.lower() in VIDEO_SUFFIXES:
                    videos.append(Video(_clip_id(path, root), subject.name, label, path))
                else:
                    report.skipped.append(f"{path}: not a video")
    return videos, report


@register_source("images")
def scan_image_sequences(root: Path, contempt: bool = False) -> tuple[list[Video], SourceReport]:
    """`<class>/*.png|jpg` stills; CK+48-style names (Sxxx_yyy_frame) are grouped into their sequences."""
    images, scan = scan_images(root, contempt=contempt)
    grouped: dict[tuple[str, str], list] = {}
    for item in images:
        grouped.setdefault((item.video, item.label), []).append(item)
    videos = [Video(video, items[0].subject, label, tuple(i.path for i in sorted(items, key=lambda i: i.frame)))
              for (video, label), items in grouped.items()]
    return videos, SourceReport(scan.unknown_labels, scan.skipped_files)
