import shutil
from pathlib import Path

import pytest

from aegis.analyze.batch import BatchSettings, run_batch
from aegis.analyze.report import write_report
from aegis.errors import AegisError
from tests.conftest import shared_data

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"


def test_the_report_shows_what_a_person_needs_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    root = tmp_path / "clips"
    root.mkdir()
    for name in ("head-pose-face-detection-female-and-male.gif", "head-pose-face-detection-male.gif"):
        (root / name).write_bytes((shared_data("videos") / name).read_bytes())
    run_batch([str(root)], tmp_path / "batch", BatchSettings(timeline=True), workers=1)
    report = write_report(tmp_path / "batch")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})  # a laptop screen
        page.goto(report.as_uri())
        rows = page.locator("#collection tbody tr")
        assert rows.count() == 3  # two people in one clip, one in the other
        ids = lambda: rows.locator("td:nth-child(1)").all_text_contents()  # noqa: E731
        seconds = lambda: [float(t) for t in rows.locator("td:nth-child(3)").all_text_contents()]  # noqa: E731
        page.click("#collection th:nth-child(3)")
        assert seconds() == sorted(seconds())
        page.click("#collection th:nth-child(3)")
        assert seconds() == sorted(seconds(), reverse=True)
        assert set(ids()) == {"head-pose-face-detection-female-and-male", "head-pose-face-detection-male"}
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400  # no column behind a scrollbar
        assert max(rows.locator("td:nth-child(1)").evaluate_all("cs => cs.map(c => c.offsetHeight)")) < 40  # one line
        assert "1 track" in page.content() and "1 tracks" not in page.content()
        page.click("text=show or hide the per-class columns")
        assert page.locator("#collection th.detail").first.is_visible()
        faces = page.locator(".face img")
        assert faces.count() == 3
        assert all(faces.nth(i).evaluate("i => i.complete && i.naturalWidth === 96") for i in range(3))
        timelines = page.locator("img.timeline")
        assert timelines.count() == 2 and timelines.first.evaluate("i => i.naturalWidth > 500")
        dominant = page.locator(".face b").all_text_contents()
        assert len(dominant) == 3 and all(d in ("anger", "disgust", "fear", "happiness", "sadness", "surprise",
                                                "neutral") for d in dominant)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_a_folder_without_a_batch_is_one_clear_error(tmp_path):
    with pytest.raises(AegisError, match="no collection.csv"):
        write_report(tmp_path)


def test_two_tracks_best_seen_in_the_same_frame_both_get_a_thumbnail(tmp_path):
    from synthetic import draw_frame, write_video

    from aegis.analyze.report import _thumbnails

    boxes = {1: (20, 40, 60, 60), 2: (160, 40, 60, 60)}
    video = write_video(tmp_path / "v.mp4", [draw_frame([("red", boxes[1]), ("blue", boxes[2])])] * 3)
    header = "frame,track_id,face_score,x,y,w,h"
    rows = [f"{f},{t},{0.99 if f == 1 else 0.5},{','.join(map(str, boxes[t]))}" for f in range(3) for t in (1, 2)]
    (tmp_path / "frames.csv").write_text("\n".join([header, *rows]) + "\n")
    thumbs = _thumbnails(str(video), tmp_path / "frames.csv")
    assert sorted(thumbs) == [1, 2] and all(len(jpeg) > 100 for jpeg in thumbs.values())
