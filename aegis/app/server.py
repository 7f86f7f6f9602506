"""The live server: the page and its assets over HTTP, and the frame protocol over a WebSocket at /ws."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

import cv2
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from aegis.analyzer import Analyzer
from aegis.app.session import MAX_FRAME_BYTES, FrameError, LiveSession
from aegis.faces.detect import Detector, HaarDetector
from aegis.labels import CLASSES
from aegis.render.emoji import emoji
from aegis.runtime.results import UNCERTAIN

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/app.css": ("app.css", "text/css; charset=utf-8")}
log = logging.getLogger("aegis")


class LiveServer:
    """Serves the page and answers each connection's frames with its own tracks and windows.

    Args:
        analyzer: the model and stream settings shared by all connections.
        detector_factory: makes each connection's own face detector.
        camera: a server-side camera index; the page then shows that camera instead of the browser's.
    """

    def __init__(self, analyzer: Analyzer, detector_factory: Callable[[], Detector] = HaarDetector,
                 camera: int | None = None) -> None:
        self.analyzer = analyzer
        self.detector_factory = detector_factory
        self.camera = camera
        self.sessions: set[LiveSession] = set()

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Static files, emoji images and /config.json; None lets /ws go on to the WebSocket handshake."""
        path = request.path.split("?")[0]
        if path == "/ws":
            return None
        if path in ASSETS:
            name, kind = ASSETS[path]
            return _response(HTTPStatus.OK, (STATIC / name).read_bytes(), kind)
        if path == "/config.json":
            config = {"camera": self.camera is not None, "classes": list(CLASSES), "max_frame_bytes": MAX_FRAME_BYTES}
            return _response(HTTPStatus.OK, json.dumps(config).encode(), "application/json")
        label = path.removeprefix("/emoji/").removesuffix(".png")
        if path.startswith("/emoji/") and label in (*CLASSES, UNCERTAIN):
            ok, png = cv2.imencode(".png", emoji(label, 128))
            return _response(HTTPStatus.OK, png.tobytes(), "image/png")
        return _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    async def handler(self, connection: ServerConnection) -> None:
        """One connection: frames in, one JSON answer per processed frame out; stale frames are dropped."""
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
                await connection.send(json.dumps(reply))

        worker = asyncio.create_task(work())
        try:
            async for message in connection:
                if isinstance(message, str):
                    try:
                        await connection.send(json.dumps({"settings": session.apply_settings(message)}))
                    except FrameError as exc:
                        await connection.send(json.dumps({"error": str(exc)}))
                    continue
                latest[:] = [(session.received, message)]  # a stale frame still waiting is dropped
                session.received += 1
                ready.set()
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _camera_loop(self, connection: ServerConnection, session: LiveSession) -> None:
        """Server-side camera: send each frame as JPEG, then its JSON answer."""
        capture = await asyncio.to_thread(cv2.VideoCapture, self.camera)
        try:
            if not capture.isOpened():
                await connection.send(json.dumps({"error": f"cannot open camera {self.camera} on the server"}))
                return
            while True:
                ok, frame = await asyncio.to_thread(capture.read)
                if not ok:
                    await connection.send(json.dumps({"error": f"camera {self.camera} stopped"}))
                    return
                payload = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
                reply = await asyncio.to_thread(session.process, payload, session.received)
                session.received += 1
                await connection.send(payload)
                await connection.send(json.dumps(reply))
        finally:
            capture.release()

    def serve(self, host: str, port: int) -> Server:
        """The websockets server (use as `async with`); over 4x the frame limit the socket itself refuses."""
        return serve(self.handler, host, port, process_request=self.process_request,
                     max_size=4 * MAX_FRAME_BYTES, compression=None)


def _response(status: HTTPStatus, body: bytes, kind: str) -> Response:
    """An HTTP response that no cache keeps."""
    headers = Headers([("Content-Type", kind), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
    return Response(status.value, status.phrase, headers, body)


async def run(server: LiveServer, host: str, port: int) -> None:
    """Serve until cancelled."""
    async with server.serve(host, port) as ws_server:
        await ws_server.serve_forever()
