"""Clip feature stores: each clip's per-frame features, from window stores or from videos' main faces."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aegis.clips.features import clip_frames, frame_features
from aegis.clips.voting import VoteSettings, main_track, person_region, track_weights
from aegis.data.sources import Video, read_frames, scan_source
from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.executor import make_executor
from aegis.faces.base import Detector
from aegis.faces.crop import crop_face, to_grey
from aegis.faces.registry import DEFAULT_DETECTOR, named_detector
from aegis.io.files import atomic_path, files_digest, write_csv, write_text
from aegis.progress import progress
from aegis.runtime.onnx import WEIGHTS_DIR, OnnxModel, cached_model
from aegis.runtime.stream import FacePipeline

CLIP_COLUMNS = ("label", "subject", "source", "video", "start", "length")


@dataclass(frozen=True)
class ClipStore:
    """A loaded clip store: every clip's per-frame features in one (sum of T, F) array, one index row per clip."""

    frames: np.ndarray
    rows: list[dict]
    meta: dict

    def __len__(self) -> int:
        return len(self.rows)

    def clip(self, i: int) -> np.ndarray:
        """The (T, F) per-frame features of clip i."""
        start, length = int(self.rows[i]["start"]), int(self.rows[i]["length"])
        return self.frames[start:start + length]

    def clips(self) -> list[np.ndarray]:
        """Every clip's (T, F) features, in index order."""
        return [self.clip(i) for i in range(len(self))]


@dataclass(frozen=True)
class MainFace:
    """A clip's main face: its track ID (None without faces), every track's vote, and its crops in frame order:
    faces (T, H, W) and, when asked for, person regions (T, S, S), as uint8 crops."""

    track: int | None
    tracks: dict[int, dict]
    crops: np.ndarray
    people: np.ndarray


def main_face(video: Video, model: OnnxModel, detector: Detector, context_model: OnnxModel | None = None,
              settings: VoteSettings | None = None) -> MainFace:
    """Track the clip with the frame model's pipeline, vote for the main face and keep that track's crops
    (and its person regions at the context model's input size)."""
    pipeline = FacePipeline(model, detector)
    context_size = context_model.info.input_size[0] if context_model else 0
    results, crops, people = [], {}, {}
    size = model.info.input_size[0]
    for frame in read_frames(video):
        if frame is None:
            continue
        result = pipeline.process(frame)
        grey = to_grey(frame)
        for face in result.detected:  # the crop the pipeline scored, eye line levelled: the live crop itself
            crops.setdefault(face.track_id, []).append(pipeline.windows[face.track_id].newest())
            if context_size:
                region = person_region(face.box, grey.shape, settings)
                people.setdefault(face.track_id, []).append(crop_face(grey, region, context_size, "none"))
        results.append(result)
    tracks = track_weights(results, settings) if results else {}
    main = main_track(tracks)
    return MainFace(main, tracks, _stack(crops.get(main, []), size), _stack(people.get(main, []), context_size))


def _stack(crops: list[np.ndarray], side: int) -> np.ndarray:
    """(N, side, side) uint8 crops; an empty list gives an empty array of that shape."""
    return np.array(crops, np.uint8) if crops else np.empty((0, side, side), np.uint8)


def face_frames(face: MainFace, model: OnnxModel, context_model: OnnxModel | None = None) -> np.ndarray | None:
    """(T, F) per-frame features of a main face; None for a clip without faces."""
    return clip_frames(model, face.crops, context_model, face.people) if len(face.crops) else None


def video_frames(video: Video, model: OnnxModel, detector: Detector, context_model: OnnxModel | None = None,
                 settings: VoteSettings | None = None) -> np.ndarray | None:
    """(T, F) per-frame features of a video's main face; None when no face is found."""
    return face_frames(main_face(video, model, detector, context_model, settings), model, context_model)


