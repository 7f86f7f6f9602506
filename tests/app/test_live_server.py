"""The live server's protocol, robustness and privacy, with a Python WebSocket client on loopback."""

import gzip
import json
import re
import threading
import urllib.request

import cv2
import numpy as np
import pytest
from conftest import shared_data
from live_helpers import start_server
from synthetic import SquareDetector, draw_frame

pytest.importorskip("websockets")
from websockets.sync.client import connect  # noqa: E402

from aegis.analyze.analyzer import Analyzer  # noqa: E402
from aegis.app.page import STATIC  # noqa: E402
from aegis.app.server import LiveServer  # noqa: E402
from aegis.app.session import MAX_FRAME_BYTES  # noqa: E402
from aegis.io.readers import open_source  # noqa: E402


def _jpeg(frame: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


@pytest.fixture
def synthetic_server(tiny_model):
    server = LiveServer(Analyzer(model=tiny_model, smoothing=0.0), detector_factory=SquareDetector)
    port, stop = start_server(server)
    yield server, port
    stop()


def test_page_assets_and_emoji_are_served(synthetic_server):
    _, port = synthetic_server
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
    js = urllib.request.urlopen(f"http://127.0.0.1:{port}/app.js", timeout=5).read().decode()
    assert 'id="overlay"' in page and 'src="app.js"' in page and "getUserMedia" in js and "/ws" in js
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page), "the page must load nothing from elsewhere (no CDN)"
    assert not re.search(r"(fetch|import)\s*\(?[\"'`](https?:)?//", js)
    png = urllib.request.urlopen(f"http://127.0.0.1:{port}/emoji/happiness.png", timeout=5).read()
    assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED).shape == (128, 128, 4)
    config = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/config.json", timeout=5).read())
    assert config["camera"] is False
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/etc/passwd", timeout=5)


def test_the_page_files_come_gzipped_where_accepted_and_cost_a_304_when_unchanged(synthetic_server):
    _, port = synthetic_server
    url = f"http://127.0.0.1:{port}/ort/ort.wasm.min.js"
    plain = urllib.request.urlopen(url, timeout=30)
    script = plain.read()
    packed = urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"}), timeout=30)
    assert plain.headers.get("Content-Encoding") is None and script == (STATIC / "ort" / "ort.wasm.min.js").read_bytes()
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.read()) == script
    assert packed.headers["ETag"] == plain.headers["ETag"] and "no-store" not in packed.headers["Cache-Control"]
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": plain.headers["ETag"]}), timeout=5)
    assert again.value.code == 304
    png = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/emoji/happiness.png",
                                                        headers={"Accept-Encoding": "gzip"}), timeout=5)
    assert png.headers.get("Content-Encoding") is None and png.read()[:4] == b"\x89PNG"
    runtime = urllib.request.urlopen(f"http://127.0.0.1:{port}/ort/ort-wasm-simd-threaded.wasm.gz", timeout=30)
    assert gzip.decompress(runtime.read()) == (STATIC / "ort" / "ort-wasm-simd-threaded.wasm").read_bytes()
    changed = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/app.js",
                                                            headers={"If-None-Match": '"stale"'}), timeout=5)
    assert changed.status == 200 and b"getUserMedia" in changed.read()


def test_answer_schema_and_stable_tracks(synthetic_server):
    _, port = synthetic_server
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        replies = []
        for i in range(6):
            ws.send(_jpeg(draw_frame([("red", (30 + 5 * i, 40, 70, 70)), ("blue", (200, 120, 60, 60))])))
            replies.append(json.loads(ws.recv(timeout=10)))
    assert [r["frame"] for r in replies] == list(range(6))
    for reply in replies:
        assert set(reply) == {"frame", "faces", "latency_ms"} and reply["latency_ms"] >= 0
        assert sorted(f["track_id"] for f in reply["faces"]) == [1, 2]
        for face in reply["faces"]:
            assert set(face) == {"track_id", "box", "label", "confidence", "probs", "coasted"}
            assert len(face["box"]) == 4 and len(face["probs"]) == 7
            assert face["label"] in (*face["probs"], "uncertain")
    red = [next(f for f in r["faces"] if f["box"][1] < 60)["track_id"] for r in replies]
    assert len(set(red)) == 1


