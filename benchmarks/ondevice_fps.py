"""Benchmark: the on-device page in headless Chromium, on a fake camera playing a shared clip at 640x480.

    python benchmarks/ondevice_fps.py [--clip NAME | three] [--seconds 20] [--throttle 1 4] [--via static live]
        [--model ONNX]

Serves `aegis web-export`'s site from a plain static server, or the page from `aegis live` (which sends its files
gzip-compressed and revalidated by ETag), opens it with `?autostart=1` on a 30 FPS fake camera playing the clip
back and forth at 640x480 (`three`: benchmarks/pipeline_fps.py's three faces side by side), and reports the time
from load to the first face with a label (warm cache: the second load) with the page's own marks, the camera
frames processed a second over the run (`window.aegis.stats`), with and without CPU throttling (Chromium's
DevTools rate, a phone-class proxy), and the bytes the first load downloads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from live_helpers import (
    serve_folder,  # noqa: E402
    start_server,  # noqa: E402
    write_y4m,  # noqa: E402
)
from pipeline_fps import playback, three_face_frames  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from aegis.analyze.analyzer import Analyzer  # noqa: E402
from aegis.app.export import export_site  # noqa: E402
from aegis.app.server import LiveServer  # noqa: E402
from aegis.io.readers import open_source  # noqa: E402

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--disable-background-networking", "--no-first-run"]


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
        marks = page.evaluate("() => Object.fromEntries(performance.getEntriesByType('mark')"
                              ".filter((m) => m.name.startsWith('aegis:')).map((m) => [m.name, m.startTime / 1000]))")
        spent = "() => [window.aegis.pipeline.count, {...window.aegis.pipeline.spent}]"
        before, (count0, spent0) = page.evaluate("() => window.aegis.stats.frames"), page.evaluate(spent)
        page.wait_for_timeout(seconds * 1000)
        after, (count1, spent1) = page.evaluate("() => window.aegis.stats.frames"), page.evaluate(spent)
        faces = page.evaluate("() => window.aegis.last.faces.length")
        browser.close()
    return {"throttle": throttle, "first_face_s": round(first, 2), "fps": round((after - before) / seconds, 1),
            "faces_last_frame": faces, "downloaded_mb": round(downloaded / 1e6, 2),
            "ms_a_frame": {k: round((spent1[k] - spent0[k]) / max(count1 - count0, 1), 1) for k in spent0},
            "warm_load_s": {k.removeprefix("aegis:"): round(v, 2) for k, v in marks.items()}}


def serve_site(via: str, folder: Path, model: str | None) -> tuple[str, Callable[[], None]]:
    """The page's URL from a static server over an exported site, or from `aegis live`; and how to stop it."""
    if via == "live":
        port, stop = start_server(LiveServer(Analyzer(model=model)))
        return f"http://127.0.0.1:{port}/", stop
    return serve_folder(export_site(folder, model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="three", help="a shared clip's name, or three (three people)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--throttle", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--via", nargs="+", choices=("static", "live"), default=["static", "live"])
    parser.add_argument("--model", help="the frame or window model the page runs (default: the shipped default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frames = three_face_frames() if args.clip == "three" else [
            cv2.resize(f, (640, 480)) for f in open_source(VIDEOS / args.clip)]
        camera = write_y4m(playback(frames, 8 * len(frames)), Path(tmp) / "camera.y4m", fps=30)
        for via in args.via:
            url, stop = serve_site(via, Path(tmp) / "site", args.model)
            try:
                for rate in args.throttle:
                    print(json.dumps({"clip": args.clip, "via": via, "model": args.model or "default",
                                      **run(url, camera, args.seconds, rate)}),
                          flush=True)
            finally:
                stop()


if __name__ == "__main__":
    main()
