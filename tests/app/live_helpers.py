"""Running the live server or a plain static file server in a thread for tests, and a clip as Chromium's fake
camera."""

import asyncio
import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np


def start_server(server, tls=None):
    """Run the server on a free loopback port in a thread (over TLS with an SSLContext); returns (port, stop)."""
    loop, ready, box = asyncio.new_event_loop(), threading.Event(), {}

    async def main():
        box["stop"] = asyncio.get_running_loop().create_future()
        async with server.serve("127.0.0.1", 0, tls) as ws_server:
            box["port"] = ws_server.sockets[0].getsockname()[1]
            ready.set()
            await box["stop"]

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)

    def stop():
        loop.call_soon_threadsafe(box["stop"].set_result, None)
        thread.join(10)

    return box["port"], stop


def write_y4m(frames: list[np.ndarray], path: Path, fps: int = 15) -> Path:
    """Frames as a raw YUV 4:2:0 .y4m file, the format Chromium's fake camera plays."""
    h, w = frames[0].shape[:2]
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


class QuietFiles(SimpleHTTPRequestHandler):
    """A static file server that logs nothing."""

    def log_message(self, *args) -> None:
        pass


def serve_folder(folder: Path) -> tuple[str, Callable[[], None]]:
    """A plain static file server over `folder` on a free loopback port in a thread; returns (url, stop)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server.shutdown
