"""The on-device page: the whole pipeline in Chromium on ONNX Runtime Web, from `aegis live` or an exported site."""

import base64
import json
import shutil

import cv2
import numpy as np
import pytest
from conftest import shared_data
from live_helpers import serve_folder, write_y4m

from aegis.analyze.analyzer import Analyzer
from aegis.app.export import export_site
from aegis.faces.track import iou
from aegis.io.readers import open_source

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream"]
FEED = """async ([png, fresh]) => {
    if (fresh) window.aegis.test = await OnDevicePipeline.load(withModels, await (await fetch("config.json")).json());
    const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    const image = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
    const canvas = new OffscreenCanvas(image.width, image.height), context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return await window.aegis.test.process(context.getImageData(0, 0, image.width, image.height).data,
                                           image.width, image.height);
}"""


def test_web_export_writes_a_site_with_the_models_classes(tmp_path, contempt_model):
    site = export_site(tmp_path / "site", contempt_model)
    config = json.loads((site / "config.json").read_text())
    assert config["mode"] == "on-device" and config["classes"][-1] == "contempt" and config["frames"] == 1
    expected = ["index.html", "app.js", "image.js", "mtcnn.js", "ondevice.js", "scorer.js", "sw.js",
                "manifest.webmanifest", "ort/ort.wasm.min.js", "ort/ort-wasm-simd-threaded.wasm.gz",
                "models/pnet.onnx", "models/model.onnx", "emoji/contempt.png", "icons/icon-512.png"]
    assert all((site / name).is_file() for name in expected)
    assert (site / "models" / "model.onnx").read_bytes() == contempt_model.read_bytes()


def _browser_or_skip():
    """Playwright's sync API, or a skip where Chromium or Playwright is missing."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


def _camera(tmp_path):
    clip = shared_data("videos") / "head-pose-face-detection-male.gif"
    return write_y4m([cv2.resize(f, (640, 360)) for f in open_source(clip)] * 3, tmp_path / "camera.y4m")


@pytest.mark.slow
@pytest.mark.real_data
def test_an_exported_site_runs_on_device_offline_with_no_socket_and_no_other_origin(tmp_path):
    sync_api = _browser_or_skip()
    camera = _camera(tmp_path)
    url, stop = serve_folder(export_site(tmp_path / "site"))
    requests, sockets = [], []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"])
            context = browser.new_context()
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda w: sockets.append(w.url))
            page.goto(f"{url}?autostart=1")
            page.wait_for_function("() => window.aegis.last && window.aegis.last.faces.length > 0", timeout=60_000)
            online = page.evaluate("() => window.aegis.stats")
            # the model moves to its worker once that has opened it, and the page goes on with it
            page.wait_for_function("() => window.aegis.pipeline.scorer.worker !== null", timeout=30_000)
            frames = page.evaluate("() => window.aegis.stats.frames")
            page.wait_for_function(f"() => window.aegis.stats.frames > {frames + 2}", timeout=30_000)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
            context.set_offline(True)
            page.reload()
            page.wait_for_function("() => window.aegis.last && window.aegis.last.faces.length > 0", timeout=60_000)
            offline = page.evaluate("() => window.aegis.last.faces[0].label")
            browser.close()
    finally:
        stop()
    assert online["mode"] == "on-device" and online["frames"] > 0
    assert offline in ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "uncertain")
    assert sockets == [] and all(u.startswith(url) for u in requests), (sockets, [u for u in requests if url not in u])


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.parametrize("name", ["head-pose-face-detection-female-and-male.gif", "head-pose-face-detection-male.gif",
                                  "face-demographics-walking.gif"])
def test_the_page_finds_and_labels_the_faces_aegis_analyze_finds_on_the_same_frames(tmp_path, name):
    sync_api = _browser_or_skip()
    clip = shared_data("videos") / name
    frames = list(open_source(clip))
    reference = Analyzer().analyze(clip)  # the defaults: tracked faces re-found first, one pyramid band a frame
    url, stop = serve_folder(export_site(tmp_path / "site"))
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            pngs = [base64.b64encode(cv2.imencode(".png", f)[1].tobytes()).decode() for f in frames]
            browser_faces = [page.evaluate(FEED, [png, i == 0]) for i, png in enumerate(pngs)]
            browser.close()
    finally:
        stop()
    ious, agree, expected = [], [], 0
    for result, faces in zip(reference, browser_faces, strict=True):
        for face in result.detected:
            expected += 1
            best = max(faces, key=lambda f: iou(face.box, f["box"]), default=None)
            if best is not None and iou(face.box, best["box"]) > 0.3:
                ious.append(iou(face.box, best["box"]))
                agree.append(face.label == best["label"])
    assert len(ious) >= 0.98 * expected, (len(ious), expected)
    assert min(ious) >= 0.9 and np.mean(agree) >= 0.98, (min(ious), np.mean(agree))


@pytest.mark.slow
@pytest.mark.real_data
def test_without_a_worker_for_the_model_the_page_scores_the_faces_itself(tmp_path):
    sync_api = _browser_or_skip()
    frame = next(iter(open_source(shared_data("videos") / "head-pose-face-detection-male.gif")))
    url, stop = serve_folder(export_site(tmp_path / "site"))
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.add_init_script("delete window.Worker")  # a browser with no workers
            page.goto(url)
            faces = page.evaluate(FEED, [base64.b64encode(cv2.imencode(".png", frame)[1].tobytes()).decode(), True])
            in_worker = page.evaluate("() => window.aegis.test.scorer.worker !== null")
            browser.close()
    finally:
        stop()
    assert not in_worker and len(faces) == 1 and faces[0]["label"] in Analyzer().model.classes + ("uncertain",)
