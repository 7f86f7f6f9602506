"""`aegis batch`: analyse a collection of videos on a local process pool, resumably, into collection tables.

Each video gets what `aegis analyze` writes, under DIR/<id>/, and then DIR/<id>/done.json, renamed into place
last: a video is complete when its done.json names the same content hash, model and settings. A run that is
killed at any moment and started again skips the complete videos and redoes the rest. The driver keeps only
each finished video's per-track rows and rebuilds DIR/collection.csv (and .parquet with pyarrow) and
DIR/failures.csv from the done files at the end, so the tables equal those of an uninterrupted run.
"""

from __future__ import annotations

import csv
import glob
import json
import logging
import re
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import cv2

from aegis.analyze.analyzer import Analyzer
from aegis.errors import AegisError
from aegis.executor import make_executor
from aegis.faces.registry import DEFAULT_DETECTOR, make_detector
from aegis.io.files import atomic_path, files_digest, write_csv, write_text
from aegis.io.readers import VIDEO_SUFFIXES
from aegis.progress import progress
from aegis.render.timeline import draw_timeline
from aegis.runtime.onnx import cached_model
from aegis.runtime.stream import StreamSettings

log = logging.getLogger("aegis")
UNCERTAIN_SHARE = "uncertain"
BASE_COLUMNS = ("video_id", "source", "track_id", "seconds", "dominant")


def collection_columns(classes: tuple[str, ...]) -> tuple[str, ...]:
    """The collection table's columns for a model's classes: each track's label shares, then mean probabilities."""
    return (*BASE_COLUMNS, *(f"share_{c}" for c in (*classes, UNCERTAIN_SHARE)), *(f"mean_{c}" for c in classes))


@dataclass(frozen=True)
class BatchSettings:
    """What each video is analysed with; part of every video's completion key."""

    model: str | None = None
    detector: str = DEFAULT_DETECTOR
    stream: StreamSettings = StreamSettings()
    video: bool = False
    timeline: bool = False


@dataclass(frozen=True)
class BatchSummary:
    """A batch run: the inputs, how many were analysed now, failed or were complete before, and the time."""

    videos: int
    done: int
    failed: int
    skipped: int
    video_seconds: float
    wall_seconds: float
    out: str

    def to_json(self) -> dict:
        """The summary as `aegis batch --json` prints it."""
        return asdict(self)


@dataclass(frozen=True)
class BatchJob:
    """One video: its path, its id (its folder under DIR) and its completion key."""

    path: str
    video_id: str
    key: str


