"""Bring AEGIS graphs exported before the redesign to today's layout, without their checkpoints (not shipped).

- Frame models: the pixel stage moves into the graph, which then takes (B, t, H, W) uint8 crops, as
  `aegis export` now writes it (aegis.training.inputs.pixel_input): Cast to float, / 255, - mean, / std
  (the model's metadata) and, for the "video" layout, an Unsqueeze are prepended. The network, its weights
  and its outputs are unchanged; a graph that already takes uint8 is left as it is.
- Clip models: their "aegis_clip" metadata becomes the one ModelInfo schema under "aegis" (input "pyramid"
  or "sequence"); the graph itself is unchanged.

    python scripts/upgrade_graphs.py aegis/weights/static.onnx aegis/weights/window.onnx aegis/weights/clip-pyramid.onnx
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

LEGACY_CLIP_KEY = "aegis_clip"


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


def clip_metadata(model: onnx.ModelProto) -> onnx.ModelProto:
    """A clip model's "aegis_clip" JSON rewritten as the ModelInfo every AEGIS graph carries under "aegis"."""
    old = {p.key: p.value for p in model.metadata_props}
    if LEGACY_CLIP_KEY not in old:
        return model
    meta = json.loads(old[LEGACY_CLIP_KEY])
    clip = {"levels": tuple(meta["levels"])} if meta["input"] == "pyramid" else {"k": meta["k"]}
    info = ModelInfo(name=meta["name"], classes=tuple(meta["classes"]), frames=1, crop="none",
                     temperature=meta.get("temperature", 1.0), training={"data": meta.get("training")},
                     input=meta["input"], frame_dim=meta["frame_dim"], feature_model=meta["feature_model"],
                     context_model=meta["context_model"], **clip)
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, info.to_json()
    return model


def upgrade(model: onnx.ModelProto) -> onnx.ModelProto:
    """Either upgrade, as the graph needs."""
    keys = {p.key for p in model.metadata_props}
    return clip_metadata(model) if LEGACY_CLIP_KEY in keys else pixel_graph(model)


def main() -> None:
    """Rewrite each named graph in place (through a temporary file)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graphs", nargs="+", type=Path, help="ONNX files, rewritten in place")
    for path in parser.parse_args().graphs:
        model = upgrade(onnx.load(str(path)))
        tmp = path.with_name(path.name + ".partial")
        onnx.save(model, str(tmp))
        os.replace(tmp, path)
        print(path, json.loads(next(p.value for p in model.metadata_props if p.key == METADATA_KEY))["name"])


if __name__ == "__main__":
    main()
