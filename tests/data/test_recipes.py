import logging

import cv2
import numpy as np
import pytest
from synthetic import SquareDetector, draw_frame, write_file, write_video

import aegis.data.recipes as recipes
from aegis.data.recipes import RecipeSettings, build_video_store
from aegis.data.sources import list_sources, scan_source
from aegis.data.store import load_store
from aegis.errors import AegisError
from aegis.io.readers import open_source
from aegis.runtime.stream import FacePipeline, StreamSettings


def _layout(root):
    """happy/clip1.mp4 (10 frames), sad/clip2/ (9 frames, no face in frame 1), a broken and unknown ones."""
    (root / "happy").mkdir(parents=True)
    write_video(root / "happy" / "clip1.mp4", [draw_frame([("red", (40 + 3 * i, 50, 64, 64))]) for i in range(10)])
    write_file(root / "happy" / "broken.mp4", b"\x00not a video" * 20)
    write_file(root / "happy" / "notes.txt", b"hello")
    (root / "sad" / "clip2").mkdir(parents=True)
    for i in range(9):
        frame = draw_frame([] if i == 1 else [("blue", (100, 80, 70, 70))])
        cv2.imwrite(str(root / "sad" / "clip2" / f"{i:04d}.png"), frame)
    (root / "bored").mkdir()
    write_video(root / "bored" / "x.mp4", [draw_frame([])] * 3)
    return root


def test_sources_registry_and_generic_layout(tmp_path):
    assert {"videos", "ckplus", "afew", "enterface"} <= set(list_sources())
    videos, report = scan_source("videos", _layout(tmp_path))
    assert [(v.video_id, v.label) for v in videos] == [("happy/broken", "happiness"), ("happy/clip1", "happiness"),
                                                       ("sad/clip2", "sadness")]
    assert report.unknown_labels == {"bored": 1} and any("notes.txt" in s for s in report.skipped)
    with pytest.raises(AegisError, match="known sources"):
        scan_source("kdef", tmp_path)


def test_afew_and_enterface_layouts(tmp_path):
    afew = tmp_path / "afew"
    for split, emotion in (("Train", "Angry"), ("Val", "Happy"), ("Val", "Confused")):
        (afew / split / emotion).mkdir(parents=True, exist_ok=True)
        write_file(afew / split / emotion / "000123.avi", b"x")
    videos, report = scan_source("afew", afew)
    assert [(v.video_id, v.subject, v.label) for v in videos] == [("Train/Angry/000123", "Train/Angry/000123", "anger"),
                                                                  ("Val/Happy/000123", "Val/Happy/000123", "happiness")]
    assert report.unknown_labels == {"Confused": 1}
    ent = tmp_path / "ent"
    (ent / "subject 1" / "happiness" / "sentence 1").mkdir(parents=True)
    (ent / "subject 2" / "surprize").mkdir(parents=True)
    write_file(ent / "subject 1" / "happiness" / "sentence 1" / "s1_ha_1.avi", b"x")
    write_file(ent / "subject 2" / "surprize" / "s2_su_1.avi", b"x")
    videos, _ = scan_source("enterface", ent)
    assert [(v.subject, v.label) for v in videos] == [("subject 1", "happiness"), ("subject 2", "surprise")]


def test_bigfacex_counts_windows_and_reports_skips(tmp_path):
    store = load_store(build_video_store([f"videos={_layout(tmp_path / 'src')}"], tmp_path / "out",
                                            detector=SquareDetector()))
    by_video = {}
    for video, label in zip(store.videos, store.labels, strict=True):
        by_video.setdefault(video, []).append(label)
    assert {k: len(v) for k, v in by_video.items()} == {"happy/clip1": 6, "sad/clip2": 3}  # N-4, and no faceless frame
    assert store.windows.shape == (9, 5, 48, 48) and store.windows.dtype == np.uint8
    meta = store.meta
    assert meta["frames_without_face"] == 1 and meta["per_class"] == {"happiness": 6, "sadness": 3}
    assert [s["video"] for s in meta["skipped_videos"]] == ["happy/broken"]
    assert meta["unknown_labels"] == {"bored": 1} and not (tmp_path / "out" / "parts").exists()


