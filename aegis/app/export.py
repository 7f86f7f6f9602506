"""`aegis web-export`: the on-device page as a self-contained static site (any static file server serves it)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import cv2

from aegis.app.page import ASSETS, asset_bytes, graph_files, page_config, picture, picture_names
from aegis.io.files import atomic_path, write_text
from aegis.runtime.onnx import OnnxModel
from aegis.runtime.stream import StreamSettings


def export_site(out: str | Path, model: str | Path | None = None, settings: StreamSettings | None = None) -> Path:
    """Write the page, ONNX Runtime Web, the graphs (MTCNN's and the frame model), the emoji, the icons, the
    manifest, the service worker and config.json (mode on-device) into `out`; returns it."""
    out = Path(out)
    frame_model = OnnxModel(model)
    files = {path.lstrip("/") or "index.html": partial(asset_bytes, path) for path in ASSETS}
    files |= {f"models/{name}": source.read_bytes for name, source in graph_files(frame_model.path).items()}
    for name, read in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(read())
    for name in picture_names(frame_model.classes):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / name) as tmp:
            cv2.imwrite(str(tmp), picture(name, frame_model.classes))
    config = page_config(frame_model, settings or StreamSettings(), "on-device")
    write_text(out / "config.json", json.dumps(config, indent=2) + "\n")
    return out
