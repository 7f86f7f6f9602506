import csv
import json

import numpy as np
import pytest

pytest.importorskip("torch")

from aegis.cli import main  # noqa: E402
from aegis.training.search import is_feasible, pareto_front, sample_nano  # noqa: E402


def test_pareto_front_against_hand_picked_points():
    rows = [{"candidate": "a", "val_acc": 0.8, "params": 100, "latency_ms": 1.0},
            {"candidate": "b", "val_acc": 0.7, "params": 200, "latency_ms": 1.0},  # worse than a everywhere
            {"candidate": "c", "val_acc": 0.9, "params": 300, "latency_ms": 2.0},
            {"candidate": "d", "val_acc": 0.6, "params": 50, "latency_ms": 3.0}]
    assert [r["candidate"] for r in pareto_front(rows)] == ["d", "a", "c"]


def test_indicator_and_samples_grow_wider():
    assert is_feasible(999_999, 0.9, 0.8) and not is_feasible(1_000_001, 0.9, 0.8) and not is_feasible(10, 0.7, 0.8)
    for seed in range(20):
        config = sample_nano(np.random.default_rng(seed))
        firsts = [stage[0] for stage in config.stages]
        assert firsts == sorted(firsts) and config.kernel in (3, 5) and len(config.stages) == 3


@pytest.mark.slow
def test_search_cli_runs_resumes_and_writes_the_front(tmp_path, capsys):
    from synthetic import window_store

    data = window_store(tmp_path / "store", n=140)
    args = ["search", "--data", str(data), "--out", str(tmp_path / "s"), "--max-params", "150000",
            "--budget-minutes", "5", "--proxy-epochs", "1", "--max-candidates", "2", "--threads", "1"]
    assert main(args) == 0
    with open(tmp_path / "s" / "candidates.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["candidate"] for r in rows] == ["nano-a", "nano-b", "c0", "c1"]
    assert rows[0]["val_acc"] == "-1.0"  # Nano-A is over the 150K budget: recorded, not trained
    captured = capsys.readouterr()
    out = captured.out + captured.err  # the candidates are logged (stderr), the front printed (stdout)
    assert "nano-a: 236,911 params, over the 150,000-parameter budget, not trained" in out and "-1.0" not in out
    assert 0 <= float(rows[1]["val_acc"]) <= 1 and float(rows[1]["latency_ms"]) > 0
    assert (tmp_path / "s" / "pareto.png").stat().st_size > 0
    args[args.index("--max-candidates") + 1] = "3"
    assert main(args) == 0  # resumes: only the third sample is new
    with open(tmp_path / "s" / "candidates.csv") as f:
        assert [r["candidate"] for r in csv.DictReader(f)] == ["nano-a", "nano-b", "c0", "c1", "c2"]
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["candidates"] == 5 and summary["front"]
