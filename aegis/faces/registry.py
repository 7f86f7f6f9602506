"""The detector registry: plug-ins register a constructor by name; `make_detector` builds one."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from aegis.errors import AegisError
from aegis.faces.base import Detector

DEFAULT_DETECTOR = "mtcnn"  # by measured recall and speed (docs/detector.md)
_CONSTRUCTORS: dict[str, Callable[..., Detector]] = {}


def register_detector(name: str) -> Callable[[Callable[..., Detector]], Callable[..., Detector]]:
    """Decorator: record a constructor `(face_px: int | None, threads: int) -> Detector` under `name`."""

    def record(constructor: Callable[..., Detector]) -> Callable[..., Detector]:
        if name in _CONSTRUCTORS:
            raise ValueError(f"detector {name!r} is registered twice")
        _CONSTRUCTORS[name] = constructor
        return constructor

    return record


def detector_names() -> tuple[str, ...]:
    """The registered detectors' names, sorted."""
    return tuple(sorted(_CONSTRUCTORS))


def make_detector(name: str = DEFAULT_DETECTOR, face_px: int | None = None, threads: int = 1) -> Detector:
    """A detector by name: `haar` (OpenCV's cascade) or `mtcnn` (CNN cascade with landmarks, ONNX Runtime).

    `face_px` is the smallest face wanted, in frame pixels; it sets the scale each frame is scanned at
    (None: each detector's default, Haar's 480 px side and mtcnn's 20 px faces).
    """
    if face_px is not None and face_px < 8:
        raise AegisError(f"the smallest face must be at least 8 px, got {face_px}")
    if name not in _CONSTRUCTORS:
        raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(detector_names())}")
    return _CONSTRUCTORS[name](face_px=face_px, threads=threads)


@lru_cache(maxsize=2)
def named_detector(name: str) -> Detector:
    """One detector of each kind per process, for worker pools (ONNX sessions and cascades do not pickle)."""
    return make_detector(name)