def build_clip_store(sources: Sequence[str], out: str | Path, model: OnnxModel,
                     detector: Detector | str = DEFAULT_DETECTOR, context_model: OnnxModel | None = None,
                     workers: int = 1) -> Path:
    """Write out/frames.npy (sum of T, F), out/index.csv and out/meta.json.

    Sources: `store=PATH` (each window of a window store is a clip) or a video dataset `KIND=PATH`, whose
    clips are tracked and reduced to their main face, `workers` videos at a time, by `detector` (a name, which
    each worker process turns into its own, or a detector object). Video clips are cached in out/cache under
    a hash of their content, the models and the detector, so a killed build resumes, a moved dataset still
    hits the cache and another model's or detector's features are never reused.
    """
    out = Path(out)
    (out / "cache").mkdir(parents=True, exist_ok=True)
    (out / "meta.json").unlink(missing_ok=True)
    clips, rows, skipped, no_face, unreadable = [], [], [], [], []
    for source in sources:
        kind, _, path = source.partition("=")
        if kind == "store":
            if context_model is not None:
                raise AegisError(f"{source}: a window store holds face crops only; context features need videos")
            store = load_store(path)
            for start in progress(range(0, len(store), 256), desc="clip features"):
                windows = np.asarray(store.windows[start:start + 256])
                clips += list(np.concatenate(frame_features(model, windows), axis=2))
            rows += [(store.labels[i], store.subjects[i], store.sources[i], store.videos[i]) for i in range(len(store))]
            continue
        videos, report = scan_source(kind, path)
        if not videos:
            unknown = f"; unknown labels {dict(report.unknown_labels)}" if report.unknown_labels else ""
            raise AegisError(f"no labelled videos in {source}{unknown}")
        skipped += report.skipped
        caches = [out / "cache" / f"{_clip_key(v, model, context_model, detector)}.npy" for v in videos]
        jobs = [(v, c, model.path, context_model and context_model.path, detector)
                for v, c in zip(videos, caches, strict=True) if not c.exists()]
        reasons = dict(make_executor(workers).map(_cache_clip, jobs, f"clip features {kind}"))
        for video, cache in zip(videos, caches, strict=True):
            if not cache.exists():
                reason = reasons.get(video.video_id, "no face")
                (no_face if reason == "no face" else unreadable).append(f"{video.video_id}: {reason}")
                continue
            clips.append(np.load(cache))
            rows.append((video.label, video.subject, kind, video.video_id))
    if not clips:
        raise AegisError(f"no clip with a face in {', '.join(sources)}")
    _write(out, clips, rows, _meta(sources, model, context_model, clips,
                                   {"skipped_files": skipped, "unreadable": unreadable, "no_face": no_face}))
    return out


def load_clip_store(path: str | Path) -> ClipStore:
    """A complete clip store."""
    path = Path(path)
    if not (path / "meta.json").is_file():
        raise AegisError(f"{path} is not a complete clip store (no meta.json)")
    with (path / "index.csv").open(newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.DictReader(f))
    return ClipStore(np.load(path / "frames.npy"), rows, json.loads((path / "meta.json").read_text()))


def video_clip_frames(videos: Sequence[Video], model: OnnxModel, detector: Detector | str = DEFAULT_DETECTOR,
                      context_model: OnnxModel | None = None,
                      workers: int = 1) -> list[tuple[np.ndarray | None, str | None]]:
    """Each video's (T, F) per-frame features, in memory, `workers` videos at a time: (features, None), or (None,
    the reason) for a video without a face or one that cannot be read."""
    jobs = [(v, model.path, context_model and context_model.path, detector) for v in videos]
    return make_executor(workers).map(_clip_features, jobs, "clip features")


def _clip_features(job: tuple[Video, Path, Path | None, Detector | str]) -> tuple[np.ndarray | None, str | None]:
    """The job function: one video's per-frame features, or None and the reason."""
    video, model_path, context_path, detector = job
    try:
        frames = video_frames(video, cached_model(model_path),
                              named_detector(detector) if isinstance(detector, str) else detector,
                              cached_model(context_path) if context_path else None)
    except AegisError as exc:
        return None, str(exc)
    return (frames, None) if frames is not None else (None, "no face")


def _cache_clip(job: tuple[Video, Path, Path, Path | None, Detector | str]) -> tuple[str, str | None]:
    """The job function of a store build: one video's features into its cache file; the reason when there are
    none."""
    video, cache, *rest = job
    frames, reason = _clip_features((video, *rest))
    if frames is not None:
        with atomic_path(cache) as tmp:
            np.save(tmp, frames)
    return video.video_id, reason


def _write(out: Path, clips: list[np.ndarray], rows: list[tuple], meta: dict) -> None:
    """frames.npy, index.csv, then meta.json last (the mark of a complete store)."""
    with atomic_path(out / "frames.npy") as tmp:
        np.save(tmp, np.concatenate(clips).astype(np.float32))
    starts = np.concatenate([[0], np.cumsum([len(c) for c in clips])[:-1]])
    write_csv(out / "index.csv", CLIP_COLUMNS,
              ((*row, int(start), len(clip)) for row, start, clip in zip(rows, starts, clips, strict=True)))
    write_text(out / "meta.json", json.dumps(meta, indent=2) + "\n")


def _meta(sources: Sequence[str], model: OnnxModel, context_model: OnnxModel | None,
          clips: list[np.ndarray], misses: dict[str, list[str]]) -> dict:
    """What the store holds, which models made it, and the files and videos it could not use."""
    return {"sources": list(sources), "feature_network": model.info.name,
            "feature_model": _model_name(model), "features_made_with": str(model.path),
            "context_model": _model_name(context_model) if context_model else None,
            "classes": list(model.classes), "frame_dim": int(clips[0].shape[1]), "count": len(clips),
            "frames": int(sum(len(c) for c in clips)), **misses}


def _model_name(model: OnnxModel) -> str:
    """A shipped model's name, else its path."""
    return model.path.stem if model.path.parent == WEIGHTS_DIR else str(model.path)


def _clip_key(video: Video, model: OnnxModel, context_model: OnnxModel | None, detector: Detector | str) -> str:
    """A cache key from the contents of the clip's files, of the feature and context models and the detector."""
    files = [video.frames] if isinstance(video.frames, Path) else list(video.frames)
    name = detector if isinstance(detector, str) else type(detector).__name__
    return files_digest([*files, model.path, *([context_model.path] if context_model else [])], name.encode())[:20]
