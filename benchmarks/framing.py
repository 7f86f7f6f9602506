"""Where the pipeline's face detector puts its box on training crops, and the crop margin that matches them.

Each crop is upscaled 4x and pasted in the middle of a 480x480 canvas of its own border colour
(`as_frame`, as `aegis evaluate --through-detector` does), the way a face appears in a video frame; the
detector then runs on the canvas. The box is expressed in crop units (0..1). The margin that turns such a
box back into the whole training crop is left = x / w, right = (1 - x - w) / w, top = y / h and
bottom = (1 - y - h) / h; the medians over the found faces are the matched framing.

    python benchmarks/framing.py --source fer2013=../shared/data/fer2013/train \
        --source images=../shared/data/ckplus48 --limit 600 [--detector mtcnn] --json work/framing.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from aegis.data.images import as_frame, scan_stills
from aegis.faces.base import Detector
from aegis.faces.registry import detector_names, make_detector


def box_in_crop(grey: np.ndarray, detector: Detector, scale: int = 4) -> np.ndarray | None:
    """The largest detected box as (x, y, w, h) in units of the crop's side; None if no face is found."""
    frame, (left, top) = as_frame(grey, scale)
    faces = detector(frame)
    if not faces:
        return None
    x, y, bw, bh = max(faces, key=lambda d: d.box[2] * d.box[3]).box
    side = grey.shape[0] * scale
    return np.array([(x - left) / side, (y - top) / side, bw / side, bh / side])


def measure(source: str, limit: int, detector_name: str = "haar", seed: int = 0) -> dict:
    """Found share, box percentiles and the matching margin for a sample of a source's crops."""
    images, _ = scan_stills(source)
    rng = np.random.default_rng(seed)
    sample = [images[i] for i in rng.choice(len(images), min(limit, len(images)), replace=False)]
    detector = make_detector(detector_name)
    boxes = np.array([b for item in sample if (b := box_in_crop(item.read_grey(), detector)) is not None])
    x, y, w, h = boxes.T
    margins = {"left": x / w, "right": (1 - x - w) / w, "top": y / h, "bottom": (1 - y - h) / h}
    return {"source": source, "detector": detector_name, "crops": len(sample), "found": len(boxes),
            "box_median": dict(zip("xywh", np.median(boxes, 0).round(3).tolist(), strict=True)),
            "box_iqr": {k: np.percentile(v, [25, 75]).round(3).tolist() for k, v in zip("xywh", boxes.T, strict=True)},
            "margin_median": {k: round(float(np.median(v)), 3) for k, v in margins.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", required=True, help="images=PATH or fer2013=PATH")
    parser.add_argument("--limit", type=int, default=1000, help="crops sampled per source")
    parser.add_argument("--detector", choices=detector_names(), default="haar")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [measure(s, args.limit, args.detector) for s in args.source]
    for r in results:
        print(json.dumps(r))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
