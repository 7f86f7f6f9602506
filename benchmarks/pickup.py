"""Benchmark: how many frames late a newcomer is picked up, for each --detect-every K, while another face is tracked.

    python benchmarks/pickup.py [--detector NAME] [--min-face PX] [--still-background] [--json FILE]

A 640x480 clip of noisy background with one CK+48 face (96 px) from the first frame; a second face (40, 64 or
160 px) appears at frame 10 + j for every phase j in 0..K-1 (so each frame of the whole-scan cycle is tried).
The delay is the frames from its appearance until the pipeline tracks two faces. The background's noise
(12 grey levels) is drawn afresh each frame, so every band scan sees the whole frame change; with
--still-background it is drawn once, and band scans look only where the newcomer changed the frame.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from detectors import background, ckplus_crops

from aegis.faces.registry import DEFAULT_DETECTOR, detector_names, make_detector
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings

SIZE = (640, 480)
EVERY = (1, 3, 5, 10)


def clip(faces: list[np.ndarray], side: int, appear: int, frames: int, rng: np.random.Generator,
         still: bool = False) -> list[np.ndarray]:
    """Frames with the first face at (60, 100) throughout and the second (`side` px) at (380, 150) from `appear`,
    on a background drawn each frame (`still`: once)."""
    resident = cv2.resize(faces[0], (96, 96), interpolation=cv2.INTER_CUBIC)
    newcomer = cv2.resize(faces[1], (side, side), interpolation=cv2.INTER_CUBIC)
    first = background(SIZE, rng)
    out = []
    for i in range(frames):
        frame = first.copy() if still else background(SIZE, rng)
        frame[100:196, 60:156] = resident
        if i >= appear:
            frame[150:150 + side, 380:380 + side] = newcomer
        out.append(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    return out


def delay(model: OnnxModel, detector: str, face_px: int | None, every: int, frames: list[np.ndarray],
          appear: int) -> int | None:
    """Frames from `appear` until two faces are tracked (None: never within the clip)."""
    pipeline = FacePipeline(model, make_detector(detector, face_px), StreamSettings(detect_every=every))
    for i, frame in enumerate(frames):
        if len(pipeline.process(frame, i).faces) >= 2 and i >= appear:
            return i - appear
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", choices=detector_names(), default=DEFAULT_DETECTOR)
    parser.add_argument("--min-face", type=int, help="smallest face wanted, frame pixels (default: the detector's)")
    parser.add_argument("--still-background", action="store_true", help="draw the background once, not each frame")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    model = OnnxModel(None, threads=1)
    faces = ckplus_crops(np.random.default_rng(2), count=2)
    report: dict = {"detector": args.detector, "min_face": args.min_face, "still_background": args.still_background}
    for side in (40, 64, 160):
        for every in EVERY:
            delays = [delay(model, args.detector, args.min_face, every,
                            clip(faces, side, 10 + j, 10 + every + 12, np.random.default_rng(j), args.still_background),
                            10 + j)
                      for j in range(every)]
            found = [d for d in delays if d is not None]
            report[f"{side}px/K{every}"] = {"mean_frames": round(float(np.mean(found)), 2) if found else None,
                                            "max_frames": max(found) if found else None,
                                            "missed": len(delays) - len(found)}
            print(f"{side:3} px  K={every:2}  {report[f'{side}px/K{every}']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
