"""How the `uncertain` threshold trades coverage for accuracy: on labelled face crops and on real clips.

For each threshold: on the crops, the share of faces marked uncertain (top probability under it) and the
accuracy of the confident rest (with --votes also against the FER+ majority labels, over the crops that have
one; a majority the model lacks counts as wrong); on the clips (unlabelled), the share of face rows marked
uncertain by the full pipeline with default settings (smoothing included).

    python benchmarks/threshold.py --model default --crops fer2013=../shared/data/fer2013/test \\
        [--votes ../shared/data/fer2013/ferplus.csv] --clips ../shared/data/videos/*.gif --json work/t.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from aegis.analyze.analyzer import Analyzer
from aegis.data.images import scan_stills
from aegis.data.votes import load_votes
from aegis.evaluation.images import predict_stills
from aegis.runtime.onnx import OnnxModel

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def crop_table(model: OnnxModel, source: str, votes: str | None = None) -> list[dict]:
    """Per threshold: share uncertain and accuracy of the confident crops (and against the FER+ majority)."""
    images, _ = scan_stills(source, contempt="contempt" in model.classes)
    h, w = model.info.input_size
    stills = np.stack([cv2.resize(i.read_grey(), (w, h), interpolation=cv2.INTER_AREA) for i in images])
    probs = np.concatenate([predict_stills(model, stills[s:s + 256, None])
                            for s in range(0, len(stills), 256)])
    truth = np.array([model.classes.index(i.label) for i in images])
    right = probs.argmax(1) == truth
    if votes:
        table = load_votes(votes)
        majority = [table.majority_label(i.path.stem) for i in images]
        has = np.array([m is not None for m in majority])
        right_fp = np.array([m is not None and m in model.classes and model.classes.index(m) == p
                             for m, p in zip(majority, probs.argmax(1), strict=True)])
    rows = []
    for t in THRESHOLDS:
        sure = probs.max(1) >= t
        row = {"threshold": t, "uncertain": float(1 - sure.mean()),
               "confident_accuracy": float(right[sure].mean()) if sure.any() else None}
        if votes:
            sure_fp = sure & has
            row.update(ferplus_uncertain=float(1 - sure_fp.sum() / has.sum()),
                       ferplus_confident_accuracy=float(right_fp[sure_fp].mean()) if sure_fp.any() else None)
        rows.append(row)
    return rows


def clip_table(model: str, clips: list[str]) -> list[dict]:
    """Per threshold: share of face rows marked uncertain over all clips (default pipeline settings)."""
    confidences = []
    for clip in clips:
        for result in Analyzer(model=model, threshold=0.0).stream(clip, keep_image=False):
            confidences += [face.confidence for face in result.faces]
    conf = np.array(confidences)
    return [{"threshold": t, "uncertain": float((conf < t).mean()), "face_rows": len(conf)} for t in THRESHOLDS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--crops", required=True, help="images=PATH or fer2013=PATH of labelled face crops")
    parser.add_argument("--votes", help="FER+-style votes CSV: also score the crops against their FER+ majority")
    parser.add_argument("--clips", nargs="+", required=True, help="videos or GIFs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = {"model": args.model, "crops": crop_table(OnnxModel(args.model), args.crops, args.votes),
              "clips": clip_table(args.model, args.clips)}
    for crops, clips in zip(result["crops"], result["clips"], strict=True):
        ferplus = (f" (FER+: {crops['ferplus_uncertain']:.1%}, {crops['ferplus_confident_accuracy']:.1%})"
                   if "ferplus_uncertain" in crops else "")
        print(f"threshold {crops['threshold']:.2f}: crops uncertain {crops['uncertain']:.1%}, confident accuracy "
              f"{crops['confident_accuracy']:.1%}{ferplus}; clips uncertain {clips['uncertain']:.1%} of "
              f"{clips['face_rows']} face rows")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
