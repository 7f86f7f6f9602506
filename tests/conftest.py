"""Shared fixtures: a tiny randomly initialised ONNX model and the optional real data in ../shared/data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(sub: str) -> Path:
    """A folder under ../shared/data, or a skip when it is absent."""
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A randomly initialised timeconvnet-minixception exported to ONNX with metadata (needs the train extra)."""
    pytest.importorskip("torch")
    from aegis.labels import CLASSES
    from aegis.meta import ModelInfo
    from aegis.models import create_model
    from aegis.training.export import export_onnx

    path = tmp_path_factory.mktemp("model") / "tiny.onnx"
    return export_onnx(create_model("timeconvnet-minixception"),
                       ModelInfo(name="timeconvnet-minixception", classes=CLASSES, frames=5), path)


@pytest.fixture(scope="session")
def contempt_model(tmp_path_factory) -> Path:
    """An 8-class (contempt last) single-frame model with random weights, to check that classes follow the model."""
    pytest.importorskip("torch")
    from aegis.labels import class_names
    from aegis.meta import ModelInfo
    from aegis.models import create_model
    from aegis.training.export import export_onnx

    path = tmp_path_factory.mktemp("model") / "contempt.onnx"
    return export_onnx(create_model("minixception-2d", num_classes=8),
                       ModelInfo(name="minixception-2d", classes=class_names(contempt=True), frames=1), path)
