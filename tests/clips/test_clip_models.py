import json
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("torch")

from synthetic import COLOURS, SquareDetector, draw_frame, write_video  # noqa: E402

from aegis.cli import main  # noqa: E402
from aegis.clips.clip import classify_clip_learned  # noqa: E402
from aegis.clips.features import clip_frames, frame_features  # noqa: E402
from aegis.clips.inputs import clip_input, sample_frames  # noqa: E402
from aegis.clips.pyramid import pyramid_size  # noqa: E402
from aegis.clips.store import build_clip_store, load_clip_store  # noqa: E402
from aegis.data.windows import stack_window  # noqa: E402
from aegis.errors import AegisError, ModelError  # noqa: E402
from aegis.evaluation.stores import evaluate_clip_source  # noqa: E402
from aegis.labels import CLASSES  # noqa: E402
from aegis.meta import ModelInfo  # noqa: E402
from aegis.runtime.clip import ClipModel  # noqa: E402
from aegis.runtime.onnx import OnnxModel  # noqa: E402


def _videos(root, per_class=3, frames=8):
    """A `videos` layout: per class, clips of a square whose colour and place depend on the class and clip."""
    colours = list(COLOURS)
    for c, label in enumerate(CLASSES):
        (root / label).mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            colour, x = colours[(c + k) % 3], 30 + 10 * c
            write_video(root / label / f"p{k}-{label}.mp4",
                        [draw_frame([(colour, (x + 3 * i, 60, 70, 70))]) for i in range(frames)])
    return root


def test_frame_features_score_each_frame_on_its_live_window(tiny_model):
    model = OnnxModel(tiny_model)
    crops = np.random.default_rng(0).integers(0, 256, (7, 48, 48), dtype=np.uint8)
    probs, embedding = frame_features(model, crops[None])
    assert probs.shape == (1, 7, 7) and embedding.shape == (1, 7, 128)
    live = np.stack([stack_window(list(crops[:i + 1]), 5) for i in range(7)])
    np.testing.assert_allclose(probs[0], model(live), atol=1e-5)
    pair = np.stack([crops, crops[::-1]])  # batches smaller than a clip, crossing from one clip to the next
    probs_pair, embedding_pair = frame_features(model, pair, batch=3)
    np.testing.assert_allclose(probs_pair[0], probs[0], atol=1e-5)
    np.testing.assert_allclose(embedding_pair[1], frame_features(model, pair[1:])[1][0], atol=1e-5)
    context = clip_frames(model, crops, model, crops[::-1].copy())
    assert context.shape == (7, 7 + 128 + 128)
    np.testing.assert_allclose(context[:, 135:], frame_features(model, crops[None, ::-1])[1][0], atol=1e-5)


def test_clip_inputs_follow_the_model_metadata():
    frames = np.random.default_rng(0).random((10, 9), dtype=np.float32)
    meta = ModelInfo(name="clip", classes=("a", "b", "c"), frames=1, input="pyramid", levels=(0, 1),
                     feature_model="static", frame_dim=9)
    assert clip_input(meta, frames).shape == (pyramid_size(9, 3, (0, 1)),)
    even = clip_input(replace(meta, input="sequence", k=4), frames)
    np.testing.assert_array_equal(even, frames[[0, 3, 6, 9]])
    assert list(sample_frames(100, 5)) == [0, 25, 50, 74, 99]
    drawn = sample_frames(10, 32, np.random.default_rng(0))
    assert len(drawn) == 32 and list(drawn) == sorted(drawn) and drawn.max() < 10
    with pytest.raises(ModelError, match="not a clip's per-frame features"):
        clip_input(replace(meta, input="window"), frames)
    with pytest.raises(ValueError, match="input 'bag'"):
        replace(meta, input="bag")


