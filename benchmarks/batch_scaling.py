"""Batch throughput at 1 and 2 workers, on the local pool and on a local Ray instance, and the driver's memory.

The shared clips are copied `--copies` times into a temporary collection. Throughput is video-seconds per
wall second of a whole `run_batch` (hashing, analysis, tables); efficiency is the 2-worker throughput over
twice the 1-worker one. Ray is started once before its runs (its start-up is not counted). The driver's
peak resident memory is read in a separate process for two collection sizes.

    python benchmarks/batch_scaling.py --copies 6 --json work/batch-scaling.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from aegis.analyze.batch import BatchSettings, run_batch

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
DRIVER = ("import resource, sys; from aegis.cli import main; main(sys.argv[1:]); "
          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def collection(root: Path, copies: int) -> Path:
    """`copies` copies of every shared clip under root."""
    root.mkdir(parents=True, exist_ok=True)
    for gif in sorted(VIDEOS.glob("*.gif")):
        for i in range(copies):
            (root / f"{gif.stem}-{i}.gif").write_bytes(gif.read_bytes())
    return root


def throughput(root: Path, out: Path, workers: int, ray: bool) -> dict:
    """One whole batch run: video-seconds, wall seconds and their ratio."""
    summary = run_batch([str(root)], out, BatchSettings(), workers, "local" if ray else None)
    return {"workers": workers, "engine": "ray" if ray else "local", "videos": summary.done,
            "video_seconds": summary.video_seconds, "wall_seconds": summary.wall_seconds,
            "throughput": round(summary.video_seconds / summary.wall_seconds, 2)}


def driver_memory(root: Path, out: Path) -> float:
    """Peak resident MB of the driver process of `aegis batch --workers 2` (its workers not counted)."""
    result = subprocess.run([sys.executable, "-c", DRIVER, "batch", str(root), "--out", str(out), "--workers", "2"],
                            capture_output=True, text=True, check=True)
    return round(float(result.stdout.strip().splitlines()[-1]), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aegis-scaling-") as tmp:
        tmp = Path(tmp)
        root = collection(tmp / "videos", args.copies)
        rows = [throughput(root, tmp / f"local{w}", w, ray=False) for w in (1, 2)]
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        rows += [throughput(root, tmp / f"ray{w}", w, ray=True) for w in (1, 2)]
        ray.shutdown()
        report = {"rows": rows, "efficiency": {
            engine: round(r2["throughput"] / (2 * r1["throughput"]), 3)
            for engine in ("local", "ray")
            for r1, r2 in [[r for r in rows if r["engine"] == engine]]}}
        big = collection(tmp / "big", args.copies * 3)
        report["driver_peak_mb"] = {f"{len(list(root.iterdir()))} videos": driver_memory(root, tmp / "mem1"),
                                    f"{len(list(big.iterdir()))} videos": driver_memory(big, tmp / "mem2")}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
