"""End to end in a real browser: headless Chromium with a fake camera playing a real clip, driven by Playwright.

Skips (never passes) when Chromium, Playwright or the real clips are not there. The screenshot is kept in
out/test-artifacts/live-browser.png.
"""

import shutil
from pathlib import Path

import cv2
import pytest
from conftest import shared_data
from live_helpers import serve_folder, start_server, write_y4m
from synthetic import SquareDetector

pytest.importorskip("websockets")
sync_api = pytest.importorskip("playwright.sync_api")

from aegis.analyze.analyzer import Analyzer  # noqa: E402
from aegis.app.server import LiveServer  # noqa: E402
from aegis.io.readers import open_source  # noqa: E402

pytestmark = pytest.mark.slow  # a real browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
OPEN_SOCKET = """url => new Promise(done => {
    const ws = new WebSocket(url);
    ws.onopen = () => { ws.close(); done("open"); };
    ws.onerror = () => done("refused");
})"""


@pytest.mark.real_data
def test_overlay_appears_over_the_face_in_chromium(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    clip = shared_data("videos") / "head-pose-face-detection-male.gif"
    frames = [cv2.resize(f, (640, 360)) for f in open_source(clip)]
    camera = write_y4m(frames * 3, tmp_path / "camera.y4m")
    server = LiveServer(Analyzer(), mode="server")
    port, stop = start_server(server)
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}", *CHROMIUM_ARGS]
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            page = browser.new_page(viewport={"width": 800, "height": 700})
            page.goto(f"http://127.0.0.1:{port}/?autostart=1")
            page.wait_for_function("() => lastFaces.length > 0", timeout=30_000)
            page.wait_for_timeout(500)
            found = page.evaluate("""() => {
                const face = lastFaces[0], sx = overlay.width / frameSize[0], sy = overlay.height / frameSize[1];
                const x = Math.max(0, Math.floor(face.box[0] * sx)), w = Math.ceil(face.box[2] * sx);
                const top = Math.max(0, Math.floor(face.box[1] * sy - face.box[2] * sx));
                const h = Math.max(1, Math.floor(face.box[1] * sy) - top + 4);
                const pixels = ctx.getImageData(x, top, w, h).data;
                let opaque = 0;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 200) opaque++;
                return {opaque, label: face.label, fps: document.getElementById("fps").textContent};
            }""")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "live-browser.png"))
            browser.close()
    finally:
        stop()
    assert found["opaque"] > 200, found  # the emoji is drawn in the region just above the face box


