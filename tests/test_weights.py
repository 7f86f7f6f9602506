"""The shipped models load without torch, carry their metadata and give probabilities."""

import numpy as np
import pytest

from aegis.evaluate import default_model_for
from aegis.labels import CLASSES
from aegis.runtime.onnx import WEIGHTS_DIR, OnnxModel

SHIPPED = sorted(p.stem for p in WEIGHTS_DIR.glob("*.onnx") if not p.stem.startswith("clip-"))


def test_a_default_model_is_shipped():
    assert "default" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_metadata_and_output(name):
    model = OnnxModel(name)
    assert model.classes == CLASSES and model.info.input_size == (48, 48)
    assert model.info.training.get("data"), "shipped weights must say what data trained them"
    probs = model(np.random.default_rng(0).random((2, 5, 48, 48), dtype=np.float32))
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


def test_default_is_temporal():
    assert OnnxModel().info.frames == 5


def test_still_images_use_the_static_model_when_shipped():
    expected = "static" if "static" in SHIPPED else None
    assert default_model_for("images=faces") == expected
    assert default_model_for("ckplus=raw") is None and default_model_for(None) is None


@pytest.mark.skipif(not (WEIGHTS_DIR / "clip-pyramid.onnx").is_file(), reason="no clip model shipped")
def test_shipped_clip_model_fits_its_frame_model():
    from aegis.clips.features import clip_frames
    from aegis.clips.runtime import ClipModel

    clip = ClipModel("clip-pyramid")
    assert clip.meta["context_model"] is None and clip.classes == CLASSES
    frames = clip_frames(OnnxModel(clip.meta["feature_model"]),
                         np.random.default_rng(0).random((9, 48, 48), dtype=np.float32))
    assert frames.shape == (9, clip.meta["frame_dim"])
    np.testing.assert_allclose(clip([frames, frames[:2]]).sum(1), 1.0, atol=1e-5)