def test_clip_store_from_windows_and_videos(tmp_path, tiny_model):
    from synthetic import window_store

    windows = window_store(tmp_path / "windows", n=14)
    videos = tmp_path / "videos"
    write_video((videos / "happy").mkdir(parents=True) or videos / "happy" / "a.mp4",
                [draw_frame([("red", (40 + 4 * i, 40, 70, 70))]) for i in range(8)])
    write_video(videos / "happy" / "empty.mp4", [draw_frame([]) for _ in range(4)])
    model = OnnxModel(tiny_model)
    store = load_clip_store(build_clip_store([f"store={windows}", f"videos={videos}"], tmp_path / "clips", model,
                                             detector=SquareDetector()))
    assert len(store) == 15 and store.frames.shape == (14 * 5 + 8, 135)
    assert store.rows[-1]["video"] == "happy/a" and store.clip(14).shape == (8, 135)
    np.testing.assert_allclose(store.clip(14), clip_frames(model, _crops_of(videos / "happy" / "a.mp4", model)),
                               atol=1e-5)
    assert store.meta["no_face"] == ["happy/empty: no face"] and store.meta["frame_dim"] == 135
    cache = tmp_path / "clips" / "cache"
    assert len(list(cache.glob("*.npy"))) == 1
    moved = tmp_path / "moved"
    videos.rename(moved)  # the same content elsewhere hits the cache; new content does not
    build_clip_store([f"videos={moved}"], tmp_path / "clips", model, detector=SquareDetector())
    assert len(list(cache.glob("*.npy"))) == 1
    write_video(moved / "happy" / "a.mp4", [draw_frame([("red", (30 + 4 * i, 40, 70, 70))]) for i in range(8)])
    build_clip_store([f"videos={moved}"], tmp_path / "clips", model, detector=SquareDetector())
    assert len(list(cache.glob("*.npy"))) == 2
    with pytest.raises(AegisError, match="context features need videos"):
        build_clip_store([f"store={windows}"], tmp_path / "c2", model, context_model=model)


def _crops_of(video, model):
    from aegis.clips.store import main_face
    from aegis.data.sources import Video

    return main_face(Video("a", "a", "happy", video), model, SquareDetector()).crops


def test_parallel_feature_extraction_equals_serial_and_adds_context(tmp_path, tiny_model):
    videos = _videos(tmp_path / "videos", per_class=1)
    model = OnnxModel(tiny_model)
    serial = load_clip_store(build_clip_store([f"videos={videos}"], tmp_path / "serial", model,
                                              detector=SquareDetector()))
    parallel = load_clip_store(build_clip_store([f"videos={videos}"], tmp_path / "parallel", model,
                                                detector=SquareDetector(), workers=2))
    assert serial.rows == parallel.rows and len(serial) == 7
    np.testing.assert_array_equal(serial.frames, parallel.frames)
    context = load_clip_store(build_clip_store([f"videos={videos}"], tmp_path / "context", model,
                                               detector=SquareDetector(), context_model=model, workers=2))
    assert context.frames.shape == (len(serial.frames), 135 + 128)
    assert context.meta["context_model"] == str(tiny_model)
    np.testing.assert_allclose(context.frames[:, :135], serial.frames, atol=1e-6)


