"""`aegis ensemble`: fuse clip models: average, or the best-selection ensemble."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aegis.cli.common import (
    positive_int,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("ensemble", help="fuse clip models: average, or the best-selection ensemble")
    p.add_argument("--runs", nargs="+", required=True, help="clip-model run folders (their model.onnx) or ONNX files")
    p.add_argument("--data", required=True, help="clip store to select and score on (validation clips)")
    p.add_argument("--method", choices=("best", "average"), default="best",
                   help="best-selection (greedy from each starting model) or the average of all")
    p.add_argument("--max-models", type=positive_int, default=5, help="largest ensemble the best selection tries")
    p.add_argument("--json", type=Path, help="write the chosen ensemble and its scores here")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis ensemble`: which clip models the ensemble picks, and its accuracy."""
    from aegis.clips.ensemble import run_ensemble

    result = run_ensemble(args.runs, args.data, args.method, args.max_models)
    print(f"{args.method}: {len(result.models)} models {result.models} -> accuracy {result.accuracy:.4f} "
          f"on {result.n} clips")
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return 0
