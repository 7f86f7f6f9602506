import cv2
import numpy as np
from synthetic import SquareDetector, draw_frame

from aegis.faces.base import Detection
from aegis.faces.track import Tracker, TrackerSettings, iou


def _run(frames_faces):
    """Track drawn squares; returns per frame a dict colour -> track id of the box nearest its true position."""
    tracker, detector, out = Tracker(), SquareDetector(), []
    for faces in frames_faces:
        frame = draw_frame(faces)
        tracks = tracker.update(frame, detector(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)))
        ids = {}
        for colour, box in faces:
            best = max(tracks, key=lambda t: iou(t.box, np.array(box, float)), default=None)
            if best is not None and iou(best.box, np.array(box, float)) > 0.3:
                ids[colour] = best.track_id
        out.append(ids)
    return out


def test_ids_survive_crossing():
    frames = []
    for i in range(40):
        red = ("red", (20 + 6 * i, 80, 60, 60))
        blue = ("blue", (250 - 6 * i, 85, 60, 60))
        frames.append([blue, red])  # red passes in front of blue
    ids = _run(frames)
    assert {f["red"] for f in ids if "red" in f} == {ids[0]["red"]}
    assert {f["blue"] for f in ids if "blue" in f} == {ids[0]["blue"]}
    assert ids[0]["red"] != ids[0]["blue"]
    assert "blue" in ids[-1] and "red" in ids[-1]


def test_id_survives_brief_occlusion():
    frames = [[("red", (40 + 2 * i, 60, 60, 60))] if not 10 <= i < 16 else [] for i in range(30)]
    ids = _run(frames)
    assert ids[9] == {"red": 1} and ids[29] == {"red": 1}
    assert all(f == {} for f in ids[10:16])


def test_track_expires_after_max_age():
    tracker = Tracker(TrackerSettings(max_age=3))
    frame = draw_frame([])
    tracker.update(frame, [Detection((10, 10, 50, 50), 0.9)])
    for _ in range(3):
        tracker.update(frame, [])
    assert len(tracker.tracks) == 1
    tracker.update(frame, [])
    assert tracker.tracks == [] and tracker.removed == [1]
    tracker.update(frame, [Detection((10, 10, 50, 50), 0.9)])
    assert tracker.tracks[0].track_id == 2


def test_far_detection_starts_a_new_track():
    tracker = Tracker()
    frame = draw_frame([])
    tracker.update(frame, [Detection((10, 10, 40, 40), 0.9)])
    seen = tracker.update(frame, [Detection((250, 180, 40, 40), 0.9)])
    assert [t.track_id for t in seen] == [2]
