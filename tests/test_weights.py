"""The shipped models load without torch, carry their metadata and give probabilities."""

import cv2
import numpy as np
import pytest
from conftest import shared_data

from aegis.labels import CLASSES
from aegis.runtime.onnx import DEFAULT_MODEL, WEIGHTS_DIR, OnnxModel

SHIPPED = sorted(p.stem for p in WEIGHTS_DIR.glob("*.onnx") if not p.stem.startswith("clip-"))


def test_the_default_is_the_shipped_frame_model_and_the_window_model_stays_by_name():
    assert DEFAULT_MODEL in SHIPPED and "window" in SHIPPED
    assert OnnxModel().path == OnnxModel("default").path == OnnxModel(DEFAULT_MODEL).path
    assert OnnxModel().info.frames == 1 and OnnxModel("window").info.frames == 5


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_metadata_and_output(name):
    model = OnnxModel(name)
    assert model.classes == CLASSES and model.info.input_size == (48, 48)
    assert model.info.training.get("data"), "shipped weights must say what data trained them"
    probs = model(np.random.default_rng(0).integers(0, 256, (2, 5, 48, 48), dtype=np.uint8))
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


@pytest.mark.real_data
def test_the_int8_default_scores_real_faces_as_the_float_graph_it_comes_from():
    files = sorted(shared_data("fer2013/test").glob("*/*"))[::12]
    crops = np.stack([cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files])[:, None]
    int8, fp32 = OnnxModel("static")(crops), OnnxModel("static-fp32")(crops)
    assert len(crops) >= 250 and OnnxModel("static").info == OnnxModel("static-fp32").info
    assert np.mean(int8.argmax(1) == fp32.argmax(1)) >= 0.95 and np.abs(int8 - fp32).mean() < 0.01


@pytest.mark.skipif(not (WEIGHTS_DIR / "clip-pyramid.onnx").is_file(), reason="no clip model shipped")
def test_shipped_clip_model_fits_its_frame_model():
    from aegis.clips.features import clip_frames
    from aegis.runtime.clip import ClipModel

    clip = ClipModel("clip-pyramid")
    assert clip.info.context_model is None and clip.classes == CLASSES
    frames = clip_frames(OnnxModel(clip.info.feature_model),
                         np.random.default_rng(0).integers(0, 256, (9, 48, 48), dtype=np.uint8))
    assert frames.shape == (9, clip.info.frame_dim)
    np.testing.assert_allclose(clip([frames, frames[:2]]).sum(1), 1.0, atol=1e-5)


def test_bench_table_counts_one_way_and_keeps_torch_times():
    from aegis.evaluation.bench import table

    rows = [{"model": "emotionnet-nano-a", "params": 237_487, "onnx_weights": 235_543, "ms_median": 0.6,
             "torch_ms_median": 2.1},
            {"model": "some.onnx", "params": None, "onnx_weights": 1_000, "ms_median": 0.2}]
    text = table(rows, {"emotionnet-nano-a": 0.85})
    assert "torch ms" in text.splitlines()[0] and "2.100" in text and "235,543" not in text
    assert "1,000*" in text and text.splitlines()[-1].startswith("* weights in the ONNX graph")