@pytest.mark.slow
def test_clip_models_end_to_end_on_a_videos_layout(tmp_path, tiny_model):
    videos = _videos(tmp_path / "videos")
    model = OnnxModel(tiny_model)
    store_path = build_clip_store([f"videos={videos}"], tmp_path / "clips", model, detector=SquareDetector(),
                                  workers=2)
    store = load_clip_store(store_path)
    assert len(store) == 21
    runs = {}
    for name, extra in (("clip-pyramid", ["--levels", "0", "1"]), ("clip-lstm3d", ["--clip-frames", "8"])):
        runs[name] = tmp_path / name
        assert main(["train", "--model", name, "--data", str(store_path), "--out", str(runs[name]),
                     "--epochs", "3", *extra]) == 0
        clip_model = ClipModel(runs[name] / "model.onnx")
        assert clip_model.info.frame_dim == 135 and clip_model.info.feature_model == str(tiny_model)
        probs = clip_model(store.clips()[:3])
        assert probs.shape == (3, 7)
        np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
        assert json.loads((runs[name] / "test_report.json").read_text())["n"] > 0
        assert clip_model.info.temperature > 0  # fitted on the validation clips, applied inside the graph
    assert ClipModel(runs["clip-pyramid"] / "model.onnx").info.levels == (0, 1)
    assert ClipModel(runs["clip-lstm3d"] / "model.onnx").info.k == 8
    assert main(["ensemble", "--runs", str(runs["clip-pyramid"]), str(runs["clip-lstm3d"]), "--data",
                 str(store_path), "--method", "best", "--json", str(tmp_path / "e.json")]) == 0
    picked = json.loads((tmp_path / "e.json").read_text())
    assert 1 <= len(picked["models"]) <= 2 and picked["accuracy"] >= max(picked["single_accuracy"].values())
    assert main(["evaluate", "--model", str(runs["clip-lstm3d"] / "model.onnx"), "--data", str(store_path),
                 "--json", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["n"] == 21
    lstm = ClipModel(runs["clip-lstm3d"] / "model.onnx")
    report = evaluate_clip_source(lstm, f"videos={videos}", detector=SquareDetector())
    stored = lstm(store.clips()).argmax(1)
    labels = [CLASSES.index(r["label"]) for r in store.rows]
    assert report.clips == 21 and report.no_face == 0
    assert report.clip_accuracy == pytest.approx(np.mean(stored == labels))
    decision = classify_clip_learned(lstm, videos / "happiness" / "p0-happiness.mp4", detector=SquareDetector())
    assert decision.label in lstm.classes and decision.face_frames == 8
    assert decision.main_track in decision.tracks and decision.tracks[decision.main_track]["frequency"] == 1


@pytest.mark.slow
def test_clip_model_errors(tmp_path, tiny_model, capsys):
    from synthetic import window_store

    with pytest.raises(ModelError, match="not a clip model"):
        ClipModel(tiny_model)
    windows = window_store(tmp_path / "windows", n=14)
    clips = build_clip_store([f"store={windows}"], tmp_path / "clips", OnnxModel(tiny_model))
    assert main(["evaluate", "--model", str(tiny_model), "--data", str(clips)]) == 2
    assert "a clip store needs a clip model" in capsys.readouterr().err
    assert main(["train", "--model", "clip-pyramid", "--data", str(clips), "--out", str(tmp_path / "run"),
                 "--epochs", "1"]) == 0
    clip_model = ClipModel(tmp_path / "run" / "model.onnx")
    assert main(["evaluate", "--model", str(clip_model.path), "--data", str(windows)]) == 2
    index = clips / "index.csv"
    index.write_text(index.read_text().replace("\nanger,", "\ncontempt,", 1))  # a label the model lacks
    from aegis.clips.ensemble import run_ensemble

    fused = run_ensemble([str(tmp_path / "run")], str(clips), "average")
    assert fused.n == 13 and fused.skipped_labels == 1
    (tmp_path / "unlabelled" / "bored").mkdir(parents=True)
    write_video(tmp_path / "unlabelled" / "bored" / "x.mp4", [draw_frame([("red", (40, 40, 70, 70))])] * 3)
    with pytest.raises(AegisError, match=r"no labelled videos in videos=.*unknown labels \{'bored': 1\}"):
        evaluate_clip_source(clip_model, f"videos={tmp_path / 'unlabelled'}", detector=SquareDetector())
    with pytest.raises(AegisError, match="a clip model reads videos"):
        evaluate_clip_source(clip_model, "images=faces")
    with pytest.raises(ModelError, match="per-frame features of width 135"):
        clip_model([np.zeros((4, 10), np.float32)])


@pytest.mark.filterwarnings("ignore")
def test_lstm3d_forward_and_onnx_round_trip(tmp_path):
    import onnxruntime as ort
    import torch

    from aegis.clips.nets import ClipLSTM3D

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


def test_clip_calibration_fits_the_validation_clips():
    import torch

    from aegis.clips.training import _calibrate

    torch.manual_seed(0)
    x = torch.randn(400, 4)
    y = (x[:, 0] > 0).long()
    overconfident = torch.nn.Linear(4, 2)
    with torch.no_grad():
        overconfident.weight[:] = torch.tensor([[-20.0, 0, 0, 0], [20.0, 0, 0, 0]])
        overconfident.bias.zero_()
        x[::4, 0] *= -1  # a quarter of the labels now disagree with the sign the model reads
    result = _calibrate(overconfident, x, y, np.arange(400))
    assert result["temperature"] > 2 and result["ece_after"] < result["ece_before"]
