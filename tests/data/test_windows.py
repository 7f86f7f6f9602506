import numpy as np
import pytest
from synthetic import RecordingModel, SquareDetector, draw_frame

from aegis.data.windows import FaceWindow, sliding_windows, stack_window
from aegis.faces.crop import crop_face, to_grey
from aegis.runtime.stream import FacePipeline


def test_sliding_windows_counts():
    assert len(sliding_windows(10, 5)) == 6
    assert sliding_windows(10, 5, stride=2, skip=5) == [(5, 10)]
    assert sliding_windows(4, 5) == []
    with pytest.raises(ValueError):
        sliding_windows(10, 0)


def test_stack_window_repeats_oldest_until_full():
    crops = [np.full((2, 2), i, np.float32) for i in range(3)]
    window = stack_window(crops, 5)
    assert [w[0, 0] for w in window] == [0, 0, 0, 1, 2]


def test_face_window_keeps_only_t_crops():
    fifo = FaceWindow(3)
    for i in range(10):
        window = fifo.push(np.full((2, 2), i, np.float32))
    assert len(fifo) == 3 and [w[0, 0] for w in window] == [7, 8, 9]


def test_live_windows_equal_offline_windows():
    frames = [draw_frame([("red", (30 + 4 * i, 50 + i, 64, 64))]) for i in range(12)]
    model = RecordingModel()
    pipeline = FacePipeline(model, SquareDetector())
    results = [pipeline.process(f, i) for i, f in enumerate(frames)]
    boxes = [r.faces[0].box for r in results]
    crops = [crop_face(to_grey(f), b, 48, "bigfacex") for f, b in zip(frames, boxes, strict=True)]
    offline = np.stack([stack_window(crops[s:e], 5) for s, e in sliding_windows(len(crops), 5)])
    live = np.stack([b[0] for b in model.batches])
    assert offline.shape == (8, 5, 48, 48)
    np.testing.assert_array_equal(live[4:], offline)
    np.testing.assert_array_equal(live[0], np.stack([crops[0]] * 5))


def test_stack_window_takes_the_last_t():
    crops = [np.full((2, 2), i, np.float32) for i in range(8)]
    assert [w[0, 0] for w in stack_window(crops, 5)] == [3, 4, 5, 6, 7]
