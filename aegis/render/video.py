"""Annotated-video writers: H.264 in MP4 through PyAV (browsers play it), else OpenCV's mp4v with a warning."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

log = logging.getLogger("aegis")


class VideoWriter(Protocol):
    """Writes BGR frames of one size to a file."""

    codec: str

    def write(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...


class H264Writer:
    """H.264 (libx264, yuv420p, +faststart) in MP4 through PyAV's bundled FFmpeg; odd sides are padded by one pixel."""

    codec = "h264"

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        import av

        self._container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1000) if fps > 0 else Fraction(25)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = size[0] + size[0] % 2, size[1] + size[1] % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": "23", "preset": "veryfast"}
        self._av = av

    def write(self, frame: np.ndarray) -> None:
        pad_y, pad_x = self._stream.height - frame.shape[0], self._stream.width - frame.shape[1]
        if pad_x or pad_y:
            frame = cv2.copyMakeBorder(frame, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
        video_frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
        self._container.mux(self._stream.encode(video_frame))

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))
        self._container.close()


class Mp4vWriter:
    """OpenCV's MPEG-4 part 2 (mp4v) writer: plays in desktop players, not in browsers."""

    codec = "mp4v"

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)

    def write(self, frame: np.ndarray) -> None:
        self._writer.write(frame)

    def close(self) -> None:
        self._writer.release()


def open_video_writer(path: Path, fps: float, size: tuple[int, int]) -> VideoWriter:
    """H.264 when PyAV and its libx264 encoder are there, else mp4v after one warning."""
    try:
        return H264Writer(path, fps, size)
    except ImportError:
        reason = "PyAV is not installed (pip install av)"
    except Exception as exc:  # noqa: BLE001 - any encoder failure falls back to a video that at least plays locally
        reason = f"its H.264 encoder failed ({exc})"
    log.warning("annotated video in mp4v, which browsers do not play: %s", reason)
    return Mp4vWriter(path, fps, size)
