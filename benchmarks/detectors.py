"""Face detector benchmark: recall, false detections and time per frame, for each backend (and the peer).

Two inputs. Synthetic scenes: CK+48 faces (grey crops, upscaled to 40-160 px) pasted at random places on a
noise-and-gradient background at 640x480, 1280x720 and 1920x1080 with 1, 3 and 10 faces; a face is found
when a detection overlaps its pasted box by IoU >= 0.3, and a detection that overlaps none is false. The
shared clips: the full pipeline (detector and tracker) with --detect-every K; a frame is recalled when as
many faces are tracked as people are in the clip, and track IDs count distinct tracks (more than the
people: false or broken tracks). A crowd clip: 48 1920x1080 frames of a 10-face scene whose faces drift 1-2
px a frame, through the whole pipeline (the peer: its `detect_emotions`), scored as the scenes.

    python benchmarks/detectors.py --json work/detectors.json [--min-face PX] [--clips-only | --crowd-only]
        [--crowd-frames N]
    /work/peer-venv/bin/python benchmarks/detectors.py --peer --json work/detectors-peer.json  # fer 25.10.3
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import scan_stills

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SIZES = ((640, 480), (1280, 720), (1920, 1080))
COUNTS = (1, 3, 10)
CROWD_K = (3, 10)  # whole-frame scan intervals tried on the crowd clip
PEOPLE = {"face-demographics-walking.gif": 2, "head-pose-face-detection-female-and-male.gif": 2,
          "head-pose-face-detection-female.gif": 1, "head-pose-face-detection-male.gif": 1}


def background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A grey frame of `size` (w, h): a left-to-right gradient with noise."""
    w, h = size
    ramp = np.linspace(60, 190, w, dtype=np.float32)[None, :] + rng.normal(0, 12, (h, w)).astype(np.float32)
    return np.clip(ramp, 0, 255).astype(np.uint8)


def scene(size: tuple[int, int], faces: int, crops: list[np.ndarray], rng: np.random.Generator
          ) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A BGR frame with `faces` non-overlapping pasted faces, and their (x, y, w, h) boxes."""
    w, h = size
    frame = background(size, rng)
    boxes: list[tuple[int, int, int, int]] = []
    while len(boxes) < faces:
        side = int(rng.choice([40, 64, 96, 160]))
        x, y = int(rng.integers(0, w - side)), int(rng.integers(0, h - side))
        if any(x < bx + bw + 10 and bx < x + side + 10 and y < by + bh + 10 and by < y + side + 10
               for bx, by, bw, bh in boxes):
            continue
        face = crops[int(rng.integers(len(crops)))]
        frame[y:y + side, x:x + side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        boxes.append((x, y, side, side))
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), boxes


def crowd_clip(crops: list[np.ndarray], frames: int = 48, faces: int = 10, seed: int = 1
               ) -> list[tuple[np.ndarray, list]]:
    """A 1920x1080 clip: a scene's `faces` faces (40-160 px), each drifting 1-2 px a frame and bouncing off the
    edges, on fresh background noise every frame; with each frame's true boxes."""
    rng, size = np.random.default_rng(seed), SIZES[-1]
    first, start = scene(size, faces, crops, rng)
    patches = [first[y:y + h, x:x + w, 0] for x, y, w, h in start]
    boxes = [np.array(b[:2], float) for b in start]
    velocity = [rng.uniform(1, 2, 2) * rng.choice([-1, 1], 2) for _ in start]
    clip = []
    for _ in range(frames):
        frame, truth = background(size, rng), []
        for patch, corner in zip(patches, boxes, strict=True):
            x, y = (int(v) for v in corner)
            frame[y:y + patch.shape[0], x:x + patch.shape[1]] = patch
            truth.append((x, y, patch.shape[1], patch.shape[0]))
        clip.append((cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), truth))
        for patch, corner, v in zip(patches, boxes, velocity, strict=True):
            for axis, limit in ((0, size[0] - patch.shape[1]), (1, size[1] - patch.shape[0])):
                if not 0 <= corner[axis] + v[axis] <= limit:
                    v[axis] = -v[axis]
                corner[axis] += v[axis]
    return clip


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def score_scenes(detect, frames: list[tuple[np.ndarray, list]]) -> dict:
    """Recall, false detections per frame and ms per frame of `detect(bgr) -> [(x, y, w, h)]` on scenes."""
    found = false = present = 0
    start = time.perf_counter()
    results = [detect(frame) for frame, _ in frames]
    ms = 1000 * (time.perf_counter() - start) / len(frames)
    for (_, truth), boxes in zip(frames, results, strict=True):
        present += len(truth)
        found += sum(any(iou(t, b) >= 0.3 for b in boxes) for t in truth)
        false += sum(not any(iou(t, b) >= 0.3 for t in truth) for b in boxes)
    return {"recall": round(found / present, 3), "false_per_frame": round(false / len(frames), 2),
            "ms_per_frame": round(ms, 1)}


