import os

import pytest

from aegis.executor import ProcessPool, RayPool, Serial, make_executor


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_serial_and_pool_give_the_same_results_and_the_pool_uses_other_processes():
    jobs = list(range(12))
    serial = Serial().map(_square_and_pid, jobs, "serial")
    pooled = ProcessPool(2).map(_square_and_pid, jobs, "pool")
    assert [r for r, _ in serial] == [x * x for x in jobs]
    assert sorted(r for r, _ in pooled) == sorted(r for r, _ in serial)
    assert {pid for _, pid in serial} == {os.getpid()} and os.getpid() not in {pid for _, pid in pooled}


def test_one_worker_or_one_job_runs_here():
    assert ProcessPool(4).map(_square_and_pid, [3], "one")[0] == (9, os.getpid())
    assert ProcessPool(1).map(_square_and_pid, [1, 2], "one worker")[1] == (4, os.getpid())


def test_make_executor_picks_by_workers_and_address():
    assert make_executor() == Serial() and make_executor(3) == ProcessPool(3)
    assert make_executor(2, "local") == RayPool(2, "local")


@pytest.mark.slow
def test_ray_runs_the_same_jobs():
    from aegis.labels import canonical_label  # Ray workers import the job function by name: one of the package's

    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    jobs = ["Angry", "happy", "SADNESS", "Neutral", "surprised"]
    try:
        results = RayPool(2).map(canonical_label, jobs, "ray")
    finally:
        ray.shutdown()
    assert sorted(results) == sorted(Serial().map(canonical_label, jobs, "serial"))
