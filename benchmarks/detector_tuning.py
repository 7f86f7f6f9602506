"""Tune the Haar detector on the real clips in ../shared/data/videos: recall against time per frame.

    python benchmarks/detector_tuning.py [--json FILE]

For each setting it runs the full face pipeline (detector + tracker + roll-angle re-detection) on every
clip and reports the share of frames in which the expected number of people is tracked, the number of
distinct track IDs, and the milliseconds per frame spent in detection (one thread).
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.haar import HaarDetector, HaarSettings
from aegis.io.readers import open_source
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
PEOPLE = {"face-demographics-walking.gif": 2, "head-pose-face-detection-female-and-male.gif": 2,
          "head-pose-face-detection-female.gif": 1, "head-pose-face-detection-male.gif": 1}


def run_clip(frames: list[np.ndarray], model: OnnxModel, settings: HaarSettings) -> tuple[list[int], set[int], float]:
    """Faces tracked per frame, the track IDs seen, and detection ms per frame."""
    pipeline = FacePipeline(model, HaarDetector(settings))
    counts, ids, spent = [], set(), 0.0
    for i, frame in enumerate(frames):
        result = pipeline.process(frame, i)
        counts.append(len(result.faces))
        ids |= {f.track_id for f in result.faces}
        spent += result.speed["detect"]
    return counts, ids, spent / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--model", help="ONNX model (default: the shipped default)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    model = OnnxModel(args.model, threads=1)
    clips = {name: list(open_source(VIDEOS / name)) for name in PEOPLE}
    base = HaarSettings()
    grid = [replace(base, max_side=m, scale_factor=s, min_neighbors=n, roll_angles=r)
            for m, s, n, r in itertools.product((320, 480), (1.1, 1.2), (3, 5),
                                                ((), (-25.0, 25.0), (-40.0, -20.0, 20.0, 40.0)))]
    rows = []
    for settings in grid:
        row = {"max_side": settings.max_side, "scale_factor": settings.scale_factor,
               "min_neighbors": settings.min_neighbors, "roll_angles": list(settings.roll_angles), "clips": {}}
        total_ms = 0.0
        for name, frames in clips.items():
            counts, ids, ms = run_clip(frames, model, settings)
            row["clips"][name] = {"recall": round(float(np.mean(np.array(counts) >= PEOPLE[name])), 3),
                                  "track_ids": len(ids), "ms": round(ms, 2)}
            total_ms += ms * len(frames)
        row["ms_per_frame"] = round(total_ms / sum(len(f) for f in clips.values()), 2)
        row["mean_recall"] = round(float(np.mean([c["recall"] for c in row["clips"].values()])), 3)
        rows.append(row)
        print(f"max_side {settings.max_side} scale {settings.scale_factor} neighbours {settings.min_neighbors} "
              f"roll {list(settings.roll_angles)}: recall {row['mean_recall']:.3f}, {row['ms_per_frame']:.1f} ms | "
              + " | ".join(f"{n.split('.')[0][-12:]} {c['recall']:.2f}/{c['track_ids']}ids"
                           for n, c in row["clips"].items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
