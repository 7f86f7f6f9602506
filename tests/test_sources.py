import logging

import cv2
import numpy as np
import pytest
from synthetic import draw_frame, write_file, write_truncated_avi, write_video

from aegis.errors import SourceError
from aegis.sources import open_source


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
