"""`aegis data`: build training data: window stores (`build`) and clip feature stores (`clips`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from aegis.cli.common import (
    add_detector,
    add_setting,
    positive_int,
)
from aegis.data.recipes import RecipeSettings
from aegis.errors import AegisError
from aegis.faces.crop import MARGINS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser and its two sub-commands."""
    data = sub.add_parser("data", help="build training data: window stores (build) and clip feature stores (clips)")
    data = data.add_subparsers(dest="data_command", metavar="COMMAND", title="commands", required=True)
    p = data.add_parser("clips", help="build a clip feature store (per-frame features of each clip's main face)")
    p.add_argument("--source", required=True, action="append",
                   help="store=PATH (each window is a clip) or a video dataset KIND=PATH; repeatable")
    p.add_argument("--out", required=True, help="clip store folder to write (a killed build resumes there)")
    p.add_argument("--model", help="frame model for the features (default: the shipped default)")
    p.add_argument("--context-model", help="frame model whose embedding of the person region is added to each "
                                           "frame's features (e.g. one trained on --margin person windows)")
    p.add_argument("--workers", type=positive_int, default=1, help="videos processed in parallel")
    add_detector(p, min_face=False)
    p.set_defaults(handler=run_clips)

    p = data.add_parser("build", help="build a window store")
    p.add_argument("--recipe", choices=("bigfacex", "faceparty", "peak", "still", "sequence"), required=True,
                   help="bigfacex: sliding windows of face crops over videos; faceparty: windows ending at the 3 "
                        "frames a static classifier finds most typical of the label; peak: windows ending at the "
                        "last 3 frames; still: one drifting window per still image; sequence: real windows over "
                        "consecutive frames (CK+48's Sxxx_yyy_frame names)")
    p.add_argument("--source", required=True, action="append",
                   help="KIND=PATH, repeatable: videos, ckplus, afew, enterface for bigfacex; images for the others")
    p.add_argument("--out", required=True, help="window store folder to write (a killed build resumes there)")
    add_setting(p, "--window", RecipeSettings, type=positive_int, help="window length t (frames per window)")
    p.add_argument("--stride", type=positive_int, help="window stride (default: the source's, 1 or 2)")
    p.add_argument("--skip", type=int, help="frames skipped at the start of each video (default: the source's)")
    p.add_argument("--workers", type=positive_int, default=1, help="videos processed in parallel")
    p.add_argument("--static-model", help="faceparty: the single-frame classifier (default: the shipped static)")
    p.add_argument("--neutral", action="store_true",
                   help="also take the first t frames of ckplus and kdefdyn sequences as a neutral window")
    p.add_argument("--margin", choices=MARGINS, help="crop margin (default: the recipe's); person cuts the person "
                                                      "region around each face, for a clip model's context CNN")
    p.add_argument("--seed", type=int, default=0, help="seed of the still recipe's synthetic drift")
    p.add_argument("--contempt", action="store_true", help="keep contempt as an 8th class (else it is skipped)")
    add_detector(p, min_face=False)
    p.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    """`aegis data build`: build a window store from a source."""
    from aegis.data.builders import build_sequence_store, build_still_store
    from aegis.data.recipes import RECIPES, RecipeSettings, build_video_store
    from aegis.data.store import store_summary

    if args.recipe in RECIPES:
        static = args.static_model or ("static" if args.recipe == "faceparty" else None)
        settings = RecipeSettings(args.recipe, args.window, args.stride, args.skip, static, neutral=args.neutral,
                                  margin=args.margin, detector=args.detector)
        out = build_video_store(args.source, args.out, settings, workers=args.workers, contempt=args.contempt)
    elif args.margin:
        raise AegisError(f"--margin applies to the video recipes {RECIPES}; the {args.recipe} recipe reads crops")
    elif args.recipe == "still":
        out = build_still_store(args.source, args.out, frames=args.window, seed=args.seed, contempt=args.contempt)
    else:
        if len(args.source) != 1:
            raise AegisError(f"the {args.recipe} recipe takes one --source, got {args.source}")
        kind, _, path = args.source[0].partition("=")
        if kind != "images" or not Path(path).is_dir():
            raise AegisError(f"the sequence recipe takes --source images=FOLDER, got {args.source[0]!r}")
        out = build_sequence_store(path, args.out, frames=args.window, contempt=args.contempt)
    print(store_summary(out))
    print(out)
    return 0


def run_clips(args: argparse.Namespace) -> int:
    """`aegis data clips`: the per-frame features of each clip."""
    from aegis.clips.store import build_clip_store
    from aegis.runtime.onnx import OnnxModel

    model = OnnxModel(args.model)
    context = OnnxModel(args.context_model) if args.context_model else None
    print(build_clip_store(args.source, args.out, model, args.detector, context_model=context,
                           workers=args.workers))
    return 0
