"""The live server's decoders and messages under property-based fuzzing, and the bad-input corpus as payloads."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_helpers import start_server
from synthetic import SquareDetector

pytest.importorskip("websockets")
from websockets.sync.client import connect  # noqa: E402

from aegis.analyze.analyzer import Analyzer  # noqa: E402
from aegis.app.server import LiveServer  # noqa: E402
from aegis.app.session import JPEG_MAGIC, FrameError, LiveSession, decode_jpeg  # noqa: E402
from aegis.data.images import read_image  # noqa: E402
from aegis.runtime.stream import StreamSettings  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                       max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048) | st.binary(max_size=2048).map(lambda b: JPEG_MAGIC + b))
def test_decode_jpeg_returns_a_frame_or_a_frame_error(payload):
    try:
        frame = decode_jpeg(payload)
    except FrameError:
        return
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4096))
def test_read_image_returns_an_image_or_none(tmp_path, data):
    path = tmp_path / "x.png"
    path.write_bytes(data)
    image = read_image(path)
    assert image is None or (image.ndim == 3 and image.size > 0)


@pytest.fixture(scope="module")
def session(tiny_model):
    return LiveSession(Analyzer(model=tiny_model, smoothing=0.0), SquareDetector())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=40), JSON_VALUES.map(json.dumps),
                 st.dictionaries(st.sampled_from(["smoothing", "threshold", "other"]), JSON_VALUES, max_size=2)
                 .map(json.dumps)))
def test_settings_messages_apply_or_raise_a_frame_error(session, text):
    try:
        applied = session.apply_settings(text)
    except FrameError:
        return
    assert set(applied) == {"smoothing", "threshold"}
    assert 0 <= applied["smoothing"] <= 1 and 0 <= applied["threshold"] <= 1


def test_a_settings_message_changes_only_smoothing_and_threshold(tiny_model):
    own = LiveSession(Analyzer(model=tiny_model, detect_every=4), SquareDetector())
    own.pipeline.settings = replace(own.pipeline.settings, align=False, skip_still=False)
    own.apply_settings('{"smoothing": 0.2, "threshold": 0.7}')
    assert own.pipeline.settings == StreamSettings(detect_every=4, smoothing=0.2, threshold=0.7, align=False,
                                                   skip_still=False)


@pytest.fixture(scope="module")
def server_port(tiny_model):
    port, stop = start_server(LiveServer(Analyzer(model=tiny_model, smoothing=0.0), detector_factory=SquareDetector))
    yield port
    stop()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=512).map(lambda b: JPEG_MAGIC + b) | st.binary(max_size=512)
                | st.text(max_size=60), min_size=1, max_size=4))
def test_websocket_answers_every_payload_and_stays_open(server_port, messages):
    with connect(f"ws://127.0.0.1:{server_port}/ws") as ws:
        for message in messages:
            ws.send(message)
            reply = json.loads(ws.recv(timeout=10))
            assert "error" in reply or "settings" in reply or "faces" in reply
        ws.send(json.dumps({"smoothing": 0.5}))
        assert json.loads(ws.recv(timeout=10))["settings"]["smoothing"] == 0.5


def test_corpus_files_as_websocket_payloads(server_port):
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    with connect(f"ws://127.0.0.1:{server_port}/ws", max_size=None) as ws:
        for path in files:
            ws.send(path.read_bytes())
            reply = json.loads(ws.recv(timeout=10))
            assert "error" in reply or reply["faces"] == [], (path.name, reply)
        ws.send(json.dumps({"threshold": 0.2}))
        assert json.loads(ws.recv(timeout=10))["settings"]["threshold"] == 0.2
