"""Video recipes: BigFaceX sliding windows, FaceParty peak windows and CK+-style peak windows.

Per frame the largest Haar face is cropped (`crop_face`, the function the live stream uses): grown 10% a
side for BigFaceX and peak, shrunk 10% in x and 20% from the top for FaceParty. A window is kept only if
every one of its frames has a face: windows are never padded with fewer real frames. Each video's windows
go to a part file first, so a killed build resumes where it stopped; the store's meta.json is written last.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aegis.data.sources import Video, read_frames, scan_source, source_defaults
from aegis.data.store import write_store
from aegis.data.windows import sliding_windows, stack_window
from aegis.errors import AegisError, ConfigError
from aegis.executor import make_executor
from aegis.faces.base import Detector
from aegis.faces.crop import MARGINS, crop_face, eye_roll, to_grey
from aegis.faces.registry import DEFAULT_DETECTOR, named_detector
from aegis.io.files import atomic_path
from aegis.runtime.onnx import cached_model

log = logging.getLogger(__name__)

RECIPES = ("bigfacex", "faceparty", "peak")
LAST_WINDOW_SOURCES = ("ckplus", "kdefdyn")  # sequences that end at their peak: FaceParty takes the last windows


@dataclass(frozen=True)
class RecipeSettings:
    """How videos become windows.

    Attributes:
        recipe: "bigfacex", "faceparty" or "peak".
        window: window length t.
        stride: BigFaceX stride (None: each source's default).
        skip: BigFaceX frames skipped at the start (None: each source's default).
        static_model: FaceParty's single-frame classifier (an ONNX path or shipped name) that finds peaks.
        peaks: windows per video for FaceParty and peak.
        neutral: also take the first t frames of CK+ and KDEF-dyn sequences (which start neutral) as a
            neutral window.
        margin: the crop margin (None: the recipe's own, faceparty or bigfacex); "person" cuts person regions,
            the training windows of a context CNN for clip models.
        detector: the face detector's name (`make_detector`); each worker process makes its own.
    """

    recipe: str = "bigfacex"
    window: int = 5
    stride: int | None = None
    skip: int | None = None
    static_model: str | None = None
    peaks: int = 3
    neutral: bool = False
    margin: str | None = None
    detector: str = DEFAULT_DETECTOR

    def __post_init__(self) -> None:
        if self.recipe not in RECIPES:
            raise ConfigError(f"recipe {self.recipe!r} is not one of {RECIPES}")
        if self.margin is not None and self.margin not in MARGINS:
            raise ConfigError(f"margin {self.margin!r} is not one of {MARGINS}")
        if self.recipe == "faceparty" and not self.static_model:
            raise ConfigError("the faceparty recipe needs --static-model (a single-frame classifier)")

    @property
    def crop_margin(self) -> str:
        """The margin windows are cut with."""
        return self.margin or ("faceparty" if self.recipe == "faceparty" else "bigfacex")


@dataclass(frozen=True)
class VideoJob:
    """One video to cut into windows, and the part file that holds its result."""

    kind: str
    video: Video
    settings: RecipeSettings
    stride: int
    skip: int
    part: Path


def face_crops(video: Video, detector: Detector, margins: tuple[str, ...],
               size: int = 48) -> list[dict[str, np.ndarray] | None]:
    """Per frame, the largest face cropped with each margin as uint8 (None: no face, or an unreadable frame)."""
    crops: list[dict[str, np.ndarray] | None] = []
    for frame in read_frames(video):
        faces = [] if frame is None else detector(detector.prepare(grey := to_grey(frame)))
        if not faces:
            crops.append(None)
            continue
        face = max(faces, key=lambda d: d.box[2] * d.box[3])
        roll = eye_roll(face.landmarks)
        crops.append({m: crop_face(grey, face.box, size, m, roll) for m in margins})
    return crops


def window_ends(job: VideoJob, crops: list[dict[str, np.ndarray] | None]) -> list[int]:
    """The last frame of each window the recipe takes from a video."""
    s, t, n = job.settings, job.settings.window, len(crops)
    if s.recipe == "bigfacex":
        return [e - 1 for _, e in sliding_windows(n, t, job.stride, job.skip)]
    if n < t:
        return []
    if s.recipe == "peak" or job.kind in LAST_WINDOW_SOURCES:
        return list(range(max(n - s.peaks, t - 1), n))
    model = cached_model(s.static_model)
    label = model.classes.index(job.video.label) if job.video.label in model.classes else None
    scored = [(i, c[model.info.crop]) for i, c in enumerate(crops) if c is not None]
    if label is None or not scored:
        return []
    stills = np.stack([c for _, c in scored])[:, None]
    probs = model(np.repeat(stills, model.info.frames, axis=1))[:, label]  # each frame scored on its own
    peaks = [scored[k][0] for k in np.argsort(-probs, kind="stable")[: s.peaks]]
    return sorted({max(p, t - 1) for p in peaks})  # a peak before frame t takes frames 1..t


def run_job(job: VideoJob, detector: Detector | None = None) -> dict:
    """Cut one video into windows and save them to its part file; a broken video saves its reason instead."""
    info = {"video": job.video.video_id, "subject": job.video.subject, "label": job.video.label, "source": job.kind}
    margin = job.settings.crop_margin
    margins = (margin, cached_model(job.settings.static_model).info.crop) if job.settings.static_model else (margin,)
    try:
        crops = face_crops(job.video, detector or named_detector(job.settings.detector),
                           tuple(dict.fromkeys(margins)))
    except AegisError as exc:
        crops, info["error"] = [], str(exc)
    t = job.settings.window
    ends = window_ends(job, crops)
    labels = [job.video.label] * len(ends)
    if job.settings.neutral and job.kind in LAST_WINDOW_SOURCES and len(crops) >= 2 * t and t - 1 not in ends:
        ends, labels = [t - 1, *ends], ["neutral", *labels]
    keep = [i for i, e in enumerate(ends) if all(c is not None for c in crops[e - t + 1:e + 1])]
    ends, labels = [ends[i] for i in keep], [labels[i] for i in keep]
    windows = (np.stack([stack_window([c[margin] for c in crops[e - t + 1:e + 1]], t) for e in ends]) if ends
               else np.empty((0, t, 48, 48), np.uint8))
    info.update(frames=len(crops), faceless=sum(c is None for c in crops), end_frames=ends, labels=labels,
                stride=job.stride if job.settings.recipe == "bigfacex" else 0)
    with atomic_path(job.part) as tmp:
        np.savez(tmp, windows=windows, info=np.array(json.dumps(info)))
    return info


def _run_job_with_detector(args: tuple[VideoJob, Detector | None]) -> dict:
    """The job function: one video into its part file."""
    return run_job(*args)


def build_video_store(sources: list[str], out: str | Path, settings: RecipeSettings | None = None,
                      workers: int = 1, contempt: bool = False, detector: Detector | None = None) -> Path:
    """Build a window store from KIND=PATH sources with a recipe, each video a job on `workers` processes."""
    settings = settings or RecipeSettings()
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
            key = f"{settings}:{kind}:{path}:{video.video_id}"
            jobs.append(VideoJob(kind, video, settings, settings.stride or default_stride,
                                 default_skip if settings.skip is None else settings.skip,
                                 parts / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"))
    if not jobs:
        raise AegisError(f"no labelled videos in {', '.join(sources)}")
    pending = [j for j in jobs if not j.part.exists()]
    if len(pending) < len(jobs):
        log.info(f"resuming: {len(jobs) - len(pending)} of {len(jobs)} videos already done")
    make_executor(workers).map(_run_job_with_detector, [(j, detector) for j in pending], settings.recipe)
    return _merge(jobs, out, sources, settings, unknown, skipped)


def _merge(jobs: list[VideoJob], out: Path, sources: list[str], settings: RecipeSettings, unknown: Counter,
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
        rows += [{"label": label, "subject": info["subject"], "source": info["source"], "video": info["video"],
                  "end_frame": end, "stride": info["stride"]}
                 for end, label in zip(info["end_frames"], info["labels"], strict=True)]
    meta = {"recipe": settings.recipe, "margin": settings.crop_margin, "settings": str(settings),
            "sources": sources, "videos": len(jobs),
            "frames": frames, "frames_without_face": faceless, "skipped_videos": failed,
            "unknown_labels": dict(unknown), "skipped_files": skipped,
            "per_class": dict(Counter(r["label"] for r in rows)),
            "per_source": dict(Counter(r["source"] for r in rows))}
    store = write_store(out, np.concatenate(windows), rows, meta)
    shutil.rmtree(out / "parts")
    return store
