"""Clip feature stores: one temporal-pyramid vector per clip, from window stores or from videos' main faces."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aegis.clips.features import clip_vector
from aegis.clips.voting import main_track, track_weights
from aegis.data.sources import Video, read_frames, scan_source
from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.faces.crop import crop_face, to_grey
from aegis.faces.detect import Detector, HaarDetector
from aegis.progress import progress
from aegis.runtime.onnx import WEIGHTS_DIR, OnnxModel
from aegis.runtime.stream import FacePipeline

CLIP_COLUMNS = ("label", "subject", "source", "video")


def main_face_crops(video: Video, model: OnnxModel, detector: Detector) -> list[np.ndarray]:
    """The crops of the clip's main face (main-face voting over the pipeline's tracks), in frame order."""
    pipeline = FacePipeline(model, detector)
    results, crops = [], {}
    size, margin = model.info.input_size[0], model.info.crop
    for frame in read_frames(video):
        if frame is None:
            continue
        result = pipeline.process(frame)
        grey = to_grey(frame)
        for face in result.faces:
            crops.setdefault(face.track_id, []).append(crop_face(grey, face.box, size, margin))
        results.append(result)
    main = main_track(track_weights(results)) if results else None
    return crops.get(main, [])


def build_clip_store(sources: Sequence[str], out: str | Path, model: OnnxModel, levels: Sequence[int] = (0, 1, 2, 3),
                     detector: Detector | None = None, runtime_model: str | None = None) -> Path:
    """Write out/features.npy (N, F), out/index.csv and out/meta.json.

    Sources: `store=PATH` (each window of a window store is a clip) or a video dataset `KIND=PATH`, whose
    clips are tracked and reduced to their main face. Video clips are cached in out/cache by file, model and
    levels, so a killed build resumes and a second model's store reuses nothing it should not.
    `runtime_model` names the frame model that clip models trained on this store will use at run time when
    it is not `model` itself: the same weights without the input blur make the features of already-blurred
    training images match those that the blurred model gives for sharp faces.
    """
    out = Path(out)
    (out / "cache").mkdir(parents=True, exist_ok=True)
    (out / "meta.json").unlink(missing_ok=True)
    vectors, rows, skipped = [], [], []
    for source in sources:
        kind, _, path = source.partition("=")
        if kind == "store":
            store = load_store(path)
            for i in progress(range(len(store)), desc="clip features"):
                vectors.append(clip_vector(model, list(np.asarray(store.windows[i], np.float32) / 255.0), levels))
                rows.append((store.labels[i], store.subjects[i], store.sources[i], store.videos[i]))
            continue
        videos, report = scan_source(kind, path)
        skipped += report.skipped
        for video in progress(videos, desc=f"clip features {kind}"):
            cache = out / "cache" / f"{_clip_key(video, model, levels)}.npy"
            if not cache.exists():
                try:
                    crops = main_face_crops(video, model, detector or HaarDetector())
                except AegisError as exc:
                    skipped.append(f"{video.video_id}: {exc}")
                    continue
                if not crops:
                    skipped.append(f"{video.video_id}: no face")
                    continue
                tmp = cache.with_name(cache.stem + ".partial.npy")
                np.save(tmp, clip_vector(model, crops, levels))
                os.replace(tmp, cache)
            vectors.append(np.load(cache))
            rows.append((video.label, video.subject, kind, video.video_id))
    if not vectors:
        raise AegisError(f"no clip with a face in {', '.join(sources)}")
    np.save(out / "features.npy", np.stack(vectors).astype(np.float32))
    with (out / "index.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CLIP_COLUMNS)
        writer.writerows(rows)
    shipped = model.path.parent == WEIGHTS_DIR
    meta = {"sources": list(sources), "levels": list(levels), "feature_network": model.info.name,
            "feature_model": runtime_model or (model.path.stem if shipped else str(model.path)),
            "features_made_with": str(model.path), "classes": list(model.classes),
            "count": len(rows), "skipped": skipped}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return out


def load_clip_store(path: str | Path) -> tuple[np.ndarray, list[dict], dict]:
    """Features, index rows and meta of a complete clip store."""
    path = Path(path)
    if not (path / "meta.json").is_file():
        raise AegisError(f"{path} is not a complete clip store (no meta.json)")
    with (path / "index.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.load(path / "features.npy"), rows, json.loads((path / "meta.json").read_text())


def _clip_key(video: Video, model: OnnxModel, levels: Sequence[int]) -> str:
    """A cache key from the clip's files (name, size, mtime), the feature model and the pyramid levels."""
    files = [video.frames] if isinstance(video.frames, Path) else list(video.frames)
    stamp = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    text = json.dumps([stamp, str(model.path), model.path.stat().st_size, list(levels)])
    return hashlib.sha1(text.encode()).hexdigest()[:20]
