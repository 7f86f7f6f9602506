import json

import numpy as np
import pytest

pytest.importorskip("torch")

from synthetic import SquareDetector, draw_frame, write_video  # noqa: E402

from aegis.cli import main  # noqa: E402
from aegis.clips.clip import classify_clip_learned  # noqa: E402
from aegis.clips.features import clip_vector, frame_features  # noqa: E402
from aegis.clips.pyramid import pyramid_size  # noqa: E402
from aegis.clips.runtime import ClipModel  # noqa: E402
from aegis.clips.store import build_clip_store, load_clip_store  # noqa: E402
from aegis.errors import ModelError  # noqa: E402
from aegis.runtime.onnx import OnnxModel  # noqa: E402


def test_frame_features_and_pyramid_vector(tiny_model):
    model = OnnxModel(tiny_model)
    crops = [np.full((48, 48), i / 10, np.float32) for i in range(7)]
    probs, embedding = frame_features(model, crops)
    assert probs.shape == (7, 7) and embedding.shape == (7, 128)
    vector = clip_vector(model, crops, levels=(0, 1))
    assert vector.shape == (pyramid_size(7 + 128, 7, (0, 1)),)


def test_clip_store_from_windows_and_videos_then_clip_pyramid(tmp_path, tiny_model):
    from test_train import _store

    windows = _store(tmp_path / "windows", n=70)
    clips = tmp_path / "videos" / "happy"
    clips.mkdir(parents=True)
    write_video(clips / "a.mp4", [draw_frame([("red", (40 + 4 * i, 40, 70, 70))]) for i in range(8)])
    model = OnnxModel(tiny_model)
    store = build_clip_store([f"store={windows}", f"videos={tmp_path / 'videos'}"], tmp_path / "clips", model,
                             levels=(0, 1), detector=SquareDetector())
    features, rows, meta = load_clip_store(store)
    assert features.shape == (71, pyramid_size(135, 7, (0, 1))) and rows[-1]["video"] == "happy/a"
    assert len(list((tmp_path / "clips" / "cache").glob("*.npy"))) == 1
    assert meta["feature_model"] == str(tiny_model)
    _, _, recorded = load_clip_store(build_clip_store([f"store={windows}"], tmp_path / "c2", model, levels=(0,),
                                                      runtime_model="static"))
    assert recorded["feature_model"] == "static" and recorded["features_made_with"] == str(tiny_model)
    assert main(["train", "--model", "clip-pyramid", "--data", str(store), "--out", str(tmp_path / "run"),
                 "--epochs", "3"]) == 0
    clip_model = ClipModel(tmp_path / "run" / "model.onnx")
    assert clip_model.meta["levels"] == [0, 1] and clip_model(features[:2]).shape == (2, 7)
    report = json.loads((tmp_path / "run" / "test_report.json").read_text())
    assert report["n"] > 0
    assert main(["train", "--model", "clip-pyramid", "--data", str(store), "--out", str(tmp_path / "run2"),
                 "--epochs", "2", "--seed", "1"]) == 0
    assert main(["ensemble", "--runs", str(tmp_path / "run"), str(tmp_path / "run2"), "--data", str(store),
                 "--method", "best", "--json", str(tmp_path / "e.json")]) == 0
    picked = json.loads((tmp_path / "e.json").read_text())
    assert main(["evaluate", "--model", str(tmp_path / "run" / "model.onnx"), "--data", str(store),
                 "--json", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["n"] == 71
    assert 1 <= len(picked["models"]) <= 2 and picked["accuracy"] >= max(picked["single_accuracy"].values())
    decision = classify_clip_learned(clip_model, clips / "a.mp4", detector=SquareDetector())
    assert decision["label"] in clip_model.classes and decision["face_frames"] == 8
    with pytest.raises(ModelError, match="not a clip model"):
        ClipModel(tiny_model)


@pytest.mark.filterwarnings("ignore")
def test_lstm3d_forward_and_onnx_round_trip(tmp_path):
    import onnxruntime as ort
    import torch

    from aegis.clips.lstm3d import ClipLSTM3D, sample_frames

    assert list(sample_frames(100, 5)) == [0, 25, 50, 74, 99]
    drawn = sample_frames(10, 32, np.random.default_rng(0))
    assert len(drawn) == 32 and list(drawn) == sorted(drawn) and drawn.max() < 10
    torch.manual_seed(0)
    model = ClipLSTM3D(feature_dim=135).eval()
    x = torch.randn(3, 32, 135)
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (3, 7) and torch.isfinite(logits).all()
    path = tmp_path / "lstm3d.onnx"
    torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=17, input_names=["features"],
                      output_names=["logits"], dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}})
    out = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"features": x.numpy()})[0]
    np.testing.assert_allclose(out, logits.numpy(), atol=1e-4)
