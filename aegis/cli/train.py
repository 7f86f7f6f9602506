"""`aegis train`: train a registered network or a clip model."""

from __future__ import annotations

import argparse
from dataclasses import fields

from aegis.cli.common import positive_int, require_torch
from aegis.training.config import CLIP_MODELS, SCHEDULES, config_from_values
from aegis.training.config import ClipTrainConfig as K
from aegis.training.config import TrainConfig as T


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("train", help="train a registered network on a window store (needs the train extra)")
    p.add_argument("--model", required=True,
                   help="registry name (e.g. timeconvnet-minixception), or clip-pyramid / clip-lstm3d with a clip "
                        "store as --data")
    p.add_argument("--data", required=True, help="window store folder (a clip store for clip models)")
    p.add_argument("--val", help="separate validation store (default: split --data)")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--epochs", type=positive_int, help=f"training epochs (default: {T.epochs}; clip models {K.epochs})")
    p.add_argument("--batch", type=positive_int, help=f"batch size (default: {T.batch}; clip models {K.batch})")
    p.add_argument("--lr", type=float, help=f"Adam learning rate (default: {T.lr:g})")
    p.add_argument("--split", choices=("subject", "random"),
                   help=f"hold out whole subjects, or windows at random (the paper's leaky split) (default: {T.split})")
    p.add_argument("--schedule", choices=SCHEDULES,
                   help=f"the paper's LR steps scaled to --epochs, or a cosine decay (default: {T.schedule})")
    p.add_argument("--balance", action="store_true", default=None, help="class-balanced sampling")
    p.add_argument("--contempt", action="store_true", default=None, help="train with contempt as an 8th class")
    p.add_argument("--frames", type=positive_int, help=f"window length t (default: {T.frames})")
    p.add_argument("--seed", type=int, help=f"seed of the split, initialisation and augmentation (default: {T.seed})")
    p.add_argument("--threads", type=positive_int, help=f"torch CPU threads (default: {T.threads})")
    p.add_argument("--votes", help="soft-target CSV, matched to images by file stem: FER+-style votes "
                                   "(file,<emotion>...,unknown,NF) or the teacher probabilities of `aegis distill`")
    p.add_argument("--vote-weight", type=float,
                   help=f"share of the target taken from the votes (default {T.vote_weight}; the rest is the image's "
                        "own label)")
    p.add_argument("--label-smoothing", type=float,
                   help=f"mix each target with the uniform distribution (default {T.label_smoothing:g})")
    p.add_argument("--erase", type=float, help=f"random-erasing probability per window (default {T.erase:g})")
    p.add_argument("--conditions", type=float, metavar="P",
                   help="chance that a window is seen under one webcam or film condition: low light, low contrast, "
                        "motion or defocus blur, JPEG, a 24-32 px face, a hand, glasses or a turned head "
                        f"(default {T.conditions:g})")
    p.add_argument("--mixup", type=float, metavar="ALPHA", help=f"mixup Beta(alpha, alpha) (default {T.mixup:g}: off)")
    p.add_argument("--holdout", type=float, nargs=2, metavar=("VAL", "TEST"),
                   help=f"val and test shares of the subjects without --val (default {T.holdout[0]} {T.holdout[1]})")
    p.add_argument("--folds", type=positive_int, help="subject-independent k-fold (e.g. 10 for the CK+ protocol)")
    p.add_argument("--fold", type=int, help="train only this fold (0-based); default: every fold in turn")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to train: auto takes a CUDA GPU when torch sees one (the recipe and the random "
                        "draws are the same on either)")
    p.add_argument("--init", help="start from another run's weights (its folder or a checkpoint); layers that do "
                                  "not fit, e.g. the classifier of a run with other classes, start fresh")
    p.add_argument("--levels", type=int, nargs="+",
                   help=f"clip-pyramid: pyramid levels (default {' '.join(map(str, K.levels))})")
    p.add_argument("--clip-frames", type=positive_int, metavar="K",
                   help=f"clip-lstm3d: frames sampled per clip (default {K.k})")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis train`: a clip model (CLIP_MODELS) or a registered network; see aegis.training.config."""
    require_torch("train")
    if args.model in CLIP_MODELS:
        return _train_clip(args)
    from aegis.training.loop import train, train_folds

    cfg = config_from_values(T, {f.name: getattr(args, f.name) for f in fields(T) if f.name not in ("folds", "fold")})
    if args.folds:
        summary = train_folds(cfg, args.folds, args.fold, resume=args.resume, device=args.device)
        print(f"{summary.folds}-fold test accuracy {summary.mean_test_acc:.4f} ± {summary.std_test_acc:.4f} "
              f"(folds {summary.trained})")
        return 0
    result = train(cfg, resume=args.resume, device=args.device)
    print(f"best validation accuracy {result.best_val_acc:.4f} at epoch {result.best_epoch}"
          + (f"; test accuracy {result.test_acc:.4f}" if result.test_acc is not None else ""))
    return 0


def _train_clip(args: argparse.Namespace) -> int:
    """`aegis train --model clip-*`: a clip model on a clip store."""
    from aegis.clips.training import train_clip_model

    cfg = config_from_values(K, {"model": args.model, "data": args.data, "out": args.out, "epochs": args.epochs,
                                 "batch": args.batch, "lr": args.lr, "seed": args.seed, "levels": args.levels,
                                 "k": args.clip_frames, "threads": args.threads})
    result = train_clip_model(cfg)
    test = "none (no test subjects)" if result["test_acc"] is None else f"{result['test_acc']:.4f}"
    print(f"{args.model}: best validation accuracy {result['best_val_acc']:.4f} at epoch {result['best_epoch']}, "
          f"test accuracy {test}; temperature {result['temperature']:.3f}; {args.out}/model.onnx")
    return 0
