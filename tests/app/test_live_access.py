"""Who may use the live server: Host, Origin and token refusals, the session cap, the idle timeout, no token in logs."""

import http.client
import json
import logging

import pytest
from live_helpers import start_server
from synthetic import SquareDetector

pytest.importorskip("websockets")
from websockets.exceptions import InvalidStatus  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from aegis.analyze.analyzer import Analyzer  # noqa: E402
from aegis.app.access import AccessPolicy, is_loopback, normalise_origin  # noqa: E402
from aegis.app.server import LiveServer  # noqa: E402
from aegis.errors import AegisError  # noqa: E402

UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def _status(port: int, path: str, host: str | None = None, headers: dict | None = None, method: str = "GET",
            hosts: int = 1) -> int:
    """The HTTP status of a request with exactly this Host header (the server's own address by default)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest(method, path, skip_host=True)
    for _ in range(hosts):
        conn.putheader("Host", host or f"127.0.0.1:{port}")
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def serve(tiny_model):
    stops = []

    def make(**kwargs):
        server = LiveServer(Analyzer(model=tiny_model, smoothing=0.0), detector_factory=SquareDetector, **kwargs)
        port, stop = start_server(server)
        stops.append(stop)
        return server, port

    yield make
    for stop in stops:
        stop()


def test_policy_rules_without_a_server():
    loop = AccessPolicy("127.0.0.1")
    assert loop.host_refusal("127.0.0.1:8000", 8000) is None and loop.host_refusal("[::1]:8000", 8000) is None
    assert loop.host_refusal("localhost:8000", 8000) is None
    assert loop.host_refusal("attacker.example:8000", 8000) and loop.host_refusal("127.0.0.1:9000", 8000)
    assert loop.host_refusal(None, 8000) and loop.host_refusal("127.0.0.1", 8000)
    assert loop.origin_refusal(None, "127.0.0.1:8000", 8000) is None  # not a browser
    assert loop.origin_refusal("http://localhost:8000", "127.0.0.1:8000", 8000) is None
    assert loop.origin_refusal("https://evil.example", "127.0.0.1:8000", 8000)
    assert loop.origin_refusal("http://127.0.0.1:8001", "127.0.0.1:8000", 8000)  # another local port
    assert loop.origin_refusal("null", "127.0.0.1:8000", 8000)
    embed = AccessPolicy("127.0.0.1", allowed_origins=frozenset({normalise_origin("HTTPS://Embed.example:443/")}))
    assert embed.origin_refusal("https://embed.example", "127.0.0.1:8000", 8000) is None
    assert loop.token_refusal("/ws") is None
    lan = AccessPolicy.for_bind("0.0.0.0")
    assert lan.token and len(lan.token) >= 32 and AccessPolicy.for_bind("0.0.0.0").token != lan.token
    assert lan.host_refusal("my-laptop.local:8000", 8000) is None  # wildcard: names unknown, the token guards
    assert lan.token_refusal("/ws") and lan.token_refusal("/ws?token=wrong")
    assert lan.token_refusal(f"/ws?token={lan.token}") is None
    assert lan.url(8000).endswith(f":8000/?token={lan.token}")
    assert AccessPolicy.for_bind("::1").token is None and is_loopback("127.0.0.5") and not is_loopback("10.0.0.2")
    with pytest.raises(AegisError):
        normalise_origin("evil.example")


def test_malformed_requests_get_400_and_other_methods_405(serve, caplog):
    _, port = serve()
    with caplog.at_level(logging.ERROR):
        assert _status(port, "/", hosts=2) == 400
    assert not [r for r in caplog.records if r.exc_info], "a doubled Host must not log a traceback"
    assert _status(port, "/", host=f"evil.example@127.0.0.1:{port}") == 403
    assert _status(port, "/", host=f"127.0.0.1:{port}/x") == 403
    for method in ("PUT", "DELETE", "TRACE", "POST"):
        assert _status(port, "/", method=method) == 405
    assert _status(port, "/") == 200


def test_cross_origin_and_rebinding_handshakes_get_403(serve):
    _, port = serve()
    assert _status(port, "/ws", headers={**UPGRADE, "Origin": "https://evil.example"}) == 403
    assert _status(port, "/ws", host=f"attacker.example:{port}",
                   headers={**UPGRADE, "Origin": f"http://attacker.example:{port}"}) == 403
    assert _status(port, "/config.json", host=f"attacker.example:{port}") == 403  # a DNS-rebinding read
    assert _status(port, "/", host=f"attacker.example:{port}") == 403
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{port}/ws", origin="https://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    with connect(f"ws://127.0.0.1:{port}/ws", origin=f"http://localhost:{port}", open_timeout=5) as ws:
        ws.send(json.dumps({"smoothing": 0.2}))
        assert json.loads(ws.recv(timeout=5))["settings"]["smoothing"] == 0.2
    assert _status(port, "/config.json") == 200


def test_allow_origin_admits_a_deliberate_embedding(serve):
    _, port = serve(policy=AccessPolicy.for_bind("127.0.0.1", ("https://embed.example",)))
    with connect(f"ws://127.0.0.1:{port}/ws", origin="https://embed.example", open_timeout=5):
        pass
    assert _status(port, "/ws", headers={**UPGRADE, "Origin": "https://other.example"}) == 403


def test_off_loopback_every_page_and_socket_needs_the_token(serve):
    policy = AccessPolicy.for_bind("0.0.0.0")
    _, port = serve(policy=policy)
    for path in ("/", "/config.json", "/ws", "/?token=", "/ws?token=not-it"):
        assert _status(port, path, headers=UPGRADE if path.startswith("/ws") else None) == 403, path
    assert _status(port, "/app.js") == 200 and _status(port, "/emoji/happiness.png") == 200  # public assets
    assert _status(port, f"/?token={policy.token}") == 200
    assert _status(port, f"/config.json?token={policy.token}") == 200
    with pytest.raises(InvalidStatus):
        connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5)
    with connect(f"ws://127.0.0.1:{port}/ws?token={policy.token}", open_timeout=5):
        pass


def test_the_token_never_reaches_a_log(serve, caplog):
    policy = AccessPolicy.for_bind("0.0.0.0")
    _, port = serve(policy=policy)
    with caplog.at_level(logging.DEBUG):
        with connect(f"ws://127.0.0.1:{port}/ws?token={policy.token}", open_timeout=5) as ws:
            ws.send("{bad")
            ws.recv(timeout=5)
        _status(port, f"/ws?token={policy.token}x", headers=UPGRADE)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("aegis"))  # not the client's
    assert "GET /ws?token=<redacted>" in logged  # the handshake is logged at debug level, blanked
    assert policy.token not in logged


def test_sessions_over_the_cap_get_a_message_and_a_close(serve):
    _, port = serve(max_sessions=2)
    with connect(f"ws://127.0.0.1:{port}/ws") as a, connect(f"ws://127.0.0.1:{port}/ws") as b:
        a.send(json.dumps({"smoothing": 0.1}))
        b.send(json.dumps({"smoothing": 0.1}))
        a.recv(timeout=5), b.recv(timeout=5)
        with connect(f"ws://127.0.0.1:{port}/ws") as third:
            assert "at most 2 connections" in json.loads(third.recv(timeout=5))["error"]
            with pytest.raises(Exception, match="1013"):
                third.recv(timeout=5)


def test_an_idle_connection_is_closed_with_a_message(serve):
    _, port = serve(idle_timeout=0.3)
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        assert "without a frame" in json.loads(ws.recv(timeout=5))["error"]
        with pytest.raises(Exception, match="1000"):
            ws.recv(timeout=5)


def test_live_refuses_bad_tls_and_origin_options_with_one_line(capsys, tmp_path):
    from aegis.cli import main

    assert main(["live", "--certfile", str(tmp_path / "missing.pem")]) == 2
    assert main(["live", "--keyfile", str(tmp_path / "k.pem")]) == 2
    assert main(["live", "--allow-origin", "evil.example"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("aegis: error: ") for line in errors), errors
    assert "certificate" in errors[0] and "--certfile" in errors[1] and "origin" in errors[2]


def test_tls_serves_the_page_and_socket_over_https(serve, tmp_path):
    import shutil
    import ssl
    import subprocess
    import urllib.request

    from aegis.app.server import tls_context

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    server, _ = serve()
    port, stop = start_server(server, tls=tls_context(str(cert), str(key)))
    try:
        client = ssl.create_default_context(cafile=str(cert))
        client.check_hostname = False
        page = urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=client, timeout=5).read()
        assert b'id="overlay"' in page
        with connect(f"wss://127.0.0.1:{port}/ws", ssl=client, open_timeout=5) as ws:
            ws.send(json.dumps({"threshold": 0.3}))
            assert json.loads(ws.recv(timeout=5))["settings"]["threshold"] == 0.3
    finally:
        stop()