@pytest.mark.parametrize("margin", [None, "person"])
def test_builder_windows_equal_live_windows(tmp_path, margin):
    from synthetic import RecordingModel

    root = _layout(tmp_path / "src")
    store = load_store(build_video_store([f"videos={root}"], tmp_path / "out", RecipeSettings(margin=margin),
                                         detector=SquareDetector()))
    assert store.meta["margin"] == (margin or "bigfacex")
    offline = np.asarray(store.windows[: 6])
    model = RecordingModel(crop=store.meta["margin"])
    pipeline = FacePipeline(model, SquareDetector(), StreamSettings(detect_every=1))  # whole scans, as the builder
    for i, frame in enumerate(open_source(root / "happy" / "clip1.mp4")):
        pipeline.process(frame, i)
    live = np.stack([b[0] for b in model.batches])[4:]
    assert live.dtype == offline.dtype == np.uint8
    np.testing.assert_array_equal(live, offline)  # bit for bit: one crop path, uint8 end to end


def test_killed_build_resumes_and_parallel_build_matches(tmp_path, monkeypatch, caplog):
    root = _layout(tmp_path / "src")
    real, calls, kill_at = recipes.run_job, [], [2]

    def dying(job, detector=None):
        calls.append(job.video.video_id)
        if len(calls) == kill_at[0]:
            raise KeyboardInterrupt
        return real(job, detector)

    monkeypatch.setattr(recipes, "run_job", dying)
    with pytest.raises(KeyboardInterrupt):
        build_video_store([f"videos={root}"], tmp_path / "out", detector=SquareDetector())
    assert not (tmp_path / "out" / "meta.json").exists() and len(list((tmp_path / "out" / "parts").iterdir())) == 1
    calls.clear()
    kill_at[0] = 0
    with caplog.at_level(logging.INFO, logger="aegis"):
        resumed = load_store(build_video_store([f"videos={root}"], tmp_path / "out", detector=SquareDetector()))
    assert len(calls) == 2 and "resuming: 1 of 3" in caplog.text
    monkeypatch.setattr(recipes, "run_job", real)
    parallel = load_store(build_video_store([f"videos={root}"], tmp_path / "par", workers=2,
                                               detector=SquareDetector()))
    np.testing.assert_array_equal(np.asarray(parallel.windows), np.asarray(resumed.windows))
    assert parallel.meta["sha256"] == resumed.meta["sha256"]


class RampModel:
    """A static classifier stub: the probability of every class rises (or falls) with the frame's order."""

    def __init__(self, rising: bool) -> None:
        from aegis.labels import CLASSES
        from aegis.meta import ModelInfo

        self.info = ModelInfo(name="ramp", classes=CLASSES, frames=1)
        self.classes, self.rising = CLASSES, rising

    def __call__(self, windows):
        ramp = np.linspace(0.1, 0.9, len(windows))
        return np.repeat((ramp if self.rising else ramp[::-1])[:, None], 7, axis=1).astype(np.float32)


@pytest.mark.parametrize("rising,ends", [(True, [7, 8, 9]), (False, [4])])
def test_faceparty_windows_end_at_the_peaks(tmp_path, monkeypatch, rising, ends):
    monkeypatch.setattr(recipes, "cached_model", lambda path: RampModel(rising))
    root = _layout(tmp_path / "src")
    settings = RecipeSettings("faceparty", static_model="stub")
    store = load_store(build_video_store([f"videos={root}"], tmp_path / "out", settings, detector=SquareDetector()))
    with open(tmp_path / "out" / "index.csv") as f:
        rows = [line.split(",") for line in f.read().splitlines()[1:]]
    assert [int(r[4]) for r in rows if r[3] == "happy/clip1"] == ends
    assert store.meta["recipe"] == "faceparty"


def test_unknown_margin_is_refused():
    with pytest.raises(AegisError, match="margin 'wide'"):
        RecipeSettings(margin="wide")


