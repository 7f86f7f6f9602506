"""`aegis batch`: analyse a collection of videos, resumably, into per-video outputs and collection tables."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from aegis.cli.common import (
    MODEL_HELP,
    add_detector,
    add_stream_options,
    positive_int,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("batch", help="analyse a collection of videos on all cores, resumably, into per-video "
                                     "outputs and collection tables")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="folders (searched recursively), quoted globs, video files or manifest CSVs (path[,id])")
    p.add_argument("--out", required=True, type=Path,
                   help="folder for <id>/ (what analyze writes), collection.csv/.parquet and failures.csv")
    p.add_argument("--workers", type=positive_int,
                   help="videos analysed in parallel, one core each (default: the number of cores)")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--video", action="store_true", help="also write each video's annotated.mp4")
    p.add_argument("--timeline", action="store_true", help="also draw each video's timeline.png (per track, "
                                                           "each emotion's smoothed probability over time)")
    add_stream_options(p)
    p.add_argument("--json", action="store_true", help="print the collection summary as JSON")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="run each video as a Ray task, --workers at a time: alone, a Ray instance on this machine; "
                        "with a cluster's address, its nodes (videos and --out on shared storage; needs the scale "
                        "extra)")
    add_detector(p, min_face=False)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis batch`: every video of the inputs through analyze, resumably, then the collection tables."""
    from aegis.analyze.batch import BatchSettings, run_batch
    from aegis.runtime.stream import StreamSettings

    stream = StreamSettings(args.detect_every, args.smoothing, args.threshold, coast=args.coast)
    settings = BatchSettings(args.model, args.detector, stream, args.video, args.timeline)
    summary = run_batch(args.inputs, args.out, settings, args.workers or os.cpu_count() or 1, args.ray)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        print(f"{summary.videos} videos: {summary.done} done, {summary.skipped} skipped (complete before), "
              f"{summary.failed} failed (see failures.csv); {summary.video_seconds} video-seconds in "
              f"{summary.wall_seconds} s -> {summary.out}")
    return 0
