import numpy as np
import pytest
from synthetic import SquareDetector, draw_frame

from aegis.faces.geometry import size_band
from aegis.labels import CLASSES
from aegis.meta import ModelInfo
from aegis.runtime.change import REFRESH_EVERY
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
    pipeline = FacePipeline(model, SquareDetector(), StreamSettings(coast=0))
    pipeline.process(draw_frame([("red", (50, 50, 60, 60))]), 0)
    for i in range(1, 20):
        assert pipeline.process(draw_frame([]), i).faces == []
    assert pipeline.windows == {} and pipeline.smoothed == {}


def test_a_face_missed_for_a_frame_is_shown_there_carried_by_its_motion_and_marked_coasted():
    model = ScriptedModel([_onehot(3)] * 40)
    pipeline = FacePipeline(model, SquareDetector(), StreamSettings(threshold=0.5))
    seen = [pipeline.process(draw_frame([("red", (50 + 4 * i, 50, 60, 60))]), i) for i in range(5)]
    left = len(model.rows)
    gap = pipeline.process(draw_frame([]), 5)  # the detector misses the face in frame 5
    assert len(model.rows) == left  # no crop and no model call for a coasted face
    (face,) = gap.faces
    assert face.coasted and face.track_id == seen[-1].faces[0].track_id and face.label == "happiness"
    assert 50 + 4 * 4 < face.box[0] <= 50 + 4 * 6  # carried along its motion
    back = pipeline.process(draw_frame([("red", (74, 50, 60, 60))]), 6)
    assert [(f.track_id, f.coasted) for f in back.faces] == [(face.track_id, False)] and gap.detected == []


def test_coasting_lasts_its_frames_and_never_shows_a_face_seen_once():
    model = ScriptedModel([_onehot(3)] * 40)
    pipeline = FacePipeline(model, SquareDetector(), StreamSettings(coast=2))
    for i in range(3):
        pipeline.process(draw_frame([("red", (50, 50, 60, 60))]), i)
    shown = [len(pipeline.process(draw_frame([]), i).faces) for i in range(3, 7)]
    assert shown == [1, 1, 0, 0]  # two coasted frames, then the face counts as gone
    once = FacePipeline(ScriptedModel([_onehot(3)] * 5), SquareDetector(), StreamSettings(coast=2))
    once.process(draw_frame([("blue", (50, 50, 60, 60))]), 0)  # a one-frame detection, perhaps a false one
    assert once.process(draw_frame([]), 1).faces == []


