"""The one executor seam: pure job functions run in this process, on a process pool or on Ray, with a progress
bar; results come back in completion order. Workers keep no state but what their functions cache."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Protocol, TypeVar

from aegis.errors import AegisError
from aegis.progress import progress

J = TypeVar("J")
R = TypeVar("R")
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


class Executor(Protocol):
    """Runs `fn` on every job; the results in the order the jobs finish."""

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], desc: str) -> list[R]: ...


@dataclass(frozen=True)
class Serial:
    """Every job in this process, in order."""

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], desc: str) -> list[R]:
        return [fn(job) for job in progress(jobs, desc=desc)]


@dataclass(frozen=True)
class ProcessPool:
    """Jobs on `workers` forked processes, each tied to this one: Ctrl+C is left to the parent, and a worker ends
    when its parent dies (even by kill -9)."""

    workers: int

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], desc: str) -> list[R]:
        if len(jobs) < 2 or self.workers < 2:
            return Serial().map(fn, jobs, desc)
        with get_context("fork").Pool(min(self.workers, len(jobs)), initializer=tie_to_parent) as pool:
            return list(progress(pool.imap_unordered(fn, jobs), total=len(jobs), desc=desc))


@dataclass(frozen=True)
class RayPool:
    """Jobs as Ray tasks of one CPU each, at most `workers` at a time: on a Ray instance started here ("local") or
    on a cluster's address (its nodes must read the jobs' files: shared storage)."""

    workers: int
    address: str = "local"

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], desc: str) -> list[R]:
        try:
            import ray
        except ImportError as exc:
            raise AegisError("Ray is not installed: pip install 'aegis-fer[scale]'") from exc
        if not jobs:
            return []
        started = not ray.is_initialized()
        if started:
            ray.init(address=None if self.address == "local" else self.address, include_dashboard=False,
                     log_to_driver=False)
        try:
            task = ray.remote(num_cpus=1)(fn)
            return list(progress(_stream(ray, task, jobs, self.workers), total=len(jobs), desc=f"{desc} (ray)"))
        finally:
            if started:
                ray.shutdown()


def make_executor(workers: int = 1, ray_address: str | None = None) -> Executor:
    """Ray when an address is given ("local" for this machine), else a process pool for more than one worker."""
    if ray_address:
        return RayPool(workers, ray_address)
    return ProcessPool(workers) if workers > 1 else Serial()


def _stream(ray, task, jobs: Sequence, limit: int) -> Iterator:
    """Submit at most `limit` tasks at a time and yield each result as it finishes."""
    queue, running = list(jobs), []
    while queue or running:
        while queue and len(running) < max(limit, 1):
            running.append(task.remote(queue.pop(0)))
        done, running = ray.wait(running, num_returns=1)
        yield ray.get(done[0])


def tie_to_parent() -> None:
    """Make a pool worker leave Ctrl+C to its parent, and end when the parent dies (even by kill -9)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the watch below ends it within a second
        pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