def test_bad_payloads_get_errors_and_the_connection_survives(synthetic_server):
    _, port = synthetic_server
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        ws.send(b"GIF89a not a jpeg")
        assert "JPEG" in json.loads(ws.recv(timeout=5))["error"]
        ws.send(b"\xff\xd8\xff" + b"\x00" * 100)
        assert "decoded" in json.loads(ws.recv(timeout=5))["error"]
        ws.send(b"\xff\xd8\xff" + b"\x00" * (MAX_FRAME_BYTES + 10))
        assert "limit" in json.loads(ws.recv(timeout=5))["error"]
        ws.send("{not json")
        assert "JSON" in json.loads(ws.recv(timeout=5))["error"]
        ws.send(json.dumps({"smoothing": 0.3}))
        assert json.loads(ws.recv(timeout=5))["settings"]["smoothing"] == 0.3
        ws.send(json.dumps({"smoothing": 7}))
        assert "smoothing" in json.loads(ws.recv(timeout=5))["error"]
        ws.send(_jpeg(draw_frame([("red", (50, 50, 60, 60))])))
        assert len(json.loads(ws.recv(timeout=10))["faces"]) == 1


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header declares width x height: a decompression bomb."""
    data = bytearray(_jpeg(np.zeros((8, 8, 3), np.uint8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_a_jpeg_bomb_is_refused_from_its_header_and_the_next_frame_answered(synthetic_server):
    import resource

    _, port = synthetic_server
    frame = _jpeg(draw_frame([("red", (50, 50, 60, 60))]))
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        ws.send(frame)
        json.loads(ws.recv(timeout=10))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for side in (30000, 65000, 12000):
            ws.send(_jpeg_declaring(side, side))
            assert f"{side}x{side} is over the 1920-pixel limit" in json.loads(ws.recv(timeout=5))["error"]
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: under 100 MB
        ws.send(frame)
        assert len(json.loads(ws.recv(timeout=10))["faces"]) == 1


def test_text_messages_past_the_parser_limits_get_an_error_and_the_connection_stays(synthetic_server):
    _, port = synthetic_server
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        huge_number = '{"smoothing": ' + "1" * 900 + "}"
        for text in ("1" * 5000, "[" * 100000, huge_number, "[" * 500 + "]" * 500, "[" * 900 + "]" * 900):
            ws.send(text)
            assert "error" in json.loads(ws.recv(timeout=5))
        ws.send(_jpeg(draw_frame([("red", (50, 50, 60, 60))])))
        assert len(json.loads(ws.recv(timeout=10))["faces"]) == 1


def test_an_unexpected_error_on_one_frame_is_answered_and_the_next_frame_too(synthetic_server, monkeypatch):
    server, port = synthetic_server
    frame = _jpeg(draw_frame([("red", (50, 50, 60, 60))]))
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        ws.send(frame)
        json.loads(ws.recv(timeout=10))
        (session,) = server.sessions
        real = session.pipeline.process
        monkeypatch.setattr(session.pipeline, "process", lambda *a, **k: (_ for _ in ()).throw(cv2.error("boom")))
        ws.send(frame)
        assert "could not be processed" in json.loads(ws.recv(timeout=5))["error"]
        monkeypatch.setattr(session.pipeline, "process", real)
        ws.send(frame)
        assert len(json.loads(ws.recv(timeout=10))["faces"]) == 1


def test_stale_frames_are_dropped_and_the_newest_is_answered(synthetic_server):
    _, port = synthetic_server
    frame = _jpeg(draw_frame([("red", (50, 50, 60, 60))]))
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        for _ in range(40):
            ws.send(frame)
        replies, dropped = [], []
        while not replies or replies[-1]["frame"] != 39:
            reply = json.loads(ws.recv(timeout=20))
            (dropped if "dropped" in reply else replies).append(reply)
    assert len(replies) < 40 and [r["frame"] for r in replies] == sorted(r["frame"] for r in replies)
    assert sorted(r["frame"] for r in replies + dropped) == list(range(40))  # each frame answered or reported


def test_clients_have_their_own_state_and_it_goes_when_they_close(synthetic_server):
    server, port = synthetic_server
    frames = [_jpeg(draw_frame([("red", (30 + 3 * i, 40, 70, 70))])) for i in range(12)]
    with connect(f"ws://127.0.0.1:{port}/ws") as a, connect(f"ws://127.0.0.1:{port}/ws") as b:
        for frame in frames:
            a.send(frame)
            assert json.loads(a.recv(timeout=10))["faces"][0]["track_id"] == 1
        b.send(frames[0])
        assert json.loads(b.recv(timeout=10))["faces"][0]["track_id"] == 1
        assert len(server.sessions) == 2
        for session in server.sessions:  # privacy: no more than t crops per track are held
            assert all(len(w) <= session.pipeline.model.info.frames for w in session.pipeline.windows.values())
    for _ in range(50):
        if not server.sessions:
            break
        threading.Event().wait(0.05)
    assert not server.sessions


def test_a_session_writes_no_file(synthetic_server, tmp_path, monkeypatch):
    import builtins
    import os

    _, port = synthetic_server
    written = []
    real_open = builtins.open

    def watching_open(file, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+"):
            written.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(cv2, "imwrite", lambda *a, **k: written.append(str(a[0])))
    before = set(os.listdir(tmp_path))
    monkeypatch.chdir(tmp_path)
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        for i in range(5):
            ws.send(_jpeg(draw_frame([("red", (30 + 5 * i, 40, 70, 70))])))
            json.loads(ws.recv(timeout=10))
    assert written == [] and set(os.listdir(tmp_path)) == before


@pytest.mark.real_data
def test_real_frames_keep_two_track_ids(tiny_model):
    path = shared_data("videos") / "head-pose-face-detection-female-and-male.gif"
    server = LiveServer(Analyzer(model=tiny_model))
    port, stop = start_server(server)
    try:
        ids = []
        with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            for frame in list(open_source(path))[:12]:
                ws.send(_jpeg(frame))
                ids.append(sorted(f["track_id"] for f in json.loads(ws.recv(timeout=20))["faces"]))
        assert ids[0] == [1, 2] and sum(i == [1, 2] for i in ids) >= 10
    finally:
        stop()


def test_a_video_file_stands_in_for_the_camera_and_loops(tiny_model, tmp_path, caplog):
    from synthetic import write_video

    video = write_video(tmp_path / "camera.mp4", [draw_frame([("red", (50 + 5 * i, 50, 60, 60))]) for i in range(3)],
                        fps=30)
    server = LiveServer(Analyzer(model=tiny_model, smoothing=0.0), detector_factory=SquareDetector, camera=str(video))
    port, stop = start_server(server)
    try:
        with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            replies = []
            while len(replies) < 5:  # more frames than the file holds
                message = ws.recv(timeout=10)
                if isinstance(message, str):
                    replies.append(json.loads(message))
        assert [len(r["faces"]) for r in replies] == [1] * 5
        server.camera = 99  # no such camera: the page is told, and so is the terminal
        with caplog.at_level("WARNING", logger="aegis"), connect(f"ws://127.0.0.1:{port}/ws") as ws:
            assert "cannot open camera 99" in json.loads(ws.recv(timeout=10))["error"]
        assert "cannot open camera 99" in caplog.text
    finally:
        stop()


def test_the_page_names_a_favicon_that_is_served(synthetic_server):
    _, port = synthetic_server
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
    icon = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page).group(1)
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/{icon}", timeout=5).status == 200  # relative to the page


def test_a_video_file_wider_than_the_frame_limit_is_shown_scaled_down(tiny_model, tmp_path):
    from synthetic import write_video

    wide = [np.full((120, 2400, 3), 20, np.uint8) for _ in range(3)]
    for frame in wide:
        frame[30:90, 1000:1060] = draw_frame([("red", (0, 0, 60, 60))], size=(60, 60))
    server = LiveServer(Analyzer(model=tiny_model, smoothing=0.0), detector_factory=SquareDetector,
                        camera=str(write_video(tmp_path / "wide.mp4", wide, fps=30)))
    port, stop = start_server(server)
    try:
        with connect(f"ws://127.0.0.1:{port}/ws") as ws:
            image = cv2.imdecode(np.frombuffer(ws.recv(timeout=10), np.uint8), cv2.IMREAD_COLOR)
            reply = json.loads(ws.recv(timeout=10))
        assert image.shape[1] == 1920 and "error" not in reply and len(reply["faces"]) == 1
    finally:
        stop()


def test_the_live_server_names_and_draws_the_models_classes(contempt_model):
    port, stop = start_server(LiveServer(Analyzer(model=contempt_model), detector_factory=SquareDetector))
    try:
        config = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/config.json", timeout=5).read())
        assert config["classes"][-1] == "contempt" and len(config["classes"]) == 8
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/emoji/contempt.png", timeout=5).status == 200
    finally:
        stop()