@pytest.mark.parametrize("kwargs", [{"detect_every": 0}, {"smoothing": 1.0}, {"threshold": 1.5}, {"coast": -1}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        StreamSettings(**kwargs)


class CountingDetector(SquareDetector):
    """A SquareDetector that records each call's image shape and size band, a list per frame (`next_frame`)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[list[tuple]] = []

    def next_frame(self) -> None:
        self.frames.append([])

    def __call__(self, grey: np.ndarray, min_face: float | None = None, max_face: float | None = None,
                 regions: list | None = None, known: list = ()) -> list:
        if regions is None:  # each cut region calls again with its cut-out image
            self.frames[-1].append((grey.shape, min_face, max_face))
        return super().__call__(grey, min_face, max_face, regions, known)

    def all_size_scans(self) -> list[int]:
        """The frames in which the whole (240x320) frame was scanned for faces of every size."""
        return [i for i, calls in enumerate(self.frames) if ((240, 320), None, None) in calls]

    def band_scans(self, i: int) -> list[tuple]:
        """The (low, high) size bands the whole frame was scanned for in frame i."""
        return [(low, high) for shape, low, high in self.frames[i] if shape == (240, 320) and low is not None]

    def region_searches(self, i: int) -> int:
        """How many cut-out regions frame i looked at."""
        return sum(shape != (240, 320) for shape, _, _ in self.frames[i])


def _run_boxes(detector: CountingDetector, pipeline: FacePipeline, boxes: list) -> list:
    """Each box drawn as a red face in its own frame and processed; the faces detected per frame."""
    seen = []
    for i, box in enumerate(boxes):
        detector.next_frame()
        seen.append(pipeline.process(draw_frame([("red", box)]), i).detected)
    return seen


def test_size_bands_cover_every_size_once_each_a_pyramid_level_above_the_last():
    bands = [size_band(20.0, j, 4) for j in range(4)]
    assert bands[0][0] == 20.0 and bands[-1][1] is None
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))  # no gap, no overlap
    assert np.allclose([b[0] / a[0] for a, b in zip(bands, bands[1:], strict=False)], np.sqrt(2))
    assert size_band(20.0, 0, 1) == (20.0, None)


def test_each_frame_scans_one_size_band_and_re_finds_each_tracked_face_first():
    detector = CountingDetector()
    settings = StreamSettings(detect_every=4, skip_still=False)
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 20), detector, settings)
    tracked = [[(f.track_id, f.box) for f in faces]
               for faces in _run_boxes(detector, pipeline, [(40 + 5 * i, 60, 60, 60) for i in range(10)])]
    assert detector.all_size_scans() == [0]  # no track yet: every size at once
    smallest = detector.smallest_face((240, 320))
    assert all(detector.band_scans(i) == [size_band(smallest, i % 4, 4)] for i in range(1, 10))
    # the tracked face is re-found around its box in every frame, before the band scan (which then need not
    # look there), whichever band holds its size
    assert [detector.region_searches(i) for i in range(1, 10)] == [1] * 9
    assert all(len(t) == 1 and t[0][0] == 1 for t in tracked)
    assert all(abs(t[0][1][0] - (40 + 5 * i)) <= 2 for i, t in enumerate(tracked))  # re-detected, not coasted


def test_a_track_lost_in_its_region_makes_the_next_frames_scan_every_size():
    detector = CountingDetector()
    settings = StreamSettings(detect_every=10, skip_still=False)
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 20), detector, settings)
    boxes = [(40, 60, 60, 60), (42, 60, 60, 60)] + [(200 + 2 * i, 100, 60, 60) for i in range(7)]
    seen = _run_boxes(detector, pipeline, boxes)
    # frame 2 misses the jump in the old track's band and region; frames 3-5 scan every size while that track
    # counts as recently lost (the jumped face is found at once as a new track); then one band a frame again
    assert detector.all_size_scans() == [0, 3, 4, 5]
    assert seen[2] == [] and all(len(s) == 1 and s[0].track_id == 2 and abs(s[0].box[0] - boxes[i][0]) <= 1
                                 for i, s in enumerate(seen) if i >= 3)


def test_a_neighbour_in_a_lost_track_s_region_is_not_taken_for_it():
    detector = CountingDetector()
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 20), detector, StreamSettings(detect_every=10))
    pair = [("red", (40, 60, 60, 60)), ("blue", (110, 60, 60, 60))]
    seen = []
    for i, faces in enumerate([pair, pair, pair[1:], pair[1:]]):  # the red face leaves; blue stays beside it
        detector.next_frame()
        seen.append(pipeline.process(draw_frame(faces), i).detected)
    assert [sorted(f.track_id for f in s) for s in seen] == [[1, 2], [1, 2], [2], [2]]
    assert all(abs(f.box[0] - 110) <= 2 and abs(f.box[2] - 60) <= 2 for s in seen[2:] for f in s)


def _still_scene(detector: CountingDetector, frames: list[list]) -> list:
    """Each frame's faces drawn and processed at detect_every 3 with skip_still (the default); faces per frame."""
    pipeline = FacePipeline(ScriptedModel([_onehot(3)] * 100), detector, StreamSettings(detect_every=3))
    seen = []
    for i, faces in enumerate(frames):
        detector.next_frame()
        seen.append(pipeline.process(draw_frame(faces), i).faces)
    return seen


def _band_calls(detector: CountingDetector, i: int) -> list[tuple]:
    """The (image shape, band) of frame i's size-band scans (whole frame or a cut), not its region searches."""
    bands = [size_band(20.0, j, 3) for j in range(3)]
    return [(shape, (low, high)) for shape, low, high in detector.frames[i] if (low, high) in bands]


def test_band_scans_skip_a_still_frame_but_a_band_takes_the_whole_frame_every_refresh():
    detector = CountingDetector()
    frames = 3 * REFRESH_EVERY + 10
    seen = _still_scene(detector, [[("red", (40, 60, 100, 100))]] * frames)
    assert all(len(s) == 1 for s in seen)
    # band j scans in the frames j mod 3 from frame 1 on; frame 0's scan of every size counts as each band's
    # whole scan, so band j takes the whole frame again at its REFRESH_EVERY-th scan after it, and nothing
    # between: the tracked 100 px face, in band 2's sizes, is re-found around its box first, so no band scan need
    # look at it
    last = 3 * REFRESH_EVERY
    assert [i for i in range(1, frames) if _band_calls(detector, i)] == [last - 2, last - 1, last]
    assert all(shape == (240, 320) for i in range(1, frames) for shape, _ in _band_calls(detector, i))


def test_a_newcomer_in_a_still_scene_is_found_by_a_scan_of_the_part_that_changed():
    detector = CountingDetector()
    resident, newcomer = ("red", (20, 40, 100, 100)), ("blue", (220, 150, 40, 40))
    seen = _still_scene(detector, [[resident]] * 6 + [[resident, newcomer]] * 4)
    assert [len(s) for s in seen] == [1] * 6 + [1, 2, 2, 2]  # the 40 px face is band 1's (frame 7)
    assert _band_calls(detector, 4) == []  # band 1 before the newcomer: nothing changed, nothing scanned
    [(shape, band)] = _band_calls(detector, 7)
    assert band == size_band(20.0, 1, 3) and shape[0] * shape[1] < 240 * 320 / 2  # only the changed part


def test_with_no_track_a_still_frame_is_scanned_whole_every_refresh_and_a_newcomer_at_once():
    detector = CountingDetector()
    empty, newcomer = [], [("blue", (220, 150, 40, 40))]
    arrival = 2 * REFRESH_EVERY + 5
    seen = _still_scene(detector, [empty] * arrival + [newcomer] * 2)
    every_size = [i for i, calls in enumerate(detector.frames) if any(low is None for _, low, _ in calls)]
    assert every_size == [0, REFRESH_EVERY, 2 * REFRESH_EVERY, arrival]
    assert [len(s) for s in seen] == [0] * arrival + [1, 1]