def test_a_page_of_another_origin_cannot_open_the_socket_in_chromium(tiny_model, tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    (tmp_path / "index.html").write_text("<!doctype html><title>another site</title>")
    other_url, stop_other = serve_folder(tmp_path)
    port, stop = start_server(LiveServer(Analyzer(model=tiny_model), detector_factory=SquareDetector))
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(other_url)
            foreign = page.evaluate(OPEN_SOCKET, f"ws://127.0.0.1:{port}/ws")
            page.goto(f"http://127.0.0.1:{port}/")
            own = page.evaluate(OPEN_SOCKET, f"ws://127.0.0.1:{port}/ws")
            browser.close()
    finally:
        stop()
        stop_other()
    assert (foreign, own) == ("refused", "open")



def test_a_browser_that_cannot_run_the_models_falls_back_to_the_server_that_sent_the_page(tiny_model):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    port, stop = start_server(LiveServer(Analyzer(model=tiny_model), detector_factory=SquareDetector))
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", *CHROMIUM_ARGS]
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            page = browser.new_page()
            page.route("**/*.wasm.gz", lambda route: route.abort())  # as if WebAssembly could not load
            page.goto(f"http://127.0.0.1:{port}/?autostart=1")
            page.wait_for_function("() => window.aegis.stats.frames > 2", timeout=30_000)
            stats = page.evaluate("() => window.aegis.stats")
            message = page.text_content("#message")
            browser.close()
    finally:
        stop()
    assert stats["mode"] == "server" and "the AEGIS server runs them" in message, (stats, message)


LAYOUT_CHECK = """() => {
    const w = overlay.width, h = overlay.height, out = [];
    const inside = (r) => r[0] >= 0 && r[1] >= 0 && r[0] + r[2] <= w + 0.5 && r[1] + r[3] <= h + 0.5;
    const apart = (a, b) => a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1];
    const corners = [[w - 30, 2, 60, 60], [-20, 4, 50, 50], [w / 2, h - 40, 80, 80], [4, h / 3, 40, 40]];
    const live = window.aegis.last.faces.map(
        (f) => f.box.map((v, i) => v * (i % 2 ? h / frameSize[1] : w / frameSize[0])));
    for (const big of [false, true]) {
        for (const box of [...live, ...corners]) {
            const place = window.aegis.layoutFace(box, w, h, {mode: "both", scale: 1, big, labelWidth: 120});
            out.push({box, big, inside: inside(place.emoji) && inside(place.label),
                      apart: apart(place.emoji, place.label)});
        }
    }
    return out;
}"""


@pytest.mark.real_data
@pytest.mark.parametrize(("name", "viewport"), [("phone", {"width": 390, "height": 844}),
                                                ("desktop", {"width": 1280, "height": 800})])
def test_phone_and_desktop_layouts_keep_labels_inside_and_off_the_emoji(tmp_path, name, viewport):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    clip = shared_data("videos") / "head-pose-face-detection-male.gif"
    camera = write_y4m([cv2.resize(f, (640, 360)) for f in open_source(clip)] * 3, tmp_path / "camera.y4m")
    port, stop = start_server(LiveServer(Analyzer(), mode="server"))
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}", *CHROMIUM_ARGS]
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            page = browser.new_page(viewport=viewport, has_touch=name == "phone")
            page.goto(f"http://127.0.0.1:{port}/?autostart=1")
            page.select_option("#mode", "both")
            page.wait_for_function("() => window.aegis.last && window.aegis.last.faces.length > 0", timeout=30_000)
            checks = page.evaluate(LAYOUT_CHECK)
            stage = page.evaluate("() => document.getElementById('stage').getBoundingClientRect().width")
            targets = page.evaluate("""() => [...document.querySelectorAll('#controls label, #controls select')]
                .map((e) => Math.round(e.getBoundingClientRect().height))""")
            stats = page.evaluate("() => window.aegis.stats")
            spoken = page.evaluate("""() => ({text: document.getElementById('faces-text').textContent,
                announce: document.getElementById('announce').textContent,
                live: document.getElementById('announce').getAttribute('aria-live'),
                label: window.aegis.last.faces[0].label})""")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"live-{name}.png"))
            page.check("#contrast")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / f"live-{name}-contrast.png"))
            browser.close()
    finally:
        stop()
    assert all(c["inside"] and c["apart"] for c in checks), [c for c in checks if not (c["inside"] and c["apart"])]
    if name == "phone":
        assert stage == viewport["width"]  # the video fills the width
    assert min(targets) >= 44, targets  # touch targets
    assert stats["mode"] == "server" and stats["frames"] > 0
    assert spoken["live"] == "polite" and spoken["label"] in spoken["text"] and spoken["announce"]  # text alternative


def test_a_shared_window_is_watched_like_a_camera_after_one_tap(tiny_model):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    port, stop = start_server(LiveServer(Analyzer(model=tiny_model), detector_factory=SquareDetector, mode="server"))
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            "--auto-select-desktop-capture-source=Entire screen", *CHROMIUM_ARGS]
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            waiting = page.evaluate("() => window.aegis.stats.frames")
            page.click("#share")
            page.wait_for_function("() => window.aegis.stats.frames > 2", timeout=30_000)
            surface = page.evaluate("() => video.srcObject.getVideoTracks()[0].getSettings().displaySurface")
            welcome = page.is_hidden("#welcome")
            browser.close()
    finally:
        stop()
    assert waiting == 0 and welcome and surface == "monitor"  # nothing before the tap, then the shared screen
