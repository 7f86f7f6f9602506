"""`aegis clip`: the emotion of each clip's main person."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aegis.cli.common import (
    add_detector,
    add_setting,
)
from aegis.clips.voting import VoteSettings
from aegis.faces.registry import make_detector
from aegis.runtime.clip import load_model


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("clip", help="the emotion of each clip's main person, with the per-track vote")
    p.add_argument("sources", nargs="+", help="video files, GIFs or image folders")
    p.add_argument("--model", help="a clip model (default: the shipped clip-pyramid) or a frame model, whose "
                                    "main-face probabilities are averaged over the clip")
    p.add_argument("--json", type=Path, help="write the results here")
    add_setting(p, "--c-freq", VoteSettings, type=float, help="priority of how often a face appears")
    add_setting(p, "--c-size", VoteSettings, type=float, help="priority of how large a face is")
    add_setting(p, "--c-prob", VoteSettings, type=float, help="priority of the detection score")
    add_detector(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis clip`: main-face voting and a clip label per source (a learned clip model, if one is given)."""
    from aegis.analyze.analyzer import Analyzer
    from aegis.clips.clip import classify_clip, classify_clip_learned
    from aegis.clips.voting import VoteSettings
    from aegis.runtime.onnx import WEIGHTS_DIR

    name = args.model or ("clip-pyramid" if (WEIGHTS_DIR / "clip-pyramid.onnx").is_file() else None)
    chosen = load_model(name)
    clip_model = chosen if chosen.info.input != "window" else None  # None: the frame model's mean probability
    analyzer = None if clip_model else Analyzer(model=name, detector=make_detector(args.detector, args.min_face))
    settings = VoteSettings(c_freq=args.c_freq, c_size=args.c_size, c_prob=args.c_prob)
    reports = []
    for source in args.sources:
        if clip_model:
            report = classify_clip_learned(clip_model, source, settings, make_detector(args.detector, args.min_face))
        else:
            report = classify_clip(analyzer, source, settings)
        weights = ", ".join(f"#{t} {w['weight']:.2f}" for t, w in sorted(report.tracks.items()))
        print(f"{source}: {report.label or 'no face'} ({report.method}; main track {report.main_track}; "
              f"weights {weights})")
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps([r.to_json() for r in reports], indent=2) + "\n")
    return 0
