"""`aegis search`: machine-driven design exploration of Nano networks."""

from __future__ import annotations

import argparse

from aegis.cli.common import (
    positive_int,
    require_torch,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("search", help="machine-driven design exploration of Nano networks (needs the train extra)")
    p.add_argument("--space", choices=("nano",), default="nano", help="design space to sample")
    p.add_argument("--data", required=True, help="window store (single-frame models use each window's last frame)")
    p.add_argument("--out", default="runs/search-nano", help="folder for candidates.csv, pareto.csv, pareto.png")
    p.add_argument("--max-params", type=positive_int, default=250_000, help="parameter budget of a candidate")
    p.add_argument("--min-acc", type=float, default=0.0, help="accuracy target of the feasibility indicator")
    p.add_argument("--budget-minutes", type=float, default=30.0, help="stop sampling after this long")
    p.add_argument("--proxy-epochs", type=positive_int, default=3, help="training epochs per candidate")
    p.add_argument("--max-candidates", type=positive_int, help="stop after this many sampled candidates")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling, split and training")
    p.add_argument("--threads", type=positive_int, default=2, help="torch CPU threads")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis search`: sample Nano architectures under the constraints and keep the Pareto front."""
    require_torch("search")
    from aegis.training.config import SearchConfig
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
