"""Benchmark: end-to-end pipeline FPS at 640x480 with 1 and 3 real faces, on one thread, with stage shares.

    python benchmarks/pipeline_fps.py [--model PATH] [--frames 300] [--detect-every K] [--detector NAME]
        [--scan-still] [--noise SIGMA]
    /work/peer-venv/bin/python benchmarks/pipeline_fps.py --peer [--noise SIGMA]  # fer 25.10.3, same frames

Frames are built from the clips in ../shared/data/videos (decoding is not timed); detection, tracking,
cropping, the model and the overlay are. Defaults are the pipeline's. The peer row times its
`detect_emotions` (its Haar detection and TFLite classification) on the same frames in the same order.
The clips' backgrounds are still (GIFs), so band scans look only at the moving head (`skip_still`);
--scan-still turns that off, and --noise adds fresh Gaussian noise of SIGMA grey levels to every frame,
as a camera's sensor would.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.crop import to_grey
from aegis.faces.haar import HaarDetector
from aegis.faces.registry import DEFAULT_DETECTOR, detector_names, make_detector
from aegis.io.readers import open_source
from aegis.render.overlay import draw_overlay
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import DEFAULT_DETECT_EVERY, FacePipeline, StreamSettings

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
    """Three 213-pixel columns, each centred on the face of a clip scaled as in `one_face_frames` (so the faces
    keep their shape and size; the male clip is used twice, mirrored), side by side and padded to 640x480."""
    columns = []
    detector = HaarDetector()
    for i, name in enumerate(CLIPS):
        frames = [cv2.resize(f, (640, 360)) for f in open_source(VIDEOS / name)]
        x, y, w, h = detector(to_grey(frames[0]))[0].box
        cx = int(np.clip(x + w // 2, 107, 640 - 107))
        column = [f[:, cx - 107:cx + 106] for f in frames]
        columns.append([cv2.flip(c, 1) for c in column] if i == 2 else column)
    n = min(len(c) for c in columns)
    return [cv2.copyMakeBorder(np.hstack([c[k] for c in columns]), 60, 60, 0, 1, cv2.BORDER_REPLICATE)
            for k in range(n)]


def playback(frames: list[np.ndarray], count: int, noise: float = 0.0) -> list[np.ndarray]:
    """`count` frames of the clip played back and forth, each its own copy (the overlay is drawn on it), with
    fresh Gaussian noise of `noise` grey levels."""
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    played = [frames[order[i % len(order)]] for i in range(count)]
    if not noise:
        return [f.copy() for f in played]
    rng = np.random.default_rng(0)
    return [np.clip(f + rng.normal(0, noise, f.shape), 0, 255).astype(np.uint8) for f in played]


def bench(model: OnnxModel, frames: list[np.ndarray], count: int, detect_every: int, detector: str,
          face_px: int | None = None, skip_still: bool = True, noise: float = 0.0) -> dict:
    """Run `count` frames (the clip played back and forth) and time every stage."""
    settings = StreamSettings(detect_every=detect_every, skip_still=skip_still)
    pipeline = FacePipeline(model, make_detector(detector, face_px), settings)
    stages = {"detect": 0.0, "track": 0.0, "crop": 0.0, "model": 0.0, "overlay": 0.0}
    faces = 0
    played = playback(frames, count, noise)
    start = time.perf_counter()
    for i, frame in enumerate(played):
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


def bench_peer(frames: list[np.ndarray], count: int, noise: float = 0.0) -> dict:
    """The peer `fer` 25.10.3: `detect_emotions` on each frame, timed whole."""
    from fer.fer import FER

    fer, faces = FER(), 0
    played = playback(frames, count, noise)
    start = time.perf_counter()
    for frame in played:
        faces += len(fer.detect_emotions(frame))
    total = (time.perf_counter() - start) * 1e3
    return {"fps": round(count / total * 1e3, 1), "ms_per_frame": round(total / count, 2),
            "faces_per_frame": round(faces / count, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="ONNX model (default: the shipped default)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--detect-every", type=int, default=DEFAULT_DETECT_EVERY)
    parser.add_argument("--detector", choices=detector_names(), default=DEFAULT_DETECTOR)
    parser.add_argument("--min-face", type=int, help="smallest face wanted, frame pixels (default: the detector's)")
    parser.add_argument("--scan-still", action="store_true", help="band scans take the whole frame (skip_still off)")
    parser.add_argument("--noise", type=float, default=0.0, help="Gaussian noise added to each frame (grey levels)")
    parser.add_argument("--peer", action="store_true", help="time the fer package instead (run in its venv)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.peer:
        report = {"peer": "fer 25.10.3", "noise": args.noise,
                  "1 face": bench_peer(one_face_frames(), args.frames, args.noise),
                  "3 faces": bench_peer(three_face_frames(), args.frames, args.noise)}
    else:
        model = OnnxModel(args.model, threads=1)
        run = (args.frames, args.detect_every, args.detector, args.min_face, not args.scan_still, args.noise)
        report = {"model": model.info.name, "detector": args.detector, "min_face": args.min_face,
                  "detect_every": args.detect_every, "skip_still": not args.scan_still, "noise": args.noise,
                  "threads": 1,
                  "1 face": bench(model, one_face_frames(), *run), "3 faces": bench(model, three_face_frames(), *run)}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
