import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from synthetic import draw_frame, write_video

from aegis.batch import BatchSettings, collect_inputs, run_batch
from aegis.errors import AegisError
from tests.conftest import shared_data


def _videos(root, n=3):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_video(root / f"clip{i}.mp4", [draw_frame([("red", (40 + 4 * k, 40, 64, 64))]) for k in range(5)])
    (root / "broken.mp4").write_bytes(b"not a video")
    return root


def test_inputs_come_from_folders_globs_files_and_manifests(tmp_path):
    root = _videos(tmp_path / "in" / "a")
    _videos(tmp_path / "in" / "b", n=1)
    (tmp_path / "in" / "notes.txt").write_text("x")
    found = collect_inputs([str(tmp_path / "in")])
    assert [i for _, i in found] == ["a_broken", "a_clip0", "a_clip1", "a_clip2", "b_broken", "b_clip0"]
    assert [i for _, i in collect_inputs([str(root / "clip*.mp4"), str(root / "clip0.mp4")])] == \
        ["clip0", "clip1", "clip2", "clip0-2"]  # a repeated id gets a suffix
    manifest = tmp_path / "list.csv"
    manifest.write_text("path,id\nin/a/clip1.mp4,first\nin/a/clip2.mp4,\n")
    assert collect_inputs([str(manifest)]) == [(str(tmp_path / "in/a/clip1.mp4"), "first"),
                                               (str(tmp_path / "in/a/clip2.mp4"), "clip2")]
    (tmp_path / "bad.csv").write_text("file\nx.mp4\n")
    with pytest.raises(AegisError, match="'path' column"):
        collect_inputs([str(tmp_path / "bad.csv")])
    with pytest.raises(AegisError, match="no such file"):
        collect_inputs([str(tmp_path / "missing*.mp4")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(AegisError, match="no videos"):
        collect_inputs([str(tmp_path / "empty")])


def test_a_bad_video_is_one_failure_line_and_a_rerun_skips_what_is_complete(tmp_path, capsys):
    root = _videos(tmp_path / "in")
    first = run_batch([str(root)], tmp_path / "out", BatchSettings(), workers=1)
    assert (first["videos"], first["done"], first["failed"], first["skipped"]) == (4, 3, 1, 0)
    failures = list(csv.DictReader((tmp_path / "out" / "failures.csv").open()))
    assert [f["video_id"] for f in failures] == ["broken"] and "not a video" in failures[0]["reason"]
    assert all((tmp_path / "out" / f"clip{i}" / n).is_file() for i in range(3) for n in ("frames.csv", "summary.json"))
    again = run_batch([str(root)], tmp_path / "out", BatchSettings(), workers=1)
    assert (again["done"], again["skipped"], again["failed"]) == (3, 3, 1)
    assert "resuming: 3 of 4" in capsys.readouterr().err
    changed = BatchSettings(threshold=BatchSettings().threshold + 0.1)
    other = run_batch([str(root)], tmp_path / "out", changed, workers=1)
    assert other["skipped"] == 0  # other settings: nothing counts as complete


def _copy_clips(tmp_path):
    root = tmp_path / "clips"
    root.mkdir()
    for gif in sorted(shared_data("videos").glob("*.gif")):
        (root / gif.name).write_bytes(gif.read_bytes())
    return root


def test_parallel_and_interrupted_runs_give_the_uninterrupted_collection(tmp_path):
    pa = pytest.importorskip("pyarrow.parquet")
    root = _copy_clips(tmp_path)
    run_batch([str(root)], tmp_path / "serial", BatchSettings(), workers=1)
    serial = (tmp_path / "serial" / "collection.csv").read_text()
    assert len(serial.splitlines()) > 5  # real faces: a row per track
    run_batch([str(root)], tmp_path / "parallel", BatchSettings(), workers=2)
    assert (tmp_path / "parallel" / "collection.csv").read_text() == serial
    table = pa.read_table(tmp_path / "serial" / "collection.parquet").to_pylist()
    assert [r["track_id"] for r in table] == [int(r["track_id"]) for r in csv.DictReader(serial.splitlines())]

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "aegis.cli", "batch", str(root), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(out.glob("*/done.json")) and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(out.glob("*/done.json")))
    assert 1 <= finished < 4 and not (out / "collection.csv").exists()
    summary = json.loads(subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=True).stdout)
    assert summary["skipped"] == finished and summary["done"] == 4
    assert (out / "collection.csv").read_text() == serial


def test_a_local_ray_instance_gives_the_same_collection(tmp_path):
    ray = pytest.importorskip("ray")
    root = _videos(tmp_path / "in")
    run_batch([str(root)], tmp_path / "local", BatchSettings(timeline=True), workers=1)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = run_batch([str(root)], tmp_path / "ray", BatchSettings(timeline=True), workers=2,
                            ray_address="local")
    finally:
        ray.shutdown()
    assert (summary["done"], summary["failed"]) == (3, 1)
    for name in ("collection.csv", "failures.csv"):
        local = (tmp_path / "local" / name).read_text().replace(str(tmp_path / "local"), "")
        assert (tmp_path / "ray" / name).read_text() == local
    assert all((tmp_path / "ray" / f"clip{i}" / "timeline.png").is_file() for i in range(3))
