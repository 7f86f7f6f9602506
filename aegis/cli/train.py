"""`aegis train`: train a registered network or a clip model."""

from __future__ import annotations

import argparse

from aegis.cli.common import (
    positive_int,
    require_torch,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("train", help="train a registered network on a window store (needs the train extra)")
    p.add_argument("--model", required=True,
                   help="registry name (e.g. timeconvnet-minixception), or clip-pyramid / clip-lstm3d with a clip "
                        "store as --data")
    p.add_argument("--data", required=True, help="window store folder (a clip store for clip models)")
    p.add_argument("--val", help="separate validation store (default: split --data)")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--epochs", type=positive_int, help="training epochs (default: 200; clip models 60)")
    p.add_argument("--batch", type=positive_int, help="batch size (default: 64; clip models 128)")
    p.add_argument("--lr", type=float, help="Adam learning rate (default: 1e-3)")
    p.add_argument("--split", choices=("subject", "random"),
                   help="hold out whole subjects, or windows at random (the paper's leaky split) (default: subject)")
    p.add_argument("--schedule", choices=("paper", "cosine"),
                   help="the paper's LR steps scaled to --epochs, or a cosine decay (default: paper)")
    p.add_argument("--balance", action="store_true", default=None, help="class-balanced sampling")
    p.add_argument("--contempt", action="store_true", default=None, help="train with contempt as an 8th class")
    p.add_argument("--frames", type=positive_int, help="window length t")
    p.add_argument("--seed", type=int, help="seed of the split, initialisation and augmentation (default: 0)")
    p.add_argument("--threads", type=positive_int, help="torch CPU threads (default: 2)")
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
    p.add_argument("--folds", type=positive_int, help="subject-independent k-fold (e.g. 10 for the CK+ protocol)")
    p.add_argument("--fold", type=int, help="train only this fold (0-based); default: every fold in turn")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from last.pt")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to train: auto takes a CUDA GPU when torch sees one (the recipe and the random "
                        "draws are the same on either)")
    p.add_argument("--init", help="start from another run's weights (its folder or a checkpoint); layers that do "
                                  "not fit, e.g. the classifier of a run with other classes, start fresh")
    p.add_argument("--levels", type=int, nargs="+", help="clip-pyramid: pyramid levels (default 0 1 2 3)")
    p.add_argument("--clip-frames", type=positive_int, metavar="K",
                   help="clip-lstm3d: frames sampled per clip (default 32)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis train`: train a registered network; see aegis.train.TrainConfig."""
    require_torch("train")
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
