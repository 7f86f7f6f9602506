"""What eye-line alignment (mtcnn landmarks) does to accuracy and to label stability.

Accuracy: CK+48 crops put in a frame (`as_frame`, 4x) and turned by a random tilt of up to `--tilt` degrees
(0: upright), found by mtcnn and cut with and without the roll of their landmarks, then classified by the
shipped static model. Stability: the shared clips through the full pipeline (mtcnn, default settings) with
`align` on and off: how often a track's label changes from one frame to the next, and the mean confidence.

    python benchmarks/alignment.py --tilt 0 25 --json work/alignment.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import as_frame, scan_stills
from aegis.evaluation.images import predict_stills
from aegis.faces.crop import crop_face, eye_roll
from aegis.faces.registry import make_detector
from aegis.io.readers import open_source
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import FacePipeline, StreamSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def accuracy(model: OnnxModel, tilt: float, seed: int = 0) -> dict:
    """CK+48 accuracy of crops cut with and without alignment, for faces tilted up to `tilt` degrees."""
    images, _ = scan_stills(f"images={DATA / 'ckplus48'}", contempt="contempt" in model.classes)
    detector, rng = make_detector("mtcnn"), np.random.default_rng(seed)
    size = model.info.input_size[0]
    crops: dict[str, list[np.ndarray]] = {"aligned": [], "upright": []}
    truth, missed = [], 0
    for item in images:
        frame, _ = as_frame(item.read_grey(), 4)
        angle = float(rng.uniform(-tilt, tilt))
        turn = cv2.getRotationMatrix2D((frame.shape[1] / 2, frame.shape[0] / 2), angle, 1.0)
        frame = cv2.warpAffine(frame, turn, frame.shape[::-1], borderMode=cv2.BORDER_REPLICATE)
        faces = detector(frame)
        if not faces:
            missed += 1
            continue
        face = max(faces, key=lambda d: d.box[2] * d.box[3])
        for name, roll in (("aligned", eye_roll(face.landmarks)), ("upright", 0.0)):
            crops[name].append(crop_face(frame, face.box, size, model.info.crop, roll))
        truth.append(model.classes.index(item.label))
    result = {"tilt": tilt, "images": len(images), "no_face": missed}
    for name, stack in crops.items():
        probs = predict_stills(model, np.stack(stack)[:, None])
        result[f"{name}_accuracy"] = round(float(np.mean(probs.argmax(1) == np.array(truth))), 4)
    return result


def stability(model: OnnxModel, align: bool) -> dict:
    """Label changes per track-frame and mean confidence over the shared clips."""
    changes = steps = 0
    confidence = []
    for path in sorted((DATA / "videos").glob("*.gif")):
        pipeline = FacePipeline(model, make_detector("mtcnn"), StreamSettings(align=align))
        last: dict[int, str] = {}
        for i, frame in enumerate(open_source(path)):
            for face in pipeline.process(frame, i).faces:
                if face.track_id in last:
                    steps += 1
                    changes += last[face.track_id] != face.label
                last[face.track_id] = face.label
                confidence.append(face.confidence)
    return {"align": align, "label_changes_per_step": round(changes / max(steps, 1), 4), "steps": steps,
            "mean_confidence": round(float(np.mean(confidence)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tilt", type=float, nargs="+", default=[0.0, 25.0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    static, default = OnnxModel("static", threads=1), OnnxModel(None, threads=1)
    report = {"accuracy": [accuracy(static, t) for t in args.tilt],
              "stability": [stability(default, a) for a in (True, False)]}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
