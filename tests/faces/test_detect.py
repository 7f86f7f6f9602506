import cv2
import numpy as np
from conftest import shared_data

from aegis.faces.crop import to_grey
from aegis.faces.detect import Detection, HaarDetector, suppress_overlaps


def test_haar_finds_no_face_in_flat_frame():
    assert HaarDetector()(np.full((240, 320), 128, np.uint8)) == []


def test_suppress_overlaps_keeps_best_of_nested_boxes():
    kept = suppress_overlaps([Detection((10, 10, 100, 100), 0.7), Detection((20, 20, 60, 60), 0.9),
                              Detection((200, 10, 50, 50), 0.8)])
    assert [d.box for d in kept] == [(20, 20, 60, 60), (200, 10, 50, 50)]


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