def ckplus_crops(rng: np.random.Generator, count: int = 200) -> list[np.ndarray]:
    """`count` CK+48 faces drawn at random."""
    images, _ = scan_stills(f"images={DATA / 'ckplus48'}")
    return [images[i].read_grey() for i in rng.choice(len(images), count, replace=False)]


def make_scenes(per_cell: int = 4, seed: int = 0) -> dict[str, list]:
    """`per_cell` scenes for each frame size and face count, keyed 'WxH/N'."""
    rng = np.random.default_rng(seed)
    crops = ckplus_crops(rng)
    return {f"{w}x{h}/{n}": [scene((w, h), n, crops, rng) for _ in range(per_cell)] for w, h in SIZES for n in COUNTS}


def ours(detector_name: str, scenes: dict[str, list], crowd: list, face_px: int | None = None,
         every_k: tuple[int, ...] = (1, 3)) -> dict:
    """Our detectors on the scenes and, through the pipeline, on the crowd clip (if any) and the shared
    clips."""
    from aegis.faces.crop import to_grey
    from aegis.faces.registry import make_detector
    from aegis.io.readers import open_source
    from aegis.runtime.onnx import OnnxModel
    from aegis.runtime.stream import FacePipeline, StreamSettings

    detector = make_detector(detector_name, face_px)
    result = {"scenes": {k: score_scenes(lambda f: [d.box for d in detector(to_grey(f))], v)
                         for k, v in scenes.items()}, "clips": {}}
    model = OnnxModel(None, threads=1)
    result["crowd"] = {}
    for every in CROWD_K if crowd else ():
        process = FacePipeline(model, make_detector(detector_name, face_px), StreamSettings(detect_every=every)).process
        result["crowd"][f"K{every}"] = score_scenes(lambda f, run=process: [face.box for face in run(f).faces], crowd)
    for every in every_k:
        for name, people in PEOPLE.items():
            pipeline = FacePipeline(model, make_detector(detector_name, face_px), StreamSettings(detect_every=every))
            frames = list(open_source(DATA / "videos" / name))
            counts, ids, start = [], set(), time.perf_counter()
            for i, frame in enumerate(frames):
                faces = pipeline.process(frame, i).faces
                counts.append(len(faces))
                ids |= {f.track_id for f in faces}
            result["clips"][f"K{every}/{name}"] = {
                "recall": round(float(np.mean(np.array(counts) >= people)), 3), "track_ids": len(ids),
                "ms_per_frame": round(1000 * (time.perf_counter() - start) / len(frames), 1)}
    return result


def peer(scenes: dict[str, list], crowd: list, clips: bool = True) -> dict:
    """The peer `fer` 25.10.3's own face detection (OpenCV Haar, its settings) on the scenes, and its
    `detect_emotions` (detection and classification) on the crowd clip and (with `clips`) the shared clips."""
    from fer.fer import FER

    fer = FER()
    result = {"scenes": {k: score_scenes(lambda f: [tuple(int(v) for v in b) for b in fer.find_faces(f, bgr=True)],
                                         v) for k, v in scenes.items()},
              "crowd": {"K1": score_scenes(lambda f: [tuple(int(v) for v in face["box"])
                                                      for face in fer.detect_emotions(f)], crowd)} if crowd else {},
              "clips": {}}
    for name, people in PEOPLE.items() if clips else ():
        capture = cv2.VideoCapture(str(DATA / "videos" / name))
        counts, start, n = [], time.perf_counter(), 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            counts.append(len(fer.detect_emotions(frame)))
            n += 1
        result["clips"][f"K1/{name}"] = {"recall": round(float(np.mean(np.array(counts) >= people)), 3),
                                         "ms_per_frame": round(1000 * (time.perf_counter() - start) / n, 1)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", action="store_true", help="benchmark the fer package instead (its venv)")
    parser.add_argument("--detectors", nargs="+", default=["haar", "mtcnn"])
    parser.add_argument("--min-face", type=int, help="smallest face wanted, frame pixels (default: each detector's)")
    parser.add_argument("--every", type=int, nargs="+", default=[1, 3], metavar="K",
                        help="--detect-every values for the shared clips (default: 1 3)")
    parser.add_argument("--clips-only", action="store_true", help="only the shared clips (no scenes, no crowd)")
    parser.add_argument("--crowd-only", action="store_true", help="only the crowd clip (no scenes, no shared clips)")
    parser.add_argument("--crowd-frames", type=int, default=48, help="the crowd clip's length in frames")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    crowd = [] if args.clips_only else crowd_clip(ckplus_crops(np.random.default_rng(1)), args.crowd_frames)
    scenes = {} if args.clips_only or args.crowd_only else make_scenes()
    every = () if args.crowd_only else tuple(args.every)
    results = ({"peer-fer": peer(scenes, crowd, clips=not args.crowd_only)} if args.peer
               else {name: ours(name, scenes, crowd, args.min_face, every) for name in args.detectors})
    for name, result in results.items():
        for part in ("scenes", "crowd", "clips"):
            for key, row in result[part].items():
                print(f"{name:9} {key:52} {row}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
