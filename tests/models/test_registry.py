import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aegis.labels import CLASSES  # noqa: E402
from aegis.meta import ModelInfo  # noqa: E402
from aegis.models import create_model, list_models, model_spec  # noqa: E402
from aegis.models.stats import count_params  # noqa: E402

PARAM_TARGETS = {  # Keras-counted parameters from the papers (7 classes, t = 5)
    "timeconvnet-minixception": 58_711,
    "timeconvnet-resnet20": 274_535,
    "minixception-2d": 58_423,
    "timeconvnet-mobilenetv2": 2_267_527,
    "resnet20-3d": 808_775,
    "resnet20-r2plus1d": 523_357,
    "emotionnet-nano-a": 232_000,
    "emotionnet-nano-b": 136_000,
}


def _input(name, batch=2, frames=5):
    spec = model_spec(name)
    t = frames if spec.temporal else 1
    shape = (batch, 1, t, 48, 48) if spec.layout == "video" else (batch, t, 48, 48)
    return torch.rand(shape)


@pytest.mark.parametrize("name", list_models())
def test_forward_shape_and_finite(name):
    model = create_model(name).eval()
    with torch.no_grad():
        out = model(_input(name))
    assert out.shape == (2, 7) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", list_models())
def test_onnx_round_trip_matches_torch(name, tmp_path):
    from aegis.runtime.onnx import OnnxModel
    from aegis.training.export import export_onnx

    torch.manual_seed(0)
    model = create_model(name).eval()
    spec = model_spec(name)
    info = ModelInfo(name=name, classes=CLASSES, frames=5 if spec.temporal else 1, layout=spec.layout)
    runtime = OnnxModel(export_onnx(model, info, tmp_path / f"{name}.onnx"))
    windows = np.random.default_rng(0).integers(0, 256, (3, 5, 48, 48), dtype=np.uint8)
    with torch.no_grad():
        x = torch.from_numpy((windows[:, -info.frames:].astype(np.float32) / 255 - 0.5) / 0.5)  # what the graph does
        expected = torch.softmax(model(x.unsqueeze(1) if spec.layout == "video" else x), -1).numpy()
    np.testing.assert_allclose(runtime(windows), expected, atol=1e-4)
    assert runtime.info == info
    probs, embedding = runtime.embed(windows)
    with torch.no_grad():
        features = model.forward_features(x.unsqueeze(1) if spec.layout == "video" else x)
        pooled = features.flatten(2).mean(-1) if features.dim() > 2 else features
    np.testing.assert_allclose(embedding, pooled.numpy(), atol=1e-4)
    np.testing.assert_allclose(probs, expected, atol=1e-4)


@pytest.mark.parametrize("name,target", sorted(PARAM_TARGETS.items()))
def test_param_count_near_paper(name, target):
    assert abs(count_params(create_model(name)) - target) <= 0.05 * target


def test_unknown_model_lists_valid_names():
    with pytest.raises(ValueError, match="timeconvnet-resnet20"):
        create_model("resnet-9000")
