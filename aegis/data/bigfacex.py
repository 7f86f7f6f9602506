"""The BigFaceX recipe: sliding windows of face crops over every labelled video; resumable and parallel.

Per frame the largest Haar face is cropped with the box grown 10% a side (`crop_face`, as the live
stream does), and windows come from `sliding_windows`. A window is kept only if every one of its frames
has a face: windows are never padded with fewer real frames. Each video's windows go to a part file first,
so a killed build resumes where it stopped; the store's meta.json is written last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from aegis.data.sources import Video, read_frames, scan_source, source_defaults
from aegis.data.store import write_store
from aegis.data.windows import sliding_windows
from aegis.errors import AegisError
from aegis.faces.crop import crop_face, to_grey
from aegis.faces.detect import Detector, HaarDetector
from aegis.progress import progress


@dataclass(frozen=True)
class VideoJob:
    """One video to cut into windows, and the part file that holds its result."""

    kind: str
    video: Video
    window: int
    stride: int
    skip: int
    part: Path


def face_crops(video: Video, detector: Detector, size: int = 48) -> list[np.ndarray | None]:
    """The largest face of every frame as a uint8 crop (None where no face was found or the frame is unreadable)."""
    crops: list[np.ndarray | None] = []
    for frame in read_frames(video):
        if frame is None:
            crops.append(None)
            continue
        grey = to_grey(frame)
        faces = detector(grey)
        if not faces:
            crops.append(None)
            continue
        box = max(faces, key=lambda d: d.box[2] * d.box[3]).box
        crops.append(np.round(crop_face(grey, box, size, "bigfacex") * 255).astype(np.uint8))
    return crops


def run_job(job: VideoJob, detector: Detector | None = None) -> dict:
    """Cut one video into windows and save them to its part file; a broken video saves its reason instead."""
    info = {"video": job.video.video_id, "subject": job.video.subject, "label": job.video.label, "source": job.kind}
    try:
        crops = face_crops(job.video, detector or HaarDetector())
    except AegisError as exc:
        crops, info["error"] = [], str(exc)
    spans = [(s, e) for s, e in sliding_windows(len(crops), job.window, job.stride, job.skip)
             if all(c is not None for c in crops[s:e])]
    windows = np.stack([np.stack(crops[s:e]) for s, e in spans]) if spans else np.empty((0, job.window, 48, 48),
                                                                                          np.uint8)
    info.update(frames=len(crops), faceless=sum(c is None for c in crops), end_frames=[e - 1 for _, e in spans],
                stride=job.stride)
    tmp = job.part.with_name(job.part.stem + ".partial.npz")
    np.savez(tmp, windows=windows, info=np.array(json.dumps(info)))
    os.replace(tmp, job.part)
    return info


def _run_job_with_detector(args: tuple[VideoJob, Detector | None]) -> dict:
    """Pool entry point."""
    return run_job(*args)


def build_bigfacex_store(sources: list[str], out: str | Path, window: int = 5, stride: int | None = None,
                         skip: int | None = None, workers: int = 1, contempt: bool = False,
                         detector: Detector | None = None) -> Path:
    """Build a window store from KIND=PATH sources; `stride` and `skip` override each source's defaults."""
    out = Path(out)
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    jobs, unknown, skipped = [], Counter(), []
    for source in sources:
        kind, _, path = source.partition("=")
        videos, report = scan_source(kind, path, contempt=contempt)
        unknown.update(report.unknown_labels)
        skipped += report.skipped
        default_stride, default_skip = source_defaults(kind)
        for video in videos:
            digest = hashlib.sha1(f"{kind}:{path}:{video.video_id}".encode()).hexdigest()[:16]
            jobs.append(VideoJob(kind, video, window, stride or default_stride,
                                 default_skip if skip is None else skip, parts / f"{digest}.npz"))
    if not jobs:
        raise AegisError(f"no labelled videos in {', '.join(sources)}")
    pending = [j for j in jobs if not j.part.exists()]
    if len(pending) < len(jobs):
        print(f"resuming: {len(jobs) - len(pending)} of {len(jobs)} videos already done")
    if workers > 1 and len(pending) > 1:
        with get_context("fork").Pool(workers) as pool:
            for _ in progress(pool.imap_unordered(_run_job_with_detector, [(j, detector) for j in pending]),
                              total=len(pending), desc="bigfacex"):
                pass
    else:
        for job in progress(pending, desc="bigfacex"):
            run_job(job, detector)
    return _merge(jobs, out, sources, window, unknown, skipped)


def _merge(jobs: list[VideoJob], out: Path, sources: list[str], window: int, unknown: Counter,
           skipped: list[str]) -> Path:
    """Concatenate the part files into the store, then delete them."""
    windows, rows, failed = [], [], []
    frames = faceless = 0
    for job in jobs:
        with np.load(job.part) as part:
            info = json.loads(str(part["info"]))
            windows.append(part["windows"])
        frames, faceless = frames + info["frames"], faceless + info["faceless"]
        if "error" in info or not info["end_frames"]:
            reason = info.get("error") or "no window with a face in every frame"
            failed.append({"video": info["video"], "reason": reason})
        rows += [{"label": info["label"], "subject": info["subject"], "source": info["source"], "video": info["video"],
                  "end_frame": end, "stride": info["stride"]} for end in info["end_frames"]]
    meta = {"recipe": "bigfacex", "sources": sources, "window": window, "videos": len(jobs),
            "frames": frames, "frames_without_face": faceless, "skipped_videos": failed,
            "unknown_labels": dict(unknown), "skipped_files": skipped,
            "per_class": dict(Counter(r["label"] for r in rows)),
            "per_source": dict(Counter(r["source"] for r in rows))}
    store = write_store(out, np.concatenate(windows), rows, meta)
    shutil.rmtree(out / "parts")
    return store
