"""`aegis bench`: size and batch-1 latency of models, side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aegis.cli.common import (
    positive_int,
)
from aegis.errors import AegisError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("bench", help="params, MFLOPs, ONNX size and batch-1 latency of models, side by side")
    p.add_argument("--model", nargs="+", default=["default"], help="registry names or ONNX paths")
    p.add_argument("--runs", type=positive_int, default=1000, help="timed batch-1 runs per model")
    p.add_argument("--threads", type=positive_int, default=1, help="ONNX Runtime (and torch) threads")
    p.add_argument("--torch", action="store_true", help="also time torch eager (registry models)")
    p.add_argument("--table", action="store_true", help="print Table II's layout (network, top-1, ms, params)")
    p.add_argument("--eval", nargs="*", default=[], type=Path,
                   help="evaluation JSONs whose accuracy fills the table (matched by model name)")
    p.add_argument("--json", type=Path, help="write the results here")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis bench`: latency and size of several models measured in one run."""
    from aegis.evaluation.bench import run_bench, table

    report = run_bench(args.model, runs=args.runs, threads=args.threads, with_torch=args.torch)
    accuracies = {}
    for path in args.eval:
        try:
            result = json.loads(path.read_text())
            accuracies[result["model"]["name"]] = float(result["accuracy"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AegisError(f"{path} is not an `aegis evaluate --json` file (it needs model.name and accuracy): "
                             f"{type(exc).__name__} {exc}") from exc
    if args.table:
        print(table(report, accuracies))
    else:
        for row in report:
            print(json.dumps(row))
    if args.json:
        table = {"threads": args.threads, "runs": args.runs, "models": report}
        args.json.write_text(json.dumps(table, indent=2) + "\n")
    return 0
