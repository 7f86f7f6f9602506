"""Benchmark: the on-device page in headless Chromium, on a fake camera playing a shared clip at 640x480.

    python benchmarks/ondevice_fps.py [--clip NAME] [--seconds 20] [--throttle 4]

Serves `aegis web-export`'s site from a local static server, opens it with `?autostart=1`, and reports the time
from load to the first face with a label (warm cache: the second load), the frames processed a second over the
run (`window.aegis.stats`), with and without CPU throttling (Chromium's DevTools rate, a phone-class proxy), and
the bytes the page downloads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from live_helpers import write_y4m  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from aegis.app.export import export_site  # noqa: E402
from aegis.io.readers import open_source  # noqa: E402

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--disable-background-networking", "--no-first-run"]


class Quiet(SimpleHTTPRequestHandler):
    """A static file server that logs nothing."""

    def log_message(self, *args) -> None:
        pass


def run(url: str, camera: Path, seconds: float, throttle: float) -> dict:
    """Load twice (the second with a warm cache), then measure the processed frame rate over `seconds`."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                     args=[*ARGS, f"--use-file-for-fake-video-capture={camera}"])
        page = browser.new_page()
        sizes = []
        page.on("response", lambda r: sizes.append(int(r.headers.get("content-length", 0))))
        page.goto(f"{url}?autostart=1")
        page.wait_for_function("() => window.aegis.last && window.aegis.last.faces.length", timeout=120_000)
        downloaded = sum(sizes)
        if throttle > 1:
            page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        start = time.perf_counter()
        page.reload()
        page.wait_for_function("() => window.aegis.last && window.aegis.last.faces.some((f) => f.label)",
                               timeout=120_000)
        first = time.perf_counter() - start
        before = page.evaluate("() => window.aegis.stats.frames")
        page.wait_for_timeout(seconds * 1000)
        after = page.evaluate("() => window.aegis.stats.frames")
        faces = page.evaluate("() => window.aegis.last.faces.length")
        browser.close()
    return {"throttle": throttle, "first_face_s": round(first, 2), "fps": round((after - before) / seconds, 1),
            "faces_last_frame": faces, "downloaded_mb": round(downloaded / 1e6, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="head-pose-face-detection-female-and-male.gif")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--throttle", type=float, nargs="+", default=[1.0, 4.0])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frames = [cv2.resize(f, (640, 480)) for f in open_source(VIDEOS / args.clip)]
        camera = write_y4m(frames * 4, Path(tmp) / "camera.y4m")
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(export_site(Path(tmp) / "site"))))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            for rate in args.throttle:
                print(json.dumps({"clip": args.clip, **run(url, camera, args.seconds, rate)}), flush=True)
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
