"""Dataset adapters: each reads a dataset folder as distributed and lists its labelled videos."""

from aegis.data.sources import ckplus, folders, tables  # noqa: F401  (each registers its adapters)
from aegis.data.sources.base import (
    SourceReport,
    Video,
    list_sources,
    read_frames,
    register_source,
    scan_source,
    source_defaults,
)

__all__ = ["SourceReport", "Video", "list_sources", "read_frames", "register_source", "scan_source", "source_defaults"]
