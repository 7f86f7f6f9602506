import itertools

import numpy as np
import pytest

from aegis.clips.ensemble import average_fusion, best_selection, fused_accuracy
from aegis.clips.pyramid import pyramid_features, pyramid_size, segments
from aegis.clips.voting import VoteSettings, main_track, person_region, track_weights
from aegis.runtime.results import FaceResult, FrameResult


def _clip(tracks: dict[int, tuple[range, int, float]], length: int = 20) -> list[FrameResult]:
    """tracks: id -> (frames present, face side, detection score)."""
    results = []
    for i in range(length):
        faces = [FaceResult(t, (10, 10, side, side), score, np.full(7, 1 / 7), "neutral", 1 / 7)
                 for t, (present, side, score) in tracks.items() if i in present]
        results.append(FrameResult(i, i / 10, faces, frame_size=(200, 320)))
    return results


def test_dominant_face_wins():
    clip = _clip({1: (range(0, 20), 80, 0.9), 2: (range(5, 9), 40, 0.95)})
    weights = track_weights(clip)
    assert main_track(weights) == 1
    assert weights[1]["frequency"] == 1.0 and weights[2]["frequency"] == 0.2 and weights[2]["size"] == 0.2


def test_priority_constants_change_the_winner():
    # track 1: always there but small; track 2: big and sure but brief
    clip = _clip({1: (range(0, 20), 30, 0.6), 2: (range(0, 6), 90, 0.99)})
    assert main_track(track_weights(clip, VoteSettings(c_freq=1, c_size=0, c_prob=0))) == 1
    assert main_track(track_weights(clip, VoteSettings(c_freq=0.2, c_size=1, c_prob=0))) == 2
    assert main_track(track_weights(clip, VoteSettings(c_freq=0, c_size=0, c_prob=1))) == 2
    assert main_track(track_weights(_clip({}))) is None


def test_person_region_extends_down_and_out_within_the_frame():
    assert person_region((100, 50, 40, 40), (480, 640)) == (60, 50, 120, 160)
    assert person_region((0, 400, 40, 40), (480, 640)) == (0, 400, 80, 80)


@pytest.mark.parametrize("length", [1, 3, 8, 100])
def test_pyramid_against_hand_computed_values(length):
    t = np.arange(length, dtype=np.float32)
    features = np.stack([t, 2 * t], axis=1)  # D = 2
    probs = np.stack([t, -t, t * 0], axis=1)  # C = 3
    vec = pyramid_features(features, probs, levels=(0, 1))
    assert vec.shape == (pyramid_size(2, 3, (0, 1)),) == (3 * (2 + 9),)
    level0 = vec[:11]
    np.testing.assert_allclose(level0[:2], [t.mean(), 2 * t.mean()])
    np.testing.assert_allclose(level0[2:5], [0, -(length - 1), 0])  # min
    np.testing.assert_allclose(level0[5:8], [t.mean(), -t.mean(), 0])  # mean
    np.testing.assert_allclose(level0[8:11], [length - 1, 0, 0])  # max
    (a0, a1), (b0, b1) = segments(length, 2)
    first_half = vec[11:22]
    np.testing.assert_allclose(first_half[:2], [t[a0:a1].mean(), 2 * t[a0:a1].mean()])
    assert b1 == length and a0 == 0 and a1 >= 1 and b0 <= length - 1


def test_segments_of_short_clips_reuse_frames():
    assert segments(3, 8) == [(0, 1), (0, 1), (0, 1), (1, 2), (1, 2), (1, 2), (2, 3), (2, 3)]
    assert segments(1, 4) == [(0, 1)] * 4
    with pytest.raises(ValueError):
        segments(0, 2)


def _brute_force(scores, labels, max_models):
    best = 0.0
    for k in range(1, max_models + 1):
        for combo in itertools.combinations(scores, k):
            best = max(best, fused_accuracy(scores, list(combo), labels))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_best_selection_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 30)
    scores = {f"m{i}": rng.random((30, 3)) + 0.8 * np.eye(3)[labels] * rng.random() for i in range(6)}
    combo, acc = best_selection(scores, labels, max_models=5)
    assert acc == pytest.approx(fused_accuracy(scores, combo, labels))
    assert 1 <= len(combo) <= 5 and len(set(combo)) == len(combo)
    assert max(fused_accuracy(scores, [m], labels) for m in scores) <= acc <= _brute_force(scores, labels, 5)


def test_best_selection_finds_a_complementary_pair():
    labels = np.array([0, 1, 2, 0, 1, 2])
    right = np.eye(3)[labels]
    a = right.copy()
    a[:3] = np.roll(right[:3], 1, axis=1) * 0.4  # wrong on the first half, weakly
    b = right.copy()
    b[3:] = np.roll(right[3:], 1, axis=1) * 0.4  # wrong on the second half, weakly
    c = np.full((6, 3), 1 / 3) + 0.01 * np.eye(3)[[1, 1, 1, 1, 1, 1]]
    combo, acc = best_selection({"a": a, "b": b, "c": c}, labels)
    assert sorted(combo) == ["a", "b"] and acc == 1.0
    np.testing.assert_allclose(average_fusion([a, b]), (a + b) / 2)


@pytest.mark.real_data
@pytest.mark.parametrize("name", ["face-demographics-walking.gif", "head-pose-face-detection-female-and-male.gif"])
def test_main_face_on_real_multi_person_clips_is_a_lasting_face(name, tiny_model):
    from conftest import shared_data

    from aegis.analyze.analyzer import Analyzer
    from aegis.clips.clip import classify_clip

    report = classify_clip(Analyzer(model=tiny_model), shared_data("videos") / name)
    assert len(report.tracks) >= 2 and report.label in report.probs
    assert report.tracks[report.main_track]["frequency"] >= 0.5, report.tracks


@pytest.mark.slow
@pytest.mark.real_data
def test_main_face_features_with_person_context_on_a_real_two_person_clip():
    from conftest import shared_data

    from aegis.clips.store import video_frames
    from aegis.data.sources import Video
    from aegis.faces.haar import HaarDetector
    from aegis.runtime.onnx import OnnxModel

    path = shared_data("videos") / "head-pose-face-detection-female-and-male.gif"
    static = OnnxModel("static")
    frames = video_frames(Video("fm", "fm", "", path), static, HaarDetector(), context_model=static)
    faces_only = video_frames(Video("fm", "fm", "", path), static, HaarDetector())
    embedding = static.embed(np.zeros((1, 1, 48, 48), np.uint8))[1].shape[1]
    width = len(static.classes) + embedding
    assert frames.shape == (len(faces_only), width + embedding) and len(frames) >= 10
    np.testing.assert_allclose(frames[:, :width], faces_only, atol=1e-5)
    assert not np.allclose(frames[:, width:], frames[:, len(static.classes):width])  # person region != face
