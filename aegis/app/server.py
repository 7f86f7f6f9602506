"""The live server: the page and its assets over HTTP, and the frame protocol over a WebSocket at /ws."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus

import cv2
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from aegis.analyze.analyzer import Analyzer
from aegis.app.access import WILDCARD_HOSTS, AccessPolicy
from aegis.app.delivery import Delivery
from aegis.app.page import (
    ASSETS,
    MODES,
    POLICY,
    PUBLIC_PATHS,
    asset_bytes,
    graph_files,
    page_config,
    picture,
    picture_names,
)
from aegis.app.session import IDLE_TIMEOUT_S, MAX_FRAME_BYTES, MAX_FRAME_SIDE, MAX_SESSIONS, FrameError, LiveSession
from aegis.errors import AegisError
from aegis.faces.base import Detector
from aegis.faces.registry import make_detector

log = logging.getLogger("aegis")


class RedactTokens(logging.Filter):
    """Blanks `token=...` in log records, so the access token never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = re.sub(r"token=[^&\s'\"]*", "token=<redacted>", record.getMessage())
        record.args = ()
        return True


ws_log = logging.getLogger("aegis.live")
ws_log.addFilter(RedactTokens())


class LiveServer:
    """Serves the page and answers each connection's frames with its own tracks and windows.

    Args:
        analyzer: the model and stream settings shared by all connections.
        detector_factory: makes each connection's own face detector.
        camera: a server-side camera index, or a video file shown as a camera (at its pace, looped); the page
            then shows it instead of the browser's camera.
        policy: who may connect (Host, Origin and token checks); loopback-only by default.
        max_sessions: connections served at once; the next one gets an error message and is closed.
        idle_timeout: seconds a browser connection may send nothing before it is closed.
        mode: "on-device" (the page runs the pipeline in the browser; /ws stays for server mode) or "server".
    """

    def __init__(self, analyzer: Analyzer, detector_factory: Callable[[], Detector] = make_detector,
                 camera: int | str | None = None, policy: AccessPolicy | None = None, max_sessions: int = MAX_SESSIONS,
                 idle_timeout: float = IDLE_TIMEOUT_S, mode: str = "on-device") -> None:
        self.analyzer = analyzer
        self.detector_factory = detector_factory
        self.camera = camera
        self.policy = policy or AccessPolicy("127.0.0.1")
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        if mode not in MODES:
            raise AegisError(f"mode {mode!r} is not one of {MODES}")
        self.mode = mode
        self.sessions: set[LiveSession] = set()
        self.delivery = Delivery()

    def refusal(self, connection: ServerConnection, request: Request) -> str | None:
        """Why a request is refused with 403: a foreign Host, a missing token, or a cross-origin /ws handshake."""
        port = connection.local_address[1]
        host = request.headers.get("Host")
        path = request.path.split("?")[0]
        reason = self.policy.host_refusal(host, port)
        if reason is None and not (path in PUBLIC_PATHS or path.startswith(("/emoji/", "/icons/"))):
            reason = self.policy.token_refusal(request.path)
        if reason is None and path == "/ws":
            reason = self.policy.origin_refusal(request.headers.get("Origin"), host, port)
        return reason

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Static files, emoji images and /config.json; None lets /ws go on to the WebSocket handshake."""
        if request.method != "GET":
            response = _response(HTTPStatus.METHOD_NOT_ALLOWED, b"only GET is served\n", "text/plain; charset=utf-8")
            response.headers["Allow"] = "GET"
            return response
        if len(request.headers.get_all("Host")) != 1:
            return _response(HTTPStatus.BAD_REQUEST, b"a request needs exactly one Host header\n",
                             "text/plain; charset=utf-8")
        reason = self.refusal(connection, request)
        if reason:
            return _response(HTTPStatus.FORBIDDEN, f"{reason}\n".encode(), "text/plain; charset=utf-8")
        path = request.path.split("?")[0]
        if path == "/ws":
            return None
        if path in ASSETS:
            response = self.delivery.response(request, path, partial(asset_bytes, path), ASSETS[path][1])
            response.headers["Content-Security-Policy"] = POLICY
            return response
        if path == "/config.json":
            config = page_config(self.analyzer.model, self.analyzer.settings, self.mode, self.camera is not None,
                                 server=True)
            return _response(HTTPStatus.OK, json.dumps(config).encode(), "application/json")
        graph = graph_files(self.analyzer.model.path).get(path.removeprefix("/models/"))
        if path.startswith("/models/") and graph is not None:
            return self.delivery.response(request, path, graph.read_bytes, "application/octet-stream")
        name, classes = path.lstrip("/"), self.analyzer.model.classes
        if name in picture_names(classes):  # drawn and encoded once, on the first request
            return self.delivery.response(request, path, partial(_png, name, classes), "image/png")
        return _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    async def handler(self, connection: ServerConnection) -> None:
        """One connection: frames in, one JSON answer per processed frame out; stale frames are dropped."""
        if len(self.sessions) >= self.max_sessions:
            await connection.send(json.dumps({"error": f"the server is busy: it serves at most {self.max_sessions} "
                                                       "connections at once; try again later"}))
            await connection.close(1013, "server busy")
            return
        session = LiveSession(self.analyzer, self.detector_factory())
        self.sessions.add(session)
        try:
            if self.camera is not None:
                await self._camera_loop(connection, session)
            else:
                await self._browser_loop(connection, session)
        finally:
            self.sessions.discard(session)

    async def _browser_loop(self, connection: ServerConnection, session: LiveSession) -> None:
        """Receive frames as they come, keep only the newest, and process one at a time."""
        latest: list[tuple[int, bytes]] = []
        ready = asyncio.Event()

        async def work() -> None:
            while True:
                await ready.wait()
                ready.clear()
                index, payload = latest.pop()
                try:
                    reply = await asyncio.to_thread(session.process, payload, index)
                except FrameError as exc:
                    reply = {"frame": index, "error": str(exc)}
                except Exception as exc:  # noqa: BLE001 - one bad frame must not stop the answers to the next
                    log.warning("frame %d could not be processed: %s: %s", index, type(exc).__name__, exc)
                    reply = {"frame": index, "error": f"the frame could not be processed ({type(exc).__name__})"}
                if not await _send(connection, reply):  # the page went away while its frame was processed
                    return

        worker = asyncio.create_task(work())
        try:
            while True:
                try:
                    message = await asyncio.wait_for(connection.recv(), self.idle_timeout)
                except TimeoutError:
                    await connection.send(json.dumps({"error": f"closed after {self.idle_timeout:g} s without a "
                                                               "frame; reload the page to reconnect"}))
                    await connection.close(1000, "idle")
                    return
                except ConnectionClosed:
                    return
                if isinstance(message, str):
                    try:
                        reply = {"settings": session.apply_settings(message)}
                    except FrameError as exc:
                        reply = {"error": str(exc)}
                    if not await _send(connection, reply):
                        return
                    continue
                dropped = {"frame": latest[0][0], "dropped": "a newer frame came first"} if latest else None
                if dropped and not await _send(connection, dropped):  # a stale frame waiting is dropped, and said so
                    return
                latest[:] = [(session.received, message)]
                session.received += 1
                ready.set()
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _camera_loop(self, connection: ServerConnection, session: LiveSession) -> None:
        """Server-side camera: send each frame as JPEG, then its JSON answer."""
        capture = await asyncio.to_thread(cv2.VideoCapture, self.camera)
        looped = isinstance(self.camera, str)  # a video file stands in for a camera: shown at its pace, looped
        period = 1.0 / (capture.get(cv2.CAP_PROP_FPS) or 25.0) if looped else 0.0
        try:
            if not capture.isOpened():
                log.warning("cannot open camera %s on the server", self.camera)
                await connection.send(json.dumps({"error": f"cannot open camera {self.camera} on the server"}))
                return
            while True:
                started = time.perf_counter()
                ok, frame = await asyncio.to_thread(capture.read)
                if not ok and looped and session.received:
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, frame = await asyncio.to_thread(capture.read)
                if not ok:
                    log.warning("camera %s stopped", self.camera)
                    await connection.send(json.dumps({"error": f"camera {self.camera} stopped"}))
                    return
                if max(frame.shape[:2]) > MAX_FRAME_SIDE:  # a large video file as the camera: shown at the limit
                    scale = MAX_FRAME_SIDE / max(frame.shape[:2])
                    frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                payload = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
                reply = await asyncio.to_thread(session.process, payload, session.received)
                session.received += 1
                await connection.send(payload)
                await connection.send(json.dumps(reply))
                await asyncio.sleep(max(0.0, period - (time.perf_counter() - started)))
        finally:
            capture.release()

    def serve(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> Server:
        """The websockets server (use as `async with`); over 4x the frame limit the socket itself refuses."""
        return serve(self.handler, host, port, process_request=self.process_request, ssl=tls,
                     max_size=4 * MAX_FRAME_BYTES, compression=None, logger=ws_log)


async def _send(connection: ServerConnection, message: dict) -> bool:
    """Send a JSON message; False when the connection has closed meanwhile (nothing to answer any more)."""
    try:
        await connection.send(json.dumps(message))
    except ConnectionClosed:
        return False
    return True


def _png(name: str, classes: tuple[str, ...]) -> bytes:
    """One of the page's pictures (`picture_names`) as PNG bytes."""
    return cv2.imencode(".png", picture(name, classes))[1].tobytes()


def _response(status: HTTPStatus, body: bytes, kind: str) -> Response:
    """An HTTP response that no cache keeps."""
    headers = Headers([("Content-Type", kind), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
    return Response(status.value, status.phrase, headers, body)


def tls_context(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    """A server TLS context from a PEM certificate and key; AegisError when they cannot be loaded."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise AegisError(f"cannot load the TLS certificate {certfile} and key {keyfile or '(in the same file)'}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from exc
    return context


async def run(server: LiveServer, host: str, port: int, tls: ssl.SSLContext | None,
              announce: Callable[[str], None]) -> None:
    """Serve until cancelled; `announce` gets the address to open once bound (with its token, the one place it is
    shown)."""
    async with server.serve(host, port, tls) as ws_server:
        bound = ws_server.sockets[0].getsockname()[1]
        url = server.policy.url(bound, "https" if tls else "http")
        if host in WILDCARD_HOSTS:
            url = url.replace("://127.0.0.1:", f"://{socket.gethostname()}:", 1)
        announce(url)
        await ws_server.serve_forever()
