import cv2
import numpy as np
import pytest
from conftest import shared_data

from aegis.errors import AegisError
from aegis.faces.base import Detection
from aegis.faces.crop import to_grey
from aegis.faces.geometry import detect_in_region, suppress_overlaps
from aegis.faces.haar import HaarDetector
from aegis.faces.registry import make_detector


def test_haar_finds_no_face_in_flat_frame():
    assert HaarDetector()(np.full((240, 320), 128, np.uint8)) == []


def test_suppress_overlaps_keeps_best_of_nested_boxes():
    kept = suppress_overlaps([Detection((10, 10, 100, 100), 0.7), Detection((20, 20, 60, 60), 0.9),
                              Detection((200, 10, 50, 50), 0.8)])
    assert [d.box for d in kept] == [(20, 20, 60, 60), (200, 10, 50, 50)]


@pytest.mark.slow
def test_haar_on_real_single_face_clips():
    for name in ("head-pose-face-detection-male.gif", "head-pose-face-detection-female.gif"):
        path = shared_data("videos") / name
        capture, found, total = cv2.VideoCapture(str(path)), 0, 0
        detector = HaarDetector()
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            total += 1
            found += bool(detector(to_grey(frame)))
        assert total > 0 and found / total >= 0.6, f"{name}: face found in {found}/{total} frames"


def test_min_face_sets_the_scan_scale_so_small_faces_in_large_frames_are_found():
    face = cv2.imread(str(sorted(shared_data("ckplus48").glob("happy/*.png"))[0]), cv2.IMREAD_GRAYSCALE)
    frame = np.full((1080, 1920), 120, np.uint8)
    frame[500:540, 900:940] = cv2.resize(face, (40, 40), interpolation=cv2.INTER_CUBIC)
    for name in ("haar", "mtcnn"):
        found = make_detector(name, face_px=32)(frame)
        assert len(found) == 1 and abs(found[0].box[0] - 900) < 10 and abs(found[0].box[2] - 40) < 12, name
    assert make_detector("haar")(frame) == []  # a 480 px side shrinks the 40 px face under the cascade's window
    with pytest.raises(AegisError, match="at least 8 px"):
        make_detector("haar", face_px=4)


def _two_faces_frame() -> np.ndarray:
    """A 1280x720 grey frame with a CK+48 face pasted at 40 px (at x=200) and at 120 px (at x=800)."""
    face = cv2.imread(str(sorted(shared_data("ckplus48").glob("happy/*.png"))[0]), cv2.IMREAD_GRAYSCALE)
    frame = np.full((720, 1280), 120, np.uint8)
    frame[300:340, 200:240] = cv2.resize(face, (40, 40), interpolation=cv2.INTER_CUBIC)
    frame[300:420, 800:920] = cv2.resize(face, (120, 120), interpolation=cv2.INTER_CUBIC)
    return frame


@pytest.mark.parametrize("name", ["haar", "mtcnn"])
def test_a_size_band_keeps_only_faces_within_it(name):
    frame, detector = _two_faces_frame(), make_detector(name)
    small = detector(frame, min_face=30, max_face=60)
    large = detector(frame, min_face=90, max_face=180)
    assert [abs(d.box[0] - 200) < 10 for d in small] == [True]
    assert [abs(d.box[0] - 800) < 20 for d in large] == [True]


@pytest.mark.parametrize("name", ["haar", "mtcnn"])
def test_region_searches_find_small_and_large_tracked_faces_in_frame_pixels(name):
    frame, detector = _two_faces_frame(), make_detector(name)
    for box in ((204, 296, 38, 38), (790, 310, 125, 125)):  # a tracked box a little off each face
        found = detect_in_region(detector, frame, box)
        assert len(found) == 1 and abs(found[0].box[0] - box[0]) < 0.3 * box[2], (box, found)
        assert 0.7 < found[0].box[2] / box[2] < 1.4


def test_smallest_face_is_what_a_whole_scan_reaches_in_frame_pixels():
    assert make_detector("haar").smallest_face((480, 640)) == 32.0  # the 24 px window at a 480 px side
    assert make_detector("haar").smallest_face((240, 320)) == 24.0
    assert make_detector("haar", face_px=40).smallest_face((1080, 1920)) == 40.0
    assert make_detector("mtcnn").smallest_face((1080, 1920)) == 20.0
