"""Benchmark: end-to-end pipeline FPS at 640x480 with 1 and 3 real faces, on one thread, with stage shares.

    python benchmarks/pipeline_fps.py [--model PATH] [--frames 300] [--detect-every 1] [--detector haar]

Frames are built from the clips in ../shared/data/videos (decoding is not timed); detection, tracking,
cropping, the model and the overlay are.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.crop import to_grey
from aegis.faces.detect import DETECTORS, HaarDetector, make_detector
from aegis.render.overlay import draw_overlay
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings
from aegis.sources import open_source

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
CLIPS = ("head-pose-face-detection-male.gif", "head-pose-face-detection-female.gif",
         "head-pose-face-detection-male.gif")


def one_face_frames() -> list[np.ndarray]:
    """The frontal single-face clip, scaled to 640 wide and padded to 640x480."""
    frames = []
    for frame in open_source(VIDEOS / CLIPS[0]):
        scaled = cv2.resize(frame, (640, 360))
        frames.append(cv2.copyMakeBorder(scaled, 60, 60, 0, 0, cv2.BORDER_REPLICATE))
    return frames


def three_face_frames() -> list[np.ndarray]:
    """Three 213x480 columns, each centred on the face of a clip (the male clip is used twice, mirrored)."""
    columns = []
    detector = HaarDetector()
    for i, name in enumerate(CLIPS):
        frames = list(open_source(VIDEOS / name))
        x, y, w, h = detector(to_grey(frames[0]))[0].box
        cx = int(np.clip(x + w // 2, 107, frames[0].shape[1] - 107))
        column = [cv2.resize(f[:, cx - 107:cx + 106], (213, 480)) for f in frames]
        columns.append([cv2.flip(c, 1) for c in column] if i == 2 else column)
    n = min(len(c) for c in columns)
    return [np.hstack([c[k] for c in columns])[:, :640] for k in range(n)]


def bench(model: OnnxModel, frames: list[np.ndarray], count: int, detect_every: int, detector: str = "haar") -> dict:
    """Run `count` frames (the clip played back and forth) and time every stage."""
    pipeline = FacePipeline(model, make_detector(detector), StreamSettings(detect_every=detect_every))
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    stages = {"detect": 0.0, "track": 0.0, "crop": 0.0, "model": 0.0, "overlay": 0.0}
    faces = 0
    start = time.perf_counter()
    for i in range(count):
        frame = frames[order[i % len(order)]]
        result = pipeline.process(frame, i)
        t0 = time.perf_counter()
        draw_overlay(frame, result.faces, "emoji")
        stages["overlay"] += (time.perf_counter() - t0) * 1e3
        for key in ("detect", "track", "crop", "model"):
            stages[key] += result.speed[key]
        faces += len(result.faces)
    total = (time.perf_counter() - start) * 1e3
    return {"fps": round(count / total * 1e3, 1), "ms_per_frame": round(total / count, 2),
            "faces_per_frame": round(faces / count, 2),
            "share": {k: round(v / total, 3) for k, v in stages.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="ONNX model (default: the shipped default)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--detect-every", type=int, default=1)
    parser.add_argument("--detector", choices=DETECTORS, default="haar")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    model = OnnxModel(args.model, threads=1)
    report = {"model": model.info.name, "detector": args.detector, "detect_every": args.detect_every, "threads": 1,
              "1 face": bench(model, one_face_frames(), args.frames, args.detect_every, args.detector),
              "3 faces": bench(model, three_face_frames(), args.frames, args.detect_every, args.detector)}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
