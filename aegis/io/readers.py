"""Frame readers: video files, animated GIFs, image folders or globs, and webcams, read one frame at a time."""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from aegis.data.images import IMAGE_SUFFIXES, load_image
from aegis.errors import SourceError
from aegis.io.imagesize import ImageError, check_size

log = logging.getLogger("aegis")

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".gif", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
IMAGE_SEQUENCE_FPS = 25.0


class FrameSource:
    """An opened source: iterate it for BGR uint8 frames.

    Attributes:
        name: what was opened.
        fps: frames per second (the file's, or IMAGE_SEQUENCE_FPS for images and unknown rates).
        total: the frame count the source claims, or None (cameras).
        live: True for cameras, which run until interrupted.
        decoded: frames read so far.
        fps_assumed: True when the file declared no usable rate and `fps` is IMAGE_SEQUENCE_FPS.
    """

    def __init__(self, name: str, fps: float, total: int | None, live: bool = False,
                 fps_assumed: bool = False) -> None:
        self.name, self.fps, self.total, self.live, self.fps_assumed = name, fps, total, live, fps_assumed
        self.decoded = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    @property
    def truncated(self) -> bool:
        """True when a file ended well before the frame count in its header."""
        return self.total is not None and not self.live and self.decoded < 0.9 * self.total - 1


class VideoSource(FrameSource):
    """A video file or animated GIF read with OpenCV (FFmpeg backend)."""

    def __init__(self, target: str | int, name: str, live: bool = False) -> None:
        self._capture = cv2.VideoCapture(target)
        if not self._capture.isOpened():
            if live:
                raise SourceError(f"cannot open {name}: no such camera, or it is busy")
            raise SourceError(f"cannot open video {name}: unreadable, unsupported or not a video")
        width, height = (int(self._capture.get(p)) for p in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT))
        try:
            check_size(width, height, f"{name}: frame")  # the stream's declared size, before any frame is decoded
        except ImageError:
            self._capture.release()
            raise
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        assumed = not 0 < fps < 1000
        if assumed and not live:
            log.warning("%s declares no usable frame rate (%g fps); its times assume %g fps", name, fps,
                        IMAGE_SEQUENCE_FPS)
        super().__init__(name, IMAGE_SEQUENCE_FPS if assumed else fps, None if live or count <= 0 else count, live,
                         fps_assumed=assumed and not live)

    def __iter__(self) -> Iterator[np.ndarray]:
        try:
            while True:
                ok, frame = self._capture.read()
                if not ok or frame is None:
                    break
                self.decoded += 1
                yield frame
        finally:
            self._capture.release()
        if self.decoded == 0:
            raise SourceError(f"{self.name} has no decodable frames (empty or corrupt)")


class ImageSequence(FrameSource):
    """Images read as frames in name order; files that are not readable images are skipped with a warning."""

    def __init__(self, paths: list[Path], name: str) -> None:
        self.paths = paths
        super().__init__(name, IMAGE_SEQUENCE_FPS, len(paths))

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.paths:
            try:
                frame = load_image(path, cv2.IMREAD_COLOR)
            except ImageError as exc:
                if len(self.paths) == 1:
                    raise SourceError(f"{path}: {exc}") from exc
                log.warning("skipping %s: %s", path, exc)
                continue
            self.decoded += 1
            yield frame
        if self.decoded == 0:
            raise SourceError(f"{self.name} holds no readable images")

    @property
    def truncated(self) -> bool:
        """Image sequences skip bad files with a warning instead of counting as truncated."""
        return False


def open_source(source: str | int | Path) -> FrameSource:
    """Open a video file, GIF, image folder, image glob, or webcam index ("0", 0).

    Raises:
        SourceError: the source does not exist, is empty, or cannot be decoded.
    """
    text = str(source)
    if isinstance(source, int) or text.isdigit():
        return VideoSource(int(text), f"camera {text}", live=True)
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise SourceError(f"folder {path} is empty")
        return ImageSequence(_image_candidates(files), text)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
        if not files:
            raise SourceError(f"no files match {text}")
        return ImageSequence(_image_candidates(files), text)
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSequence([path], text)
    if path.stat().st_size == 0:
        raise SourceError(f"{path} is empty (0 bytes)")
    if not _utf8(text):
        raise SourceError(f"{text.encode('utf-8', 'replace').decode()}: a video's file name must be valid UTF-8 for "
                          "the video decoder; rename the file")
    return VideoSource(text, text)


def _utf8(text: str) -> bool:
    """Whether text (a path, possibly with undecodable bytes as surrogates) encodes to UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _image_candidates(files: list[Path]) -> list[Path]:
    """Keep image files; warn about the rest, which are skipped."""
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    for p in files:
        if p.suffix.lower() not in IMAGE_SUFFIXES:
            log.warning("skipping %s: not an image", p)
    if not images:
        raise SourceError(f"no images among {len(files)} files ({', '.join(IMAGE_SUFFIXES)})")
    return images
