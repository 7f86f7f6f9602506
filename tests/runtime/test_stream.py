import numpy as np
import pytest
from synthetic import SquareDetector, draw_frame

from aegis.labels import CLASSES
from aegis.meta import ModelInfo
from aegis.runtime.results import UNCERTAIN
from aegis.runtime.stream import FacePipeline, StreamSettings


class ScriptedModel:
    """Returns queued probability rows, one batch per call."""

    def __init__(self, rows: list[list[float]]) -> None:
        self.info = ModelInfo(name="scripted", classes=CLASSES, frames=5)
        self.classes = CLASSES
        self.rows = [np.array(r, np.float32) for r in rows]

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        return np.stack([self.rows.pop(0) for _ in range(len(windows))])


def _onehot(i: int, p: float = 1.0) -> list[float]:
    row = [(1 - p) / 6] * 7
    row[i] = p
    return row


def _run(model, settings, n):
    pipeline = FacePipeline(model, SquareDetector(), settings)
    return [pipeline.process(draw_frame([("red", (50, 50, 60, 60))]), i) for i in range(n)]


def test_ema_smoothing_mixes_past_and_present():
    results = _run(ScriptedModel([_onehot(3), _onehot(0)]), StreamSettings(smoothing=0.5, threshold=0.0), 2)
    np.testing.assert_allclose(results[1].faces[0].probs[[0, 3]], [0.5, 0.5], atol=1e-6)


def test_smoothing_off_follows_the_model():
    results = _run(ScriptedModel([_onehot(3), _onehot(0)]), StreamSettings(smoothing=0.0), 2)
    assert results[1].faces[0].label == "anger" and results[1].faces[0].confidence == pytest.approx(1.0)


def test_low_confidence_is_uncertain():
    results = _run(ScriptedModel([_onehot(3, 0.3), _onehot(3, 0.9)]), StreamSettings(smoothing=0.0, threshold=0.5), 2)
    assert results[0].faces[0].label == UNCERTAIN and results[1].faces[0].label == "happiness"


def test_all_faces_of_a_frame_go_in_one_batch():
    calls = []

    class Counting(ScriptedModel):
        def __call__(self, windows):
            calls.append(len(windows))
            return super().__call__(windows)

    model = Counting([_onehot(0)] * 3)
    pipeline = FacePipeline(model, SquareDetector())
    frame = draw_frame([("red", (10, 10, 60, 60)), ("blue", (100, 10, 60, 60)), ("green", (200, 120, 60, 60))])
    result = pipeline.process(frame, 0)
    assert calls == [3] and sorted(f.track_id for f in result.faces) == [1, 2, 3]


def test_frames_without_faces_give_empty_results_and_windows_are_dropped():
    model = ScriptedModel([_onehot(0)] * 40)
    pipeline = FacePipeline(model, SquareDetector())
    pipeline.process(draw_frame([("red", (50, 50, 60, 60))]), 0)
    for i in range(1, 20):
        assert pipeline.process(draw_frame([]), i).faces == []
    assert pipeline.windows == {} and pipeline.smoothed == {}


@pytest.mark.parametrize("kwargs", [{"detect_every": 0}, {"smoothing": 1.0}, {"threshold": 1.5}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        StreamSettings(**kwargs)


class CountingDetector(SquareDetector):
    """A SquareDetector that records the shape of every image it is asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: list[tuple[int, ...]] = []

    def __call__(self, grey: np.ndarray, min_face: float | None = None) -> list:
        self.shapes.append(grey.shape)
        return super().__call__(grey, min_face)


def test_guided_detection_scans_whole_frames_every_k_and_around_tracks_between():
    detector = CountingDetector()
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 20), detector, StreamSettings(detect_every=4))
    tracked = []
    for i in range(10):
        faces = pipeline.process(draw_frame([("red", (40 + 5 * i, 60, 60, 60))]), i).faces
        tracked.append([(f.track_id, f.box) for f in faces])
    whole = [i for i, shape in enumerate(detector.shapes) if shape == (240, 320)]
    assert whole == [0, 4, 8] and len(detector.shapes) == 10  # one region search on each frame between
    assert all(len(t) == 1 and t[0][0] == 1 for t in tracked)
    assert all(abs(t[0][1][0] - (40 + 5 * i)) <= 2 for i, t in enumerate(tracked))  # re-detected, not coasted


def test_a_track_lost_in_its_region_makes_the_next_frames_whole_scans():
    detector = CountingDetector()
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 20), detector, StreamSettings(detect_every=10))
    boxes = [(40, 60, 60, 60), (42, 60, 60, 60)] + [(200 + 2 * i, 100, 60, 60) for i in range(7)]
    seen = [pipeline.process(draw_frame([("red", b)]), i).faces for i, b in enumerate(boxes)]
    whole = [i for i, shape in enumerate(detector.shapes) if shape == (240, 320)]
    # frame 2 misses the jump in the old track's region; frames 3-5 scan whole while that track counts as
    # recently lost (the jumped face is found at once as a new track); then region searches again
    assert whole == [0, 3, 4, 5] and len(detector.shapes) == len(boxes)
    assert seen[2] == [] and all(len(s) == 1 and s[0].track_id == 2 and abs(s[0].box[0] - boxes[i][0]) <= 1
                                 for i, s in enumerate(seen) if i >= 3)
