"""`aegis report`: the HTML report of a batch folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("report", help="write DIR/report.html for a batch folder: the sortable collection table, "
                                      "each track's face and each video's timeline")
    p.add_argument("folder", type=Path, metavar="DIR", help="the --out folder of `aegis batch`")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis report`: the self-contained HTML report of a batch folder."""
    from aegis.analyze.report import write_report

    print(write_report(args.folder))
    return 0
