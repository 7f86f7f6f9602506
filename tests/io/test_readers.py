import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
from synthetic import draw_frame, write_file, write_truncated_avi, write_video

from aegis.errors import SourceError
from aegis.io.readers import open_source


def test_video_file(tmp_path):
    path = write_video(tmp_path / "a.mp4", [draw_frame([]) for _ in range(7)], fps=10)
    source = open_source(path)
    frames = list(source)
    assert len(frames) == 7 and frames[0].shape == (240, 320, 3)
    assert source.fps == pytest.approx(10) and source.total == 7 and not source.truncated


def test_image_folder_in_name_order_skips_non_images(tmp_path, caplog):
    for i in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"f{i}.png"), np.full((20, 30, 3), 50 * i, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with caplog.at_level(logging.WARNING, logger="aegis"):
        frames = list(open_source(tmp_path))
    assert [int(f[0, 0, 0]) for f in frames] == [0, 50, 100]
    assert "notes.txt" in caplog.text and "broken.png" in caplog.text


def test_glob(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"x{i}.jpg"), np.zeros((10, 10, 3), np.uint8))
    assert len(list(open_source(str(tmp_path / "x*.jpg")))) == 3


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing.mp4", "no such file"),
    (lambda d: write_file(d / "empty.mp4", b""), "empty"),
    (lambda d: write_file(d / "junk.mp4", b"\x00junk" * 100), "cannot open video"),
    (lambda d: (d / "sub").mkdir() or d / "sub", "empty"),
])
def test_bad_sources(tmp_path, make, message):
    with pytest.raises(SourceError, match=message):
        list(open_source(make(tmp_path)))


def test_folder_of_only_non_images(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(SourceError, match="no images"):
        open_source(tmp_path)


def test_truncated_video_is_flagged(tmp_path):
    source = open_source(write_truncated_avi(tmp_path / "t.avi"))
    n = len(list(source))
    assert 0 < n < 30 and source.truncated


def test_a_video_without_a_frame_rate_is_warned_about_and_its_assumed_rate_recorded(tmp_path, monkeypatch, caplog,
                                                                                     tiny_model):
    import json

    from aegis.analyze.analyzer import Analyzer
    from aegis.io import readers

    video = write_video(tmp_path / "v.mp4", [draw_frame([("red", (40, 40, 64, 64))])] * 3)
    real = readers.cv2.VideoCapture

    class NoRate:
        def __init__(self, *args):
            self.capture = real(*args)

        def get(self, prop):
            return 0.0 if prop == cv2.CAP_PROP_FPS else self.capture.get(prop)

        def __getattr__(self, name):
            return getattr(self.capture, name)

    monkeypatch.setattr(readers.cv2, "VideoCapture", NoRate)
    with caplog.at_level(logging.WARNING, logger="aegis"):
        Analyzer(model=tiny_model).save(str(video), tmp_path / "out", video=False)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "no usable frame rate" in caplog.text and summary["fps_in"] == 25.0 and summary["fps_assumed"] is True


def test_a_video_over_the_size_limit_is_refused_before_a_frame_is_decoded(tmp_path):
    with pytest.raises(SourceError, match="12000x12000 is over the 8192-pixel limit"):
        open_source(Path(__file__).resolve().parents[1] / "corpus" / "bomb.gif")