def test_faceparty_needs_a_static_model():
    with pytest.raises(AegisError, match="static-model"):
        RecipeSettings("faceparty")


def test_peak_recipe_takes_the_last_three_windows_of_ckplus(tmp_path):
    from synthetic import CKPLUS_SEQUENCES, ckplus_layout

    root = ckplus_layout(tmp_path / "ck", CKPLUS_SEQUENCES)
    store = load_store(build_video_store([f"ckplus={root}"], tmp_path / "out",
                                         RecipeSettings("peak"), detector=SquareDetector()))
    assert store.videos == ["S005_001"] * 3 and store.labels == ["disgust"] * 3
    with open(tmp_path / "out" / "index.csv") as f:
        assert [line.split(",")[4] for line in f.read().splitlines()[1:]] == ["5", "6", "7"]
    assert [v["video"] for v in store.meta["skipped_videos"]] == ["S005_002"]



def test_neutral_onset_window_for_sequences_that_start_neutral(tmp_path):
    from synthetic import CKPLUS_SEQUENCES, ckplus_layout

    root = ckplus_layout(tmp_path / "ck", CKPLUS_SEQUENCES[:1] + [("S006", "001", 12, True, "5")])
    store = load_store(build_video_store([f"ckplus={root}"], tmp_path / "out", RecipeSettings("peak", neutral=True),
                                         detector=SquareDetector()))
    assert store.labels == ["disgust"] * 3 + ["neutral"] + ["happiness"] * 3  # 8 frames: too short for onset + peak


def test_label_table_sources_and_kdef_names(tmp_path):
    baum = tmp_path / "baum"
    (baum / "S001").mkdir(parents=True)
    for name in ("clip_a", "clip_b", "clip_c"):
        write_video(baum / "S001" / f"{name}.mp4", [draw_frame([])] * 2)
    (baum / "labels.csv").write_text("Clip Name,Emotion,Subject\nclip_a.mp4,Happiness,S001\nclip_b.mp4,Boredom,S001\n"
                                     "clip_c.mp4,sad,S001\nclip_x.mp4,anger,S001\n")
    videos, report = scan_source("baum1", baum)
    assert [(v.video_id, v.label, v.subject) for v in videos] == [("clip_a", "happiness", "S001"),
                                                                  ("clip_c", "sadness", "S001")]
    assert report.unknown_labels == {"Boredom": 1} and "clip_x.mp4" in report.skipped[0]
    (tmp_path / "xls").mkdir()
    (tmp_path / "xls" / "labels.xlsx").write_bytes(b"PK")
    with pytest.raises(AegisError, match="save it as CSV"):
        scan_source("isafe", tmp_path / "xls")
    kdef = tmp_path / "kdef"
    kdef.mkdir()
    for name in ("F01_HA.mp4", "M12AN.avi", "readme.mp4"):
        write_file(kdef / name, b"x")
    videos, report = scan_source("kdefdyn", kdef)
    assert sorted((v.subject, v.label) for v in videos) == [("F01", "happiness"), ("M12", "anger")]
    assert len(report.skipped) == 1


def test_cli_margin_reaches_the_store_and_is_refused_for_crop_recipes(tmp_path, capsys, monkeypatch):
    from aegis.cli import main

    root = tmp_path / "src"
    (root / "happy").mkdir(parents=True)
    write_video(root / "happy" / "a.mp4", [draw_frame([("red", (40, 40, 64, 64))])] * 6)
    assert main(["data", "build", "--recipe", "still", "--source", f"images={root}", "--out", str(tmp_path / "s"),
                 "--margin", "person"]) == 2
    assert "--margin applies to the video recipes" in capsys.readouterr().err
    monkeypatch.setattr(recipes, "named_detector", lambda name: SquareDetector())
    assert main(["data", "build", "--recipe", "bigfacex", "--source", f"videos={root}", "--out",
                 str(tmp_path / "p"), "--margin", "person"]) == 0
    assert load_store(tmp_path / "p").meta["margin"] == "person"
