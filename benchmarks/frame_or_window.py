"""Benchmark: the shipped frame model (static, the default) against the window model where time matters.

    python benchmarks/frame_or_window.py [--models window static] [--json FILE]

- Stability: each shared clip through the pipeline at the defaults; label changes per second of each track (a
  change is any switch of the shown label, `uncertain` included), while the people on the clips hold their
  expression.
- Reaction: spliced clips made from CK+48 (one subject, two sequences of different labels): the apex crop of
  the first, then of the second, each 160 px in a 480x480 frame at the same place with 1 px of jitter, 20
  frames each. Reaction is the frames from the splice until the shown label is the one the model shows at the
  end of the second half; pairs the model labels the same at both ends are left out.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from aegis.faces.registry import make_detector
from aegis.io.readers import open_source
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HALF = 20


def stability(model: OnnxModel) -> dict:
    """Label changes per second of every track on the shared clips, at the defaults."""
    changes, seconds = 0, 0.0
    per_clip = {}
    for clip in sorted((DATA / "videos").glob("*.gif")):
        source = open_source(clip)
        pipeline = FacePipeline(model, make_detector(), StreamSettings())
        labels: dict[int, list[str]] = defaultdict(list)
        for i, frame in enumerate(source):
            for face in pipeline.process(frame, i).faces:
                labels[face.track_id].append(face.label)
        clip_changes = sum(sum(a != b for a, b in zip(v, v[1:], strict=False)) for v in labels.values())
        clip_seconds = sum(len(v) for v in labels.values()) / source.fps
        per_clip[clip.stem] = round(clip_changes / clip_seconds, 3)
        changes, seconds = changes + clip_changes, seconds + clip_seconds
    return {"changes_per_second": round(changes / seconds, 3), "per_clip": per_clip}


def spliced_pairs(limit: int = 40) -> list[tuple[np.ndarray, np.ndarray, str, str]]:
    """(apex crop A, apex crop B, label A, label B) for subjects with two sequences of different labels."""
    apex: dict[str, dict[str, tuple[str, Path]]] = defaultdict(dict)  # subject -> sequence -> (label, last frame)
    for path in sorted((DATA / "ckplus48").glob("*/*.png")):
        match = re.match(r"(S\d+)_(\d+)_(\d+)", path.stem)
        if match:
            subject, seq, _ = match.groups()
            apex[subject][seq] = (path.parent.name, path)  # sorted: the last frame of a sequence wins
    pairs = []
    for subject in sorted(apex):
        seqs = sorted(apex[subject].values(), key=lambda v: str(v[1]))
        for (la, pa), (lb, pb) in zip(seqs, seqs[1:], strict=False):
            if la != lb:
                pairs.append((cv2.imread(str(pa), cv2.IMREAD_GRAYSCALE), cv2.imread(str(pb), cv2.IMREAD_GRAYSCALE),
                              la, lb))
    return pairs[:limit]


def spliced_clip(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """HALF frames of face a, then HALF of face b, 160 px at the same place in a 480x480 grey frame."""
    frames = []
    for i in range(2 * HALF):
        frame = np.full((480, 480), 128, np.uint8)
        face = cv2.resize(a if i < HALF else b, (160, 160), interpolation=cv2.INTER_CUBIC)
        x = 160 + (i % 2)
        frame[160:320, x:x + 160] = face
        frames.append(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    return frames


def reaction(model: OnnxModel, pairs: list) -> dict:
    """Frames from the splice until the shown label settles on the second half's."""
    delays, same, lost = [], 0, 0
    for a, b, _, _ in pairs:
        pipeline = FacePipeline(model, make_detector(), StreamSettings())
        shown = []
        for i, frame in enumerate(spliced_clip(a, b)):
            faces = pipeline.process(frame, i).faces
            shown.append(faces[0].label if len(faces) == 1 else None)
        if None in shown[HALF - 2:] or shown[HALF - 1] is None:
            lost += 1
            continue
        if shown[HALF - 1] == shown[-1]:
            same += 1
            continue
        settled = max((i for i in range(HALF, 2 * HALF) if shown[i] != shown[-1]), default=HALF - 1) + 1
        delays.append(settled - HALF)
    return {"pairs": len(pairs), "measured": len(delays), "same_label_both_halves": same, "face_lost": lost,
            "reaction_frames_mean": round(float(np.mean(delays)), 2) if delays else None,
            "reaction_frames_max": int(max(delays)) if delays else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["window", "static"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    pairs = spliced_pairs()
    report = {}
    for name in args.models:
        model = OnnxModel(name)
        report[name] = {"model": model.info.name, "stability": stability(model), "reaction": reaction(model, pairs)}
        print(json.dumps({name: report[name]}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
