"""`aegis distill`: teacher soft targets for a store."""

from __future__ import annotations

import argparse

from aegis.cli.common import (
    require_torch,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("distill", help="write teacher soft targets (one run or an ensemble) for a store, to train "
                                       "a student with `train --votes` (needs the train extra)")
    p.add_argument("runs", nargs="+", help="teacher run folders (their best.pt) or checkpoints; their "
                                           "probabilities are averaged")
    p.add_argument("--data", required=True, help="the window store the student trains on")
    p.add_argument("--out", required=True, help="CSV to write: file,<class>... (one row per image)")
    p.add_argument("--temperature", type=float, default=2.0,
                   help="soften each teacher's logits by this before the softmax")
    p.add_argument("--no-flip", action="store_true", help="leave out the mirror images (default: averaged in)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where the teachers run")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis distill`: the teachers' softened, averaged probabilities over a store, as a --votes CSV."""
    require_torch("distill")
    from aegis.training.distill import teacher_probs, write_targets

    probs, classes, stems = teacher_probs(args.runs, args.data, args.temperature, not args.no_flip, args.device)
    path = write_targets(args.out, probs, classes, stems)
    print(f"{len(set(stems))} images, {len(args.runs)} teacher(s), temperature {args.temperature:g}: {path}")
    return 0
