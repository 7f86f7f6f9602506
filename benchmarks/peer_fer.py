"""The peer `fer` package (TFLite mini-Xception + Haar) on the same data and protocols as `aegis evaluate`.

Runs in a scratch venv, never as a dependency of AEGIS:

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install tensorflow-cpu 'opencv-contrib-python<5' pandas \\
        matplotlib requests tqdm 'moviepy<2' ffmpeg-python Pillow onnxruntime scipy
    /tmp/peer/bin/pip install --no-deps fer==25.10.3 && /tmp/peer/bin/pip install --no-deps -e .
    /tmp/peer/bin/python benchmarks/peer_fer.py --source fer2013=../shared/data/fer2013/test \\
        --votes ../shared/data/fer2013/ferplus.csv --json work/peer-publictest.json

(fer's declared `tensorflow` and `facenet-pytorch` are left out: tensorflow-cpu provides the first, and
the second serves only its MTCNN detector.) `crops`: fer's classifier on each crop as it is (its own
preprocessing: 64x64, scaled to -1..1). `pipeline`: each crop scaled and put in a 480x480 frame as `aegis
evaluate --through-detector` does (`as_frame`) and given to `FER.detect_emotions` (its Haar detector, its box
offsets); `scenes`: each image, in colour, is the frame, as `aegis evaluate --source scenes=` takes it. In
both, the largest face is scored and an image without a face counts as wrong.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
from fer.fer import FER

from aegis.data.images import as_frame, scan_stills
from aegis.data.votes import load_votes
from aegis.evaluation.images import CANVAS_FACE, majority_report
from aegis.evaluation.metrics import classification_report, confusion_matrix
from aegis.labels import CLASSES, canonical_label

PEER_CLASSES = tuple(canonical_label(FER._get_labels()[i]) for i in range(7))  # angry ... neutral


def peer_crops(peer: FER, greys: list[np.ndarray], batch: int = 64) -> np.ndarray:
    """(N, 7) peer probabilities, in CLASSES order, for grey crops used as they are."""
    out = []
    for start in range(0, len(greys), batch):
        faces = np.stack([cv2.resize(g, (64, 64)) for g in greys[start:start + batch]]).astype(np.float32)
        out.append(np.asarray(peer._classify_emotions((faces / 255.0 - 0.5) * 2.0)))
    probs = np.concatenate(out)
    return probs[:, [PEER_CLASSES.index(c) for c in CLASSES]]


def peer_pipeline(peer: FER, frames: list[np.ndarray]) -> tuple[list[int | None], float]:
    """Per frame the peer's top class through its own detection (None: no face), and mean ms per frame."""
    preds, start = [], time.perf_counter()
    for frame in frames:
        faces = peer.detect_emotions(frame)
        if not faces:
            preds.append(None)
            continue
        emotions = max(faces, key=lambda f: f["box"][2] * f["box"][3])["emotions"]
        preds.append(CLASSES.index(canonical_label(max(emotions, key=emotions.get))))
    return preds, (time.perf_counter() - start) * 1e3 / max(len(frames), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="images=PATH or fer2013=PATH")
    parser.add_argument("--votes", help="FER+-style votes CSV (crops mode)")
    parser.add_argument("--mode", choices=("crops", "pipeline", "scenes"), default="crops")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    images, _ = scan_stills(args.source)
    greys = [item.read_grey() for item in images]
    y_true = [CLASSES.index(item.label) for item in images]
    peer = FER(mtcnn=False)
    if args.mode == "crops":
        preds = peer_crops(peer, greys).argmax(1)
        report = classification_report(confusion_matrix(y_true, preds, 7), CLASSES)
        if args.votes:
            report["ferplus"] = majority_report(load_votes(args.votes), [i.path.stem for i in images], preds,
                                                CLASSES).to_json()
    else:
        frames = ([cv2.imread(str(item.path), cv2.IMREAD_COLOR) for item in images] if args.mode == "scenes" else
                  [cv2.cvtColor(as_frame(g, CANVAS_FACE / max(g.shape))[0], cv2.COLOR_GRAY2BGR) for g in greys])
        found, ms = peer_pipeline(peer, frames)
        scored = [(t, p) for t, p in zip(y_true, found, strict=True) if p is not None]
        report = classification_report(confusion_matrix([t for t, _ in scored], [p for _, p in scored], 7), CLASSES)
        report.update(pipeline_accuracy=sum(t == p for t, p in scored) / len(images),
                      no_face=len(images) - len(scored), ms_per_frame=ms)
    report.update(peer="fer 25.10.3 (TFLite mini-Xception, Haar)", source=args.source, mode=args.mode)
    print(json.dumps({k: v for k, v in report.items() if k not in ("per_class", "confusion")}, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
