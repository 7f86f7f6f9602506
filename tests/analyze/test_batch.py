import csv
import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from synthetic import draw_frame, write_video

from aegis.analyze.batch import BatchSettings, collect_inputs, run_batch
from aegis.errors import AegisError
from aegis.runtime.stream import StreamSettings
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


def test_ids_are_unique_by_construction_and_repeated_manifest_ids_are_refused(tmp_path):
    for folder, name in (("d1", "clip.mp4"), ("d2", "clip.avi"), ("d3", "clip-2.gif")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes(b"x")
    found = collect_inputs([str(tmp_path / p) for p in ("d1/clip.mp4", "d2/clip.avi", "d3/clip-2.gif")])
    assert [i for _, i in found] == ["clip", "clip-2", "clip-2-2"]
    manifest = tmp_path / "list.csv"
    manifest.write_text("path,id\nd1/clip.mp4,a\nd2/clip.avi,a\nd3/clip-2.gif,a-2\n")
    with pytest.raises(AegisError, match="'a'.*unique"):
        collect_inputs([str(manifest)])
    manifest.write_text("path,id\nd1/clip.mp4,clip\n")  # a given id keeps its name; a default one moves aside
    assert [i for _, i in collect_inputs([str(tmp_path / "d2/clip.avi"), str(manifest)])] == ["clip-2", "clip"]
    manifest.write_text("path,id\n,a\n")
    with pytest.raises(AegisError, match="no path"):
        collect_inputs([str(manifest)])


def test_every_input_ends_as_exactly_one_of_done_failed_or_skipped(tmp_path):
    clip = draw_frame([("red", (40, 40, 64, 64))])
    for folder, name in (("d1", "clip.mp4"), ("d2", "clip.mp4"), ("d3", "clip-2.mp4")):
        (tmp_path / folder).mkdir()
        write_video(tmp_path / folder / name, [clip] * 3)
    inputs = [str(tmp_path / f"d{i}") for i in (1, 2, 3)]
    first = run_batch(inputs, tmp_path / "out", BatchSettings(), workers=1)
    assert (first.videos, first.done, first.failed, first.skipped) == (3, 3, 0, 0)
    sources = {json.loads(p.read_text())["source"] for p in (tmp_path / "out").glob("*/done.json")}
    assert sources == {str(tmp_path / f"d{i}" / n) for i, n in ((1, "clip.mp4"), (2, "clip.mp4"), (3, "clip-2.mp4"))}
    again = run_batch(inputs, tmp_path / "out", BatchSettings(), workers=1)
    assert (again.done, again.failed, again.skipped) == (0, 0, 3)


def test_a_bad_video_is_one_failure_line_and_a_rerun_skips_what_is_complete(tmp_path, caplog):
    root = _videos(tmp_path / "in")
    first = run_batch([str(root)], tmp_path / "out", BatchSettings(), workers=1)
    assert (first.videos, first.done, first.failed, first.skipped) == (4, 3, 1, 0)
    failures = list(csv.DictReader((tmp_path / "out" / "failures.csv").open()))
    assert [f["video_id"] for f in failures] == ["broken"] and "not a video" in failures[0]["reason"]
    assert all((tmp_path / "out" / f"clip{i}" / n).is_file() for i in range(3) for n in ("frames.csv", "summary.json"))
    with caplog.at_level(logging.INFO, logger="aegis"):
        again = run_batch([str(root)], tmp_path / "out", BatchSettings(), workers=1)
    assert (again.done, again.skipped, again.failed) == (0, 3, 1)  # each input counted once
    assert "resuming: 3 of 4" in caplog.text
    changed = BatchSettings(stream=StreamSettings(threshold=StreamSettings().threshold + 0.1))
    other = run_batch([str(root)], tmp_path / "out", changed, workers=1)
    assert other.skipped == 0  # other settings: nothing counts as complete


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _start_long_batch(tmp_path, **popen) -> subprocess.Popen:
    """`aegis batch --workers 2` in a subprocess over four videos that take seconds each."""
    root = tmp_path / "in"
    root.mkdir()
    for i in range(4):
        write_video(root / f"long{i}.mp4", [draw_frame([("red", (40 + k % 50, 40, 64, 64))]) for k in range(1500)])
    cmd = [sys.executable, "-m", "aegis.cli", "batch", str(root), "--out", str(tmp_path / "out"), "--workers", "2"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, **popen)


@pytest.mark.slow
def test_ctrl_c_ends_the_batch_with_one_line(tmp_path):
    proc = _start_long_batch(tmp_path, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(4.0)  # started, with both workers inside a video
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl+C sends: the whole process group
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 130 and "aegis: interrupted" in err
    assert "Traceback" not in err and "ForkPoolWorker" not in err, err


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_end_when_the_parent_is_killed(tmp_path):
    proc = _start_long_batch(tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        workers = [int(c) for c in children]
    assert len(workers) == 2, "the pool did not start"
    time.sleep(1.0)  # each worker is now inside its first video, which takes several seconds
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 1.5
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def _copy_clips(tmp_path):
    root = tmp_path / "clips"
    root.mkdir()
    for gif in sorted(shared_data("videos").glob("*.gif")):
        (root / gif.name).write_bytes(gif.read_bytes())
    return root


@pytest.mark.slow
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
    assert summary["skipped"] == finished and summary["done"] == 4 - finished
    assert (out / "collection.csv").read_text() == serial


@pytest.mark.slow
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
    assert (summary.done, summary.failed) == (3, 1)
    for name in ("collection.csv", "failures.csv"):
        local = (tmp_path / "local" / name).read_text().replace(str(tmp_path / "local"), "")
        assert (tmp_path / "ray" / name).read_text() == local
    assert all((tmp_path / "ray" / f"clip{i}" / "timeline.png").is_file() for i in range(3))
