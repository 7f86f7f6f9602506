"""`aegis web-export`: the on-device live page as a static site, to serve from anywhere or install on a phone."""

from __future__ import annotations

import argparse
from pathlib import Path

from aegis.cli.common import MODEL_HELP, add_setting
from aegis.runtime.stream import StreamSettings


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("web-export", help="write the on-device live page as a self-contained static site (the "
                                          "whole pipeline runs in the browser)")
    p.add_argument("--out", required=True, type=Path, help="folder to write the site into")
    p.add_argument("--model", help=MODEL_HELP)
    add_setting(p, "--smoothing", StreamSettings, type=float,
                help="per-track exponential smoothing of the probabilities: 0 (off) up to, not including, 1")
    add_setting(p, "--threshold", StreamSettings, type=float,
                help="top probability under which a face is shown as uncertain")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis web-export`: copy the page, the runtime and the graphs, and write config.json."""
    from aegis.app.export import export_site

    settings = StreamSettings(smoothing=args.smoothing, threshold=args.threshold)
    out = export_site(args.out, args.model, settings)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {size / 1e6:.1f} MB; serve the folder with any static file server (e.g. python -m http.server "
          "--directory it), open it on localhost or over HTTPS, and add it to the home screen")
    return 0
