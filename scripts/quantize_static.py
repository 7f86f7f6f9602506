"""Derive the shipped default frame model, aegis/weights/static.onnx, from the trained static-fp32.onnx: int8.

The convolutions run in int8 (ONNX Runtime's static quantisation, QDQ format: weights per output channel,
activations with MinMax ranges from 1,000 FER2013 train crops drawn with seed 0); the adds, the pooling, the
classifier and the softmax stay in float, so the probabilities and the embedding keep their precision. Weights
keep 7 bits (`reduce_range`): x86 CPUs without VNNI add uint8-by-int8 products in 16-bit pairs, which 8-bit
weights can overflow. The graph keeps its input, its outputs (`probs`, `embedding`) and its AEGIS metadata; scaling and
normalisation stay inside it. Measured against the float graph in docs/accuracy.md.

    pip install onnx                     # the train extra
    python scripts/quantize_static.py    # reads ../shared/data/fer2013/train
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

WEIGHTS = Path(__file__).resolve().parents[1] / "aegis" / "weights"
FER_TRAIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013" / "train"


class Crops(CalibrationDataReader):
    """Batches of 50 grey 48x48 crops, as the graph's uint8 (N, 1, 48, 48) input."""

    def __init__(self, crops: np.ndarray, input_name: str) -> None:
        self.batches = iter([{input_name: crops[i:i + 50]} for i in range(0, len(crops), 50)])

    def get_next(self) -> dict | None:
        return next(self.batches, None)


def calibration_crops(folder: Path, count: int, seed: int) -> np.ndarray:
    """`count` crops drawn at random from a FER2013 class-folder split."""
    files = sorted(folder.glob("*/*.png"))
    if len(files) < count:
        raise SystemExit(f"{folder} holds {len(files)} PNG crops; {count} are needed")
    chosen = np.random.default_rng(seed).choice(len(files), count, replace=False)
    return np.stack([cv2.resize(cv2.imread(str(files[i]), cv2.IMREAD_GRAYSCALE), (48, 48)) for i in chosen])[:, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=WEIGHTS / "static-fp32.onnx")
    parser.add_argument("--out", type=Path, default=WEIGHTS / "static.onnx")
    parser.add_argument("--data", type=Path, default=FER_TRAIN, help="FER2013 train class folders")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    crops = calibration_crops(args.data, args.count, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(args.model), str(prepared))
        input_name = ort.InferenceSession(str(args.model)).get_inputs()[0].name
        quantize_static(str(prepared), str(args.out), Crops(crops, input_name), quant_format=QuantFormat.QDQ,
                        per_channel=True, reduce_range=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                        op_types_to_quantize=["Conv"])
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
