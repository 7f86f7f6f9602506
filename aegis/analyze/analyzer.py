"""Python API: `Analyzer(model=...).stream(source)` yields per-frame results; `analyze(...)` collects them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

from aegis.analyze.writer import AnalysisWriter
from aegis.errors import SourceError
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector
from aegis.faces.track import TrackerSettings
from aegis.io.readers import FrameSource, open_source
from aegis.progress import progress
from aegis.render.overlay import OVERLAYS, draw_overlay
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.results import DEFAULT_THRESHOLD, FrameResult
from aegis.runtime.stream import DEFAULT_COAST, DEFAULT_DETECT_EVERY, FacePipeline, StreamSettings

log = logging.getLogger("aegis")


class Analyzer:
    """Video expression analysis: detection, tracking, t-crop windows and an ONNX model.

    Args:
        model: an .onnx path, a shipped model name, or None for the shipped default.
        detector: a face detector; `make_detector()`'s default (mtcnn) if None.
        detect_every: scan whole frames every k-th frame; in between, re-find each tracked face around it.
        smoothing: per-track EMA weight of past probabilities (0 = off).
        threshold: top probability under which a face is labelled "uncertain".
        threads: ONNX Runtime threads.
        coast: frames a missed face stays shown, carried by its motion (rows marked coasted; 0: off).
    """

    def __init__(self, model: str | Path | None = None, detector: Detector | None = None,
                 detect_every: int = DEFAULT_DETECT_EVERY,
                 smoothing: float = 0.5, threshold: float = DEFAULT_THRESHOLD, threads: int = 1,
                 tracker: TrackerSettings | None = None, coast: int = DEFAULT_COAST) -> None:
        self.model = OnnxModel(model, threads=threads)
        self.detector = detector or make_detector()
        self.settings = StreamSettings(detect_every=detect_every, smoothing=smoothing, threshold=threshold,
                                       coast=coast)
        self.tracker = tracker

    def pipeline(self, detector: Detector | None = None) -> FacePipeline:
        """A fresh per-stream pipeline (its own tracks and windows) sharing this analyzer's model.

        Give each concurrently running pipeline its own `detector` (OpenCV cascades are not shared across
        threads); by default the analyzer's detector is used.
        """
        return FacePipeline(self.model, detector or self.detector, self.settings, self.tracker)

    def stream(self, source: str | int | Path | FrameSource, keep_image: bool = True,
               warn_truncated: bool = True) -> Iterator[FrameResult]:
        """Yield one FrameResult per frame of a video, GIF, image folder/glob or camera index.

        Memory stays bounded: frames are read, processed and yielded one at a time. With keep_image,
        each result carries its frame in `image` (for drawing); otherwise `image` is None.
        """
        frames = source if isinstance(source, FrameSource) else open_source(source)
        pipeline = self.pipeline()
        for i, frame in enumerate(frames):
            start = time.perf_counter()
            result = pipeline.process(frame, index=i, time_s=i / frames.fps)
            result.speed["total"] = (time.perf_counter() - start) * 1e3
            if keep_image:
                result.image = frame
            yield result
        if warn_truncated and frames.truncated:
            log.warning("%s is truncated: decoded %d of %d frames", frames.name, frames.decoded, frames.total)

    def save(self, source: str | int | Path | FrameSource, out: str | Path, overlay: str = "emoji",
             video: bool = True, show_progress: bool = False) -> dict:
        """Analyse a source into out/frames.csv, out/summary.json and (with video) out/annotated.mp4.

        Outputs are written under temporary names and renamed at the end. An interrupted file source
        leaves none; a camera stopped with Ctrl+C keeps what it recorded.

        Raises:
            SourceError: the source cannot be read, or (after writing what was decoded, with
                "complete": false in the summary) a video file is truncated.
        """
        if overlay not in OVERLAYS:
            raise ValueError(f"overlay {overlay!r} is not one of {OVERLAYS}")
        frames = source if isinstance(source, FrameSource) else open_source(source)
        writer = AnalysisWriter(Path(out), self.model.classes, frames.fps, video=video)
        start = time.perf_counter()
        try:
            results = self.stream(frames, warn_truncated=False)  # save's own error says it, once
            for result in progress(results, total=frames.total, desc="analyze", enabled=show_progress):
                writer.add(result, draw_overlay(result.image, result.faces, overlay) if video else None)
        except KeyboardInterrupt:
            if not frames.live:
                writer.abort()
                raise
        except BaseException:
            writer.abort()
            raise
        elapsed = time.perf_counter() - start
        summary = writer.commit({
            "source": frames.name, "fps_in": round(frames.fps, 3),
            **({"fps_assumed": True} if frames.fps_assumed else {}),
            "processing_fps": round(writer.frames / elapsed, 2) if elapsed > 0 else None,
            "model": {"path": str(self.model.path), "name": self.model.info.name,
                      "classes": list(self.model.classes), "frames": self.model.info.frames},
            "complete": not frames.truncated,
        })
        if frames.truncated:
            raise SourceError(f"{frames.name} is truncated: decoded {frames.decoded} of {frames.total} frames "
                              "(the outputs cover the decoded frames; summary.json says complete: false)")
        return summary

    def analyze(self, source: str | int | Path) -> list[FrameResult]:
        """All results of a source, without frames (see `stream` for long videos)."""
        return list(self.stream(source, keep_image=False))


def analyze(source: str | int | Path, model: str | Path | None = None, **kwargs) -> list[FrameResult]:
    """Analyse a source with a new Analyzer; kwargs go to Analyzer."""
    return Analyzer(model=model, **kwargs).analyze(source)


def to_dataframe(results: list[FrameResult], classes: tuple[str, ...]):
    """The results as a pandas DataFrame, one row per face per frame (NaN row for faceless frames)."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("to_dataframe needs pandas: pip install pandas") from exc
    rows = []
    for r in results:
        if not r.faces:
            rows.append({"frame": r.index, "time_s": r.time_s})
        for f in r.faces:
            rows.append({"frame": r.index, "time_s": r.time_s, "track_id": f.track_id, "x": f.box[0], "y": f.box[1],
                         "w": f.box[2], "h": f.box[3], "face_score": f.score, "label": f.label,
                         "confidence": f.confidence, **dict(zip(classes, map(float, f.probs), strict=True)),
                         "coasted": f.coasted})
    return pd.DataFrame(rows).set_index("frame")
