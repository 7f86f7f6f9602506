"""`aegis search`: machine-driven design exploration of Nano networks."""

from __future__ import annotations

import argparse

from aegis.cli.common import (
    add_setting,
    positive_int,
    require_torch,
)
from aegis.training.config import SearchConfig


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("search", help="machine-driven design exploration of Nano networks (needs the train extra)")
    p.add_argument("--space", choices=("nano",), default="nano", help="design space to sample")
    p.add_argument("--data", required=True, help="window store (single-frame models use each window's last frame)")
    add_setting(p, "--out", SearchConfig, help="folder for candidates.csv, pareto.csv, pareto.png")
    add_setting(p, "--max-params", SearchConfig, type=positive_int, help="parameter budget of a candidate")
    add_setting(p, "--min-acc", SearchConfig, type=float, help="accuracy target of the feasibility indicator")
    add_setting(p, "--budget-minutes", SearchConfig, type=float, help="stop sampling after this long")
    add_setting(p, "--proxy-epochs", SearchConfig, type=positive_int, help="training epochs per candidate")
    add_setting(p, "--max-candidates", SearchConfig, type=positive_int,
                help="stop after this many sampled candidates")
    add_setting(p, "--seed", SearchConfig, type=int, help="seed of the sampling, split and training")
    add_setting(p, "--threads", SearchConfig, type=positive_int, help="torch CPU threads")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis search`: sample Nano architectures under the constraints and keep the Pareto front."""
    require_torch("search")
    from aegis.training.search import run_search

    cfg = SearchConfig(data=args.data, out=args.out, max_params=args.max_params, min_acc=args.min_acc,
                       budget_minutes=args.budget_minutes, proxy_epochs=args.proxy_epochs, seed=args.seed,
                       threads=args.threads, max_candidates=args.max_candidates)
    summary = run_search(cfg)
    print(f"{summary.candidates} candidates; Pareto front ({len(summary.front)}):")
    for row in summary.front:
        print(f"  {row['candidate']:<8} {row['params']:>9,} params  val acc {row['val_acc']:.4f}  "
              f"{row['latency_ms']:.3f} ms  feasible {row['feasible']}")
    return 0
