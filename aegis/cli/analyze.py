"""`aegis analyze`: a video, GIF, image folder or glob, or webcam into frames.csv, summary.json, annotated.mp4."""

from __future__ import annotations

import argparse
from pathlib import Path

from aegis.cli.common import (
    MODEL_HELP,
    add_detector,
    add_stream_options,
    positive_int,
)
from aegis.faces.registry import make_detector
from aegis.render.overlay import OVERLAYS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("analyze", help="analyse a video, GIF, image folder/glob or webcam")
    p.add_argument("source", help="video file, animated GIF, folder or glob of images, or a webcam index")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--overlay", choices=OVERLAYS, default="emoji", help="what to draw over each face")
    p.add_argument("--no-video", action="store_true", help="skip annotated.mp4")
    p.add_argument("--timeline", action="store_true", help="also draw timeline.png: per track, each emotion's "
                                                           "smoothed probability over time and the shown label")
    add_stream_options(p)
    p.add_argument("--threads", type=positive_int, default=1, help="ONNX Runtime threads")
    add_detector(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis analyze`: stream a source through the pipeline into DIR/frames.csv, summary.json, annotated.mp4."""
    from aegis.analyze.analyzer import Analyzer
    from aegis.io.readers import open_source

    source = open_source(args.source)
    analyzer = Analyzer(model=args.model, detector=make_detector(args.detector, args.min_face),
                        detect_every=args.detect_every, smoothing=args.smoothing, threshold=args.threshold,
                        coast=args.coast, threads=args.threads)
    summary = analyzer.save(source, args.out, overlay=args.overlay, video=not args.no_video, show_progress=True)
    if args.timeline:
        from aegis.render.timeline import draw_timeline

        draw_timeline(args.out / "frames.csv", args.out / "timeline.png", summary.get("fps_in") or 25.0)
    print(f"{summary['frames']} frames, {len(summary['tracks'])} tracks, {summary['processing_fps']} FPS -> {args.out}")
    return 0