def collect_inputs(inputs: list[str]) -> list[tuple[str, str]]:
    """(path, id) for every video named by folders (recursive), quoted globs, files or manifest CSVs (path[,id]).

    Ids default to the path relative to its folder (or the file stem), with characters outside [A-Za-z0-9._-]
    replaced; a default id already taken gets the first free numeric suffix. Ids given in manifests must be
    unique (AegisError otherwise) and are never renamed.
    """
    found: list[tuple[str, str, bool]] = []  # (path, id, whether a manifest gave the id)
    for spec in inputs:
        path = Path(spec)
        if path.is_dir():
            found += [(str(p), str(p.relative_to(path).with_suffix("")), False) for p in sorted(path.rglob("*"))
                      if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
        elif path.suffix.lower() == ".csv" and path.is_file():
            found += _manifest(path)
        elif path.is_file():
            found.append((str(path), path.stem, False))
        else:
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise AegisError(f"{spec}: no such file, folder or matching glob")
            found += [(m, Path(m).stem, False) for m in matches if Path(m).is_file()]
    if not found:
        raise AegisError(f"no videos in {', '.join(inputs)} (looked for {', '.join(VIDEO_SUFFIXES)})")
    found = [(path, _clean_id(video_id), explicit) for path, video_id, explicit in found]
    given: dict[str, str] = {}
    for path, video_id, explicit in found:
        if explicit and video_id in given:
            raise AegisError(f"manifest id {video_id!r} ({path}) repeats the id of {given[video_id]}: "
                             "ids must be unique")
        if explicit:
            given[video_id] = path
    taken = set(given)
    unique = []
    for path, video_id, explicit in found:
        if not explicit:
            base, n = video_id, 1
            while video_id in taken:
                n += 1
                video_id = f"{base}-{n}"
            taken.add(video_id)
        unique.append((path, video_id))
    return unique


def _clean_id(video_id: str) -> str:
    """An id made safe as a folder name: characters outside [A-Za-z0-9._-] replaced."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", video_id).strip("._") or "video"


def completion_key(path: str, settings: BatchSettings) -> str:
    """SHA-256 of the video's bytes, the model file's bytes and the settings."""
    from aegis.runtime.onnx import resolve_model_path

    settings_bytes = json.dumps(asdict(settings), sort_keys=True).encode()
    return files_digest((path, resolve_model_path(settings.model)), settings_bytes)


def is_complete(out: Path, job: BatchJob) -> bool:
    """True when out/<id>/done.json records this job's key."""
    done = out / job.video_id / "done.json"
    try:
        return json.loads(done.read_text())["key"] == job.key
    except (OSError, ValueError, KeyError):
        return False


def run_batch(inputs: list[str], out: str | Path, settings: BatchSettings | None = None, workers: int = 1,
              ray_address: str | None = None) -> BatchSummary:
    """Analyse every input video not yet complete under `out`; returns the collection summary.

    Each video is a job on `make_executor(workers, ray_address)`: this process, a process pool, or Ray ("local"
    starts a Ray instance here, else a cluster's address), whose nodes must read and write the videos and `out`
    (shared storage). Only this driver writes the collection tables.
    """
    settings = settings or BatchSettings()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    videos = collect_inputs(inputs)
    jobs, failures = [], []
    for path, video_id in progress(videos, desc="hash"):
        try:
            jobs.append(BatchJob(path, video_id, completion_key(path, settings)))
        except OSError as exc:
            failures.append({"video_id": video_id, "source": path, "reason": exc.strerror or str(exc)})
    pending = [j for j in jobs if not is_complete(out, j)]
    if len(pending) < len(jobs):
        log.info("resuming: %d of %d videos already complete", len(jobs) - len(pending), len(jobs))
    executor = make_executor(workers, ray_address)
    results = executor.map(_analyze_job, [(j, str(out), settings) for j in pending], "batch")
    failures += [{"video_id": j.video_id, "source": j.path, "reason": r["error"]}
                 for j, r in results if "error" in r]
    failures += [{"video_id": j.video_id, "source": j.path, "reason": "finished without its done.json"}
                 for j, r in results if "error" not in r and not is_complete(out, j)]
    complete = [json.loads((out / j.video_id / "done.json").read_text()) for j in jobs if is_complete(out, j)]
    write_collection(out, [row for d in complete for row in d["rows"]], cached_model(settings.model).classes)
    write_csv(out / "failures.csv", ("video_id", "source", "reason"), failures)
    skipped = len(jobs) - len(pending)
    seconds = round(sum(d["seconds"] for d in complete), 2)
    summary = BatchSummary(len(videos), len(complete) - skipped, len(failures), skipped, seconds,
                           round(time.perf_counter() - start, 2), str(out))
    assert summary.done + summary.failed + skipped == len(videos), summary  # each input counted once
    return summary


def write_collection(out: Path, rows: list[dict], classes: tuple[str, ...]) -> None:
    """DIR/collection.csv, and DIR/collection.parquet where pyarrow is installed, with the model's classes."""
    columns = collection_columns(classes)
    write_csv(out / "collection.csv", columns, rows)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        log.info("collection.parquet needs pyarrow (pip install 'aegis-fer[batch]'); collection.csv has the same "
                 "table")
        return
    table = pa.table({c: [r[c] for r in rows] for c in columns}) if rows else \
        pa.table({c: pa.array([], pa.string() if c in ("video_id", "source", "dominant") else pa.float64())
                  for c in columns})
    with atomic_path(out / "collection.parquet") as tmp:
        pq.write_table(table, tmp)


def track_rows(video_id: str, source: str, summary: dict) -> list[dict]:
    """One collection row per track of an analyze summary, over the classes of the model that made it."""
    fps = summary.get("fps_in") or 1.0
    classes = tuple(summary["model"]["classes"])
    rows = []
    for track in summary["tracks"]:
        shares = track.get("label_shares", {})
        rows.append({"video_id": video_id, "source": source, "track_id": track["track_id"],
                     "seconds": round(track["frames"] / fps, 3), "dominant": track["dominant"],
                     **{f"share_{c}": shares.get(c, 0.0) for c in (*classes, UNCERTAIN_SHARE)},
                     **{f"mean_{c}": track["mean_probs"].get(c, 0.0) for c in classes}})
    return rows


@lru_cache(maxsize=1)
def worker_analyzer(settings: BatchSettings) -> Analyzer:
    """The analyzer of a worker process, loaded once per process: one ONNX Runtime and one OpenCV thread, one core."""
    cv2.setNumThreads(1)
    stream = settings.stream
    return Analyzer(model=settings.model, detector=make_detector(settings.detector), detect_every=stream.detect_every,
                    smoothing=stream.smoothing, threshold=stream.threshold, threads=1, coast=stream.coast)


def _analyze_job(args: tuple[BatchJob, str, BatchSettings]) -> tuple[BatchJob, dict]:
    """Analyse one video into out/<id>/ and mark it complete; a failure comes back as its one-line reason."""
    job, out, settings = args
    folder = Path(out) / job.video_id
    (folder / "done.json").unlink(missing_ok=True)
    try:
        summary = worker_analyzer(settings).save(job.path, folder, video=settings.video, show_progress=False)
    except (AegisError, OSError, ValueError) as exc:
        return job, {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
    seconds = summary["frames"] / (summary.get("fps_in") or 1.0)
    if settings.timeline:
        draw_timeline(folder / "frames.csv", folder / "timeline.png", summary.get("fps_in") or 25.0)
    done = {"key": job.key, "source": job.path, "seconds": round(seconds, 3),
            "rows": track_rows(job.video_id, job.path, summary)}
    write_text(folder / "done.json", json.dumps(done) + "\n")
    return job, {"seconds": seconds}


def _manifest(path: Path) -> list[tuple[str, str, bool]]:
    """(path, id, id given) rows of a manifest CSV: a `path` column and an optional `id`; paths relative to it."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if "path" not in (reader.fieldnames or []):
            raise AegisError(f"{path}: a manifest needs a 'path' column (and optionally 'id'), got {reader.fieldnames}")
        rows = []
        for line, row in enumerate(reader, 2):
            if not row["path"]:
                raise AegisError(f"{path}:{line}: the row has no path")
            video = Path(row["path"]) if Path(row["path"]).is_absolute() else path.parent / row["path"]
            rows.append((str(video), row.get("id") or video.stem, bool(row.get("id"))))
    return rows


