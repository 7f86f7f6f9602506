"""AEGIS: real-time video facial expression recognition on CPU."""

import os as _os

_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # broken inputs get our one-line error, not FFmpeg's log
_os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # nor OpenCV's camera-probing warnings
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(8192 * 8192))  # imagesize.MAX_SIDE squared: a backstop

from aegis.analyze.analyzer import Analyzer, analyze, to_dataframe  # noqa: E402
from aegis.labels import CLASSES  # noqa: E402

__version__ = "0.1.0"
__all__ = ["CLASSES", "Analyzer", "analyze", "to_dataframe", "__version__"]
