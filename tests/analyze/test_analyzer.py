import csv
import json
import subprocess
import sys

import cv2
import pytest
from synthetic import SquareDetector, draw_frame, write_file, write_truncated_avi, write_video

from aegis.analyze.analyzer import Analyzer
from aegis.analyze.writer import CSV_BASE
from aegis.io.readers import open_source

COLUMNS = ("frame,time_s,track_id,x,y,w,h,face_score,label,confidence,"
           "anger,disgust,fear,happiness,sadness,surprise,neutral,coasted")


def _clip(tmp_path, n=12):
    frames = [draw_frame([("red", (20 + 5 * i, 40, 64, 64))] + ([("blue", (200, 120, 60, 60))] if i >= 4 else []))
              for i in range(n)]
    frames[6] = draw_frame([])  # a frame with no face
    return write_video(tmp_path / "clip.mp4", frames, fps=10)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_save_writes_expected_rows_summary_and_video(tmp_path, tiny_model):
    analyzer = Analyzer(model=tiny_model, detector=SquareDetector(), smoothing=0.0, detect_every=1,  # newcomers at once
                        coast=0)  # frame 6 shows no face
    summary = analyzer.save(_clip(tmp_path), tmp_path / "out", overlay="both", show_progress=False)
    out = tmp_path / "out"
    assert (out / "frames.csv").read_text().splitlines()[0] == COLUMNS
    rows = _rows(out / "frames.csv")
    by_frame = {}
    for r in rows:
        by_frame.setdefault(int(r["frame"]), []).append(r)
    assert sorted(by_frame) == list(range(12))
    assert len(by_frame[0]) == 1 and len(by_frame[5]) == 2
    assert by_frame[6] == [{**{c: "" for c in COLUMNS.split(",")}, "frame": "6", "time_s": "0.600"}]
    red = by_frame[3][0]
    assert red["track_id"] == "1" and abs(int(red["x"]) - 35) <= 2 and abs(int(red["w"]) - 64) <= 2
    probs = [float(red[c]) for c in COLUMNS.split(",")[10:-1]]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3)
    assert {r["track_id"] for r in rows if r["track_id"]} == {"1", "2"}
    saved = json.loads((out / "summary.json").read_text())
    assert saved == json.loads(json.dumps(summary))
    assert saved["frames"] == 12 and saved["fps_in"] == pytest.approx(10) and saved["complete"] is True
    assert {"source", "processing_fps", "model", "tracks"} <= set(saved)
    track1 = next(t for t in saved["tracks"] if t["track_id"] == 1)
    assert track1["first_frame"] == 0 and track1["last_frame"] == 11 and track1["frames"] == 11
    assert track1["dominant"] in saved["model"]["classes"]
    video = open_source(out / "annotated.mp4")
    assert len(list(video)) == 12
    assert not list(out.glob("*partial*"))


def test_a_frame_the_detector_misses_keeps_its_faces_as_coasted_rows(tmp_path, tiny_model):
    summary = Analyzer(model=tiny_model, detector=SquareDetector()).save(_clip(tmp_path), tmp_path / "out",
                                                                         video=False)
    rows = _rows(tmp_path / "out" / "frames.csv")
    assert {r["coasted"] for r in rows if r["frame"] == "6"} == {"1"}  # the faceless frame: both faces coasted
    assert {r["coasted"] for r in rows if r["frame"] != "6" and r["track_id"]} == {"0"}
    assert sum(t["coasted_frames"] for t in summary["tracks"]) == sum(r["frame"] == "6" for r in rows)


def test_no_video_and_overlay_none(tmp_path, tiny_model):
    Analyzer(model=tiny_model, detector=SquareDetector()).save(_clip(tmp_path), tmp_path / "o", overlay="none",
                                                               video=False, show_progress=False)
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["frames.csv", "summary.json"]


def test_interrupted_file_run_leaves_no_outputs(tmp_path, tiny_model):
    class Interrupting(SquareDetector):
        calls = 0

        def __call__(self, grey, min_face=None, max_face=None, regions=None, known=()):
            self.calls += 1
            if self.calls == 5:
                raise KeyboardInterrupt
            return super().__call__(grey, min_face, max_face, regions, known)

    with pytest.raises(KeyboardInterrupt):
        Analyzer(model=tiny_model, detector=Interrupting()).save(_clip(tmp_path), tmp_path / "o", show_progress=False)
    assert list((tmp_path / "o").iterdir()) == []


def test_stream_results_and_dataframe(tmp_path, tiny_model):
    analyzer = Analyzer(model=tiny_model, detector=SquareDetector(), coast=0)
    results = analyzer.analyze(_clip(tmp_path))
    assert [r.index for r in results] == list(range(12)) and results[6].faces == []
    assert all(r.image is None for r in results)
    assert results[5].faces[0].probs.shape == (7,)
    pd = pytest.importorskip("pandas")
    from aegis import to_dataframe

    frame = to_dataframe(results, analyzer.model.classes)
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "frame"


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aegis.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def test_cli_runs_on_a_video(tmp_path, tiny_model):
    result = _cli("analyze", _clip(tmp_path), "--out", tmp_path / "cli", "--model", tiny_model, "--overlay", "text",
                  "--detect-every", "2")
    assert result.returncode == 0, result.stderr
    assert len(_rows(tmp_path / "cli" / "frames.csv")) >= 12
    assert (tmp_path / "cli" / "annotated.mp4").is_file()


@pytest.mark.parametrize("make,expect", [
    (lambda d: d / "missing.mp4", "no such file"),
    (lambda d: write_file(d / "junk.avi", b"junk" * 50), "cannot open video"),
])
def test_cli_bad_input_is_one_line_without_traceback(tmp_path, tiny_model, make, expect):
    result = _cli("analyze", make(tmp_path), "--out", tmp_path / "o", "--model", tiny_model)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and expect in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_model_without_metadata(tmp_path):
    bad = tmp_path / "m.onnx"
    bad.write_bytes(b"\x08\x07")
    result = _cli("analyze", _clip(tmp_path), "--out", tmp_path / "o", "--model", bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "model" in result.stderr


def test_cli_truncated_video_keeps_outputs_and_fails(tmp_path, tiny_model):
    path = write_truncated_avi(tmp_path / "t.avi")
    result = _cli("analyze", path, "--out", tmp_path / "o", "--model", tiny_model, "--no-video")
    assert result.returncode == 2 and "truncated" in result.stderr and "Traceback" not in result.stderr
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["complete"] is False


def test_csv_base_columns_match_spec():
    assert ",".join(CSV_BASE) == COLUMNS.split(",anger")[0]


def test_image_folder_of_mixed_sizes_gives_a_full_video(tmp_path, tiny_model):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, size in enumerate([(240, 320), (120, 160), (240, 320)]):
        cv2.imwrite(str(folder / f"{i:03d}.png"), draw_frame([("red", (10, 10, 60, 60))], size=size))
    Analyzer(model=tiny_model, detector=SquareDetector()).save(folder, tmp_path / "o", show_progress=False)
    assert len(list(open_source(tmp_path / "o" / "annotated.mp4"))) == 3
    assert len(_rows(tmp_path / "o" / "frames.csv")) == 3
