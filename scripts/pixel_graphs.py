"""Move the shipped window graphs' pixel stage into the graph: they take (B, t, H, W) uint8 crops.

The graphs in aegis/weights/ were exported before `aegis export` put the scaling and normalisation inside
(aegis.models.inputs.pixel_input); their checkpoints are not shipped. This prepends the same stage to each:
Cast to float, / 255, - mean, / std (the model's metadata) and, for the "video" layout, an Unsqueeze. The
network, its weights and its outputs are unchanged; a graph that already takes uint8 is left as it is.

    python scripts/pixel_graphs.py aegis/weights/static.onnx aegis/weights/window.onnx
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from aegis.meta import METADATA_KEY, ModelInfo


def pixel_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same network behind a uint8 input named as before, scaled and normalised as its metadata says."""
    info = ModelInfo.from_json(next(p.value for p in model.metadata_props if p.key == METADATA_KEY))
    graph = model.graph
    old = graph.input[0]
    if old.type.tensor_type.elem_type == TensorProto.UINT8:
        return model
    name = old.name
    inner = f"{name}_normalised"
    for node in graph.node:
        node.input[:] = [inner if i == name else i for i in node.input]
    consts = {"pixel_scale": 255.0, "pixel_mean": info.mean, "pixel_std": info.std}
    graph.initializer.extend(numpy_helper.from_array(np.array(v, np.float32), k) for k, v in consts.items())
    steps = [helper.make_node("Cast", [name], ["pixel_float"], to=TensorProto.FLOAT),
             helper.make_node("Div", ["pixel_float", "pixel_scale"], ["pixel_unit"]),
             helper.make_node("Sub", ["pixel_unit", "pixel_mean"], ["pixel_centred"])]
    if info.layout == "video":
        graph.initializer.append(numpy_helper.from_array(np.array([1], np.int64), "pixel_axis"))
        steps += [helper.make_node("Div", ["pixel_centred", "pixel_std"], ["pixel_stack"]),
                  helper.make_node("Unsqueeze", ["pixel_stack", "pixel_axis"], [inner])]
    else:
        steps.append(helper.make_node("Div", ["pixel_centred", "pixel_std"], [inner]))
    nodes = steps + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    dims = [d.dim_param or d.dim_value for d in old.type.tensor_type.shape.dim]
    shape = dims[:1] + dims[2:] if info.layout == "video" else dims
    graph.input.remove(old)
    graph.input.insert(0, helper.make_tensor_value_info(name, TensorProto.UINT8, shape))
    onnx.checker.check_model(model)
    return model


def main() -> None:
    """Rewrite each named graph in place (through a temporary file)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graphs", nargs="+", type=Path)
    for path in parser.parse_args().graphs:
        model = pixel_graph(onnx.load(str(path)))
        tmp = path.with_name(path.name + ".partial")
        onnx.save(model, str(tmp))
        os.replace(tmp, path)
        print(path, json.loads(next(p.value for p in model.metadata_props if p.key == METADATA_KEY))["name"])


if __name__ == "__main__":
    main()
