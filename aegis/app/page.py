"""The live page's files, its Content-Security-Policy and its config, shared by `aegis live` and `aegis web-export`."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from aegis.app.session import MAX_FRAME_BYTES
from aegis.faces.mtcnn import WEIGHTS as MTCNN_WEIGHTS
from aegis.render.emoji import emoji
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.results import UNCERTAIN
from aegis.runtime.stream import StreamSettings

STATIC = Path(__file__).resolve().parent / "static"
JS = "text/javascript; charset=utf-8"
ASSETS = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", JS),
          "/app.css": ("app.css", "text/css; charset=utf-8"), "/image.js": ("image.js", JS),
          "/mtcnn.js": ("mtcnn.js", JS), "/ondevice.js": ("ondevice.js", JS), "/scorer.js": ("scorer.js", JS),
          "/ort/ort.wasm.min.js": ("ort/ort.wasm.min.js", JS),
          "/ort/ort-wasm-simd-threaded.mjs": ("ort/ort-wasm-simd-threaded.mjs", JS),
          "/ort/ort-wasm-simd-threaded.wasm.gz": ("ort/ort-wasm-simd-threaded.wasm", "application/gzip"),
          "/sw.js": ("sw.js", JS), "/manifest.webmanifest": ("manifest.webmanifest", "application/manifest+json")}
ICON_SIZES = (192, 512)  # the home-screen icons (the happiness emoji), at /icons/icon-<size>.png
PUBLIC_PATHS = tuple(p for p in ASSETS if p != "/")  # what the page loads without its token; /emoji/ images too
MODES = ("on-device", "server")  # where the page runs the pipeline: in the browser, or on the server per frame
# the page loads and connects to its own origin only, and compiles WebAssembly only from its own files
POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:; "
          "connect-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def asset_bytes(path: str) -> bytes:
    """One of the ASSETS as the page gets it: a `.gz` path of a file that is not compressed comes gzipped (the
    WebAssembly runtime, which the page unpacks itself, so that any static server sends a quarter of it)."""
    name, _ = ASSETS[path]
    body = (STATIC / name).read_bytes()
    return gzip.compress(body, 6, mtime=0) if path.endswith(".gz") and not name.endswith(".gz") else body


def graph_files(model_path: Path) -> dict[str, Path]:
    """The ONNX graphs the on-device page loads, by the name it asks for: MTCNN's three and the frame model."""
    return {**{f"{n}.onnx": MTCNN_WEIGHTS / f"{n}.onnx" for n in ("pnet", "rnet", "onet")}, "model.onnx": model_path}


def picture_names(classes: tuple[str, ...]) -> list[str]:
    """The page's pictures: an emoji for each class and "uncertain", and the home-screen icons."""
    return [f"emoji/{c}.png" for c in (*classes, UNCERTAIN)] + [f"icons/icon-{s}.png" for s in ICON_SIZES]


def picture(name: str, classes: tuple[str, ...]) -> np.ndarray | None:
    """The BGRA image of one of `picture_names` (None for any other name): the emoji, or the happiness icon."""
    if name not in picture_names(classes):
        return None
    if name.startswith("icons/"):
        return emoji("happiness", int(name.removeprefix("icons/icon-").removesuffix(".png")))
    return emoji(name.removeprefix("emoji/").removesuffix(".png"), 128)


def page_config(model: OnnxModel, settings: StreamSettings, mode: str, camera: bool = False,
                server: bool = False) -> dict:
    """What the page needs: where it runs, whether a server can run the pipeline for it (`aegis live`: the
    page falls back to server mode where it cannot run the models), the model's classes, window and crop size,
    the stream settings, and every file the service worker keeps for offline use."""
    files = [p.lstrip("/") or "./" for p in ASSETS] + [f"models/{n}" for n in graph_files(model.path)]
    return {"mode": mode, "camera": camera, "server": server, "classes": list(model.classes),
            "frames": model.info.frames, "input_size": list(model.info.input_size), "crop": model.info.crop,
            "smoothing": settings.smoothing, "threshold": settings.threshold, "detect_every": settings.detect_every,
            "coast": settings.coast, "max_frame_bytes": MAX_FRAME_BYTES,
            "files": [*files, "config.json", *picture_names(model.classes)]}
