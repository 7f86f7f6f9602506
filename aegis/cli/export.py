"""`aegis export`: export a training run to ONNX with AEGIS metadata."""

from __future__ import annotations

import argparse

from aegis.cli.common import (
    require_torch,
)
from aegis.faces.crop import MARGINS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("export", help="export a training run to ONNX with AEGIS metadata")
    p.add_argument("run", help="run folder (its best.pt) or a checkpoint file")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--crop", choices=MARGINS, help="record this crop margin instead of the run's (the framing of "
                                                   "its training faces; see benchmarks/framing.py)")
    p.add_argument("--calibrate", action="store_true",
                   help="fit a temperature on the run's validation windows and put it in the graph and metadata")
    p.add_argument("--flip-tta", action="store_true",
                   help="average each window's probabilities with its mirror image's inside the graph (2x the cost)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis export`: write an ONNX file with the metadata the runtime reads."""
    require_torch("export")
    from aegis.training.export import export_checkpoint

    path, report = export_checkpoint(args.run, args.out, crop=args.crop, calibrate=args.calibrate,
                                     flip_tta=args.flip_tta)
    if "temperature" in report:
        print(f"temperature {report['temperature']:.3f} on {report['val_windows']} validation windows: expected "
              f"calibration error {report['ece_before']:.4f} -> {report['ece_after']:.4f}")
    print(path)
    return 0
