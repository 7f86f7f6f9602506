import numpy as np
import pytest

from aegis.errors import ModelError
from aegis.runtime.onnx import OnnxModel


def test_metadata_and_batched_probs(tiny_model):
    model = OnnxModel(tiny_model)
    assert model.info.name == "timeconvnet-minixception" and model.info.frames == 5
    assert model.classes[3] == "happiness"
    probs = model(np.random.default_rng(0).integers(0, 256, (3, 5, 48, 48), dtype=np.uint8))
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="neither a file"):
        OnnxModel(tmp_path / "nope.onnx")


def test_not_an_onnx_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not onnx")
    with pytest.raises(ModelError, match="cannot load"):
        OnnxModel(bad)


def test_onnx_without_metadata(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, 48, 48])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, 48, 48])])
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9), str(path))
    with pytest.raises(ModelError, match="no AEGIS metadata"):
        OnnxModel(path)


def test_float_windows_are_refused_with_a_clear_error(tiny_model):
    with pytest.raises(ModelError, match="uint8 crops"):
        OnnxModel(tiny_model)(np.zeros((1, 5, 48, 48), np.float32))


def test_a_graph_that_takes_float_windows_is_refused_at_load(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from aegis.meta import METADATA_KEY, ModelInfo

    graph = helper.make_graph([helper.make_node("Identity", ["windows"], ["probs"])], "old",
                              [helper.make_tensor_value_info("windows", TensorProto.FLOAT, [None, 1, 48, 48])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [None, 1, 48, 48])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, ModelInfo(name="old", classes=("a",), frames=1).to_json()
    onnx.save(model, str(tmp_path / "old.onnx"))
    with pytest.raises(ModelError, match="re-export"):
        OnnxModel(tmp_path / "old.onnx")


def test_load_model_picks_the_runtime_from_the_input_kind_in_the_metadata():
    from aegis.runtime.clip import ClipModel, load_model

    assert type(load_model("static")) is OnnxModel and load_model("static").info.input == "window"
    clip = load_model("clip-pyramid")
    assert type(clip) is ClipModel and clip.info.input == "pyramid" and clip.info.levels == (0, 1, 2, 3)
    with pytest.raises(ModelError, match="not a frame model"):
        OnnxModel("clip-pyramid")
    with pytest.raises(ModelError, match="not a clip model"):
        ClipModel("static")
