"""`aegis evaluate`: metrics of a frame or clip model on stores, crops, sequences or videos."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aegis.cli.common import (
    MODEL_HELP,
    add_detector,
    positive_int,
)
from aegis.errors import AegisError
from aegis.evaluation.report import EvaluationReport
from aegis.faces.crop import MARGINS
from aegis.faces.registry import make_detector
from aegis.runtime.clip import load_model
from aegis.runtime.onnx import OnnxGraph, OnnxModel


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
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
    add_detector(p)
    p.add_argument("--json", type=Path, help="write the metrics here")
    p.add_argument("--plots", type=Path, help="write confusion.png and reliability.png here (also ferplus-*.png with "
                   "--votes, curves.png with --log)")
    p.add_argument("--log", type=Path, help="a training run's log.csv, drawn as curves.png with --plots")
    p.add_argument("--threads", type=positive_int, default=2, help="ONNX Runtime threads")
    p.add_argument("--workers", type=positive_int, default=1, help="clip models: videos processed in parallel")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis evaluate`: accuracy, weighted F1, UAR, per-class accuracy and the confusion matrix."""
    clip_store = bool(args.data) and (Path(args.data) / "frames.npy").is_file()
    model = load_model(args.model or ("clip-pyramid" if clip_store else None), threads=args.threads)
    report = _evaluate_clip_model(args, model, clip_store) if model.info.input != "window" or clip_store \
        else _evaluate_frame_model(args, model)
    if args.json:  # first, so that a closed pipe on stdout loses nothing
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    _print(report)
    if args.plots:
        _plot(report, args.plots, args.log)
    return 0


def _evaluate_clip_model(args: argparse.Namespace, model: OnnxGraph, clip_store: bool) -> EvaluationReport:
    """A clip model on a clip store (--data) or on labelled videos (--source)."""
    from aegis.clips.store import load_clip_store
    from aegis.evaluation.stores import evaluate_clip_source, evaluate_clip_store

    if args.min_face:
        raise AegisError("--min-face applies to frame models; clip models track with each detector's default")
    if model.info.input == "window" or (args.data and not clip_store):
        raise AegisError("a clip store needs a clip model, and a clip model a clip store or videos; got "
                         f"--model {args.model or 'default'} with --data {args.data}")
    if args.data:
        return evaluate_clip_store(model, load_clip_store(args.data))
    return evaluate_clip_source(model, args.source, workers=args.workers, detector=args.detector)


def _evaluate_frame_model(args: argparse.Namespace, model: OnnxModel) -> EvaluationReport:
    """A frame model on a window store (--data) or a raw source (--source)."""
    from aegis.evaluation.sources import evaluate_source
    from aegis.evaluation.stores import evaluate_store

    if args.data and (args.votes or args.flip_tta or args.through_detector or args.crop):
        raise AegisError("--votes, --flip-tta, --through-detector and --crop apply to --source images=/fer2013=, "
                         "not to a window store")
    report = (evaluate_store(model, args.data) if args.data
              else evaluate_source(model, args.source, make_detector(args.detector, args.min_face), votes=args.votes,
                                   flip=args.flip_tta, through_detector=args.through_detector, crop=args.crop))
    return report.with_(model={"path": str(model.path), "name": model.info.name})


def _print(report: EvaluationReport) -> None:
    """The report's headline, per-class lines and what its source adds."""
    print(f"accuracy {report.accuracy:.4f}  weighted F1 {report.weighted_f1:.4f}  UAR {report.uar:.4f}  "
          f"class accuracy {report.mean_class_acc:.4f} ± {report.std_class_acc:.4f}  n={report.n}")
    for name, row in report.per_class.items():
        print(f"  {name:<10} precision {row['precision']:.3f}  recall {row['recall']:.3f}  n={row['n']}")
    if report.calibration:
        print(f"expected calibration error {report.calibration['ece']:.4f}")
    if report.pipeline_accuracy is not None:
        print(f"pipeline accuracy {report.pipeline_accuracy:.4f} (detect, crop '{report.crop}', classify; no face "
              f"counts as wrong); no face found in {report.no_face} ({100 * report.miss_rate:.1f}%); the accuracy "
              "above is over the faces found")
    if (fp := report.ferplus) is not None:
        print(f"FER+ majority accuracy {fp.accuracy:.4f} over {fp.n} images (counted wrong: "
              f"{fp.counted_wrong or 'none'}; no majority: {fp.without_majority})"
              + (f"; expected calibration error {fp.calibration['ece']:.4f}" if fp.calibration else ""))
    if report.clip_accuracy is not None:
        print(f"clip accuracy {report.clip_accuracy:.4f} over {report.clips} clips; no face found in {report.no_face}")
    if report.sequence_accuracy is not None:
        print(f"sequence accuracy {report.sequence_accuracy:.4f} over {report.sequences} sequences; "
              f"no face found in {report.no_face}")
    if report.skipped_labels:
        print(f"skipped (labels the model does not have): {report.skipped_labels}")


def _plot(report: EvaluationReport, folder: Path, log: Path | None) -> None:
    """confusion.png and reliability.png (and the FER+ pair, and curves.png from a run's log) in `folder`."""
    from aegis.evaluation.plots import plot_confusion, plot_curves, plot_reliability

    print(plot_confusion(report, folder / "confusion.png"))
    if report.calibration:
        print(plot_reliability(report, folder / "reliability.png"))
    if report.ferplus is not None:
        print(plot_confusion(report.ferplus, folder / "ferplus-confusion.png"))
        print(plot_reliability(report.ferplus, folder / "ferplus-reliability.png"))
    if log:
        print(plot_curves(log, folder / "curves.png"))
