"""The annotated video: H.264 that a browser plays (checked in real Chromium), else mp4v after one warning."""

import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest

from aegis.render import video as video_module
from aegis.render.video import Mp4vWriter, open_video_writer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLAY = """async () => {
    const v = document.querySelector("video");
    await new Promise((done) => { if (v.readyState >= 2) done(); v.onloadeddata = done; v.onerror = done;
                                  setTimeout(done, 8000); });
    if (v.readyState < 2) return {readyState: v.readyState, error: v.error && v.error.code};
    const c = document.createElement("canvas");
    c.width = v.videoWidth; c.height = v.videoHeight;
    const ctx = c.getContext("2d");
    ctx.drawImage(v, 0, 0);
    const px = ctx.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
    return {readyState: v.readyState, width: v.videoWidth, height: v.videoHeight, centre: Array.from(px)};
}"""


def _frames(n=12, size=(121, 160)):
    frames = []
    for i in range(n):
        frame = np.zeros((*size, 3), np.uint8)
        cv2.rectangle(frame, (40, 30), (120, 90), (40, 200, 40), -1)  # green centre
        cv2.putText(frame, str(i), (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1)
        frames.append(frame)
    return frames


def _write(writer_cls_or_factory, path):
    writer = writer_cls_or_factory(path, 10.0, (160, 121))
    for frame in _frames():
        writer.write(frame)
    writer.close()
    return writer


def _play_in_chromium(folder, name):
    (folder / "index.html").write_text(f'<!doctype html><video src="{name}" muted></video>')
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        with sync_api.sync_playwright() as pw:
            args = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            result = page.evaluate(PLAY)
            browser.close()
    finally:
        server.shutdown()
    return result


def test_h264_is_written_and_decodes(tmp_path):
    writer = _write(open_video_writer, tmp_path / "a.mp4")
    assert writer.codec == "h264"
    capture = cv2.VideoCapture(str(tmp_path / "a.mp4"))
    ok, frame = capture.read()
    assert ok and frame.shape == (122, 160, 3)  # the odd height is padded to even for yuv420p
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    assert frame[60, 80, 1] > 150 and frame[60, 80, 2] < 100  # green survives the encoding


def test_without_pyav_it_falls_back_to_mp4v_with_one_warning(tmp_path, monkeypatch, caplog):
    def no_av(*args, **kwargs):
        raise ImportError("no av")

    monkeypatch.setattr(video_module, "H264Writer", no_av)
    writer = _write(open_video_writer, tmp_path / "b.mp4")
    assert isinstance(writer, Mp4vWriter) and writer.codec == "mp4v"
    warnings = [r for r in caplog.records if "mp4v" in r.getMessage()]
    assert len(warnings) == 1 and "pip install av" in warnings[0].getMessage()


def test_chromium_plays_the_h264_file_and_not_the_mp4v_one(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    _write(open_video_writer, tmp_path / "h264.mp4")
    _write(Mp4vWriter, tmp_path / "mp4v.mp4")
    played = _play_in_chromium(tmp_path, "h264.mp4")
    assert played["readyState"] >= 2 and (played["width"], played["height"]) == (160, 122), played
    r, g, b, _ = played["centre"]
    assert g > 150 and r < 100 and b < 100, played  # a decoded frame, not a black or empty canvas
    assert _play_in_chromium(tmp_path, "mp4v.mp4")["readyState"] < 2  # what the old writer gave: no picture
