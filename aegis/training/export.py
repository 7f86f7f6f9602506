"""Export a trained checkpoint to ONNX with the metadata the runtime reads (torch needed here only)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import onnx
import torch
from torch import nn

from aegis.io.files import atomic_path
from aegis.meta import METADATA_KEY, ModelInfo
from aegis.training.inputs import pixel_input


class ExportedModel(nn.Module):
    """What the ONNX file computes: uint8 crops scaled and normalised (`pixel_input`), the network, then
    softmax(logits / temperature) and the embedding.

    The embedding is the penultimate features, averaged over space (and time) when they are maps. With
    flip, the probabilities are the mean of the window's and its mirror image's (the embedding is the
    window's own).
    """

    def __init__(self, model: nn.Module, info: ModelInfo) -> None:
        super().__init__()
        self.model, self.info = model, info
        self.temperature, self.flip = info.temperature, info.flip_tta

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = pixel_input(crops, self.info)
        features = self.model.forward_features(x)
        probs = torch.softmax(self.model.forward_head(features) / self.temperature, dim=-1)
        if self.flip:
            mirrored = self.model(torch.flip(x, dims=[-1]))
            probs = (probs + torch.softmax(mirrored / self.temperature, dim=-1)) / 2
        return probs, features.flatten(2).mean(-1) if features.dim() > 2 else features


def write_graph(module: nn.Module, example: torch.Tensor, input_name: str, output_names: tuple[str, ...],
                info: ModelInfo, path: str | Path, opset: int = 17) -> Path:
    """The one export path of frame and clip models: an ONNX file (dynamic batch) with `info` under METADATA_KEY,
    written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with warnings.catch_warnings():  # the TorchScript exporter warns that it is legacy; it needs no onnxscript
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), (example,), str(tmp), dynamo=False, opset_version=opset,
                              input_names=[input_name], output_names=list(output_names),
                              dynamic_axes={name: {0: "batch"} for name in (input_name, *output_names)})
        proto = onnx.load(str(tmp))
        entry = proto.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, info.to_json()
        onnx.save(proto, str(tmp))
    return path


def export_onnx(model: nn.Module, info: ModelInfo, path: str | Path, opset: int = 17) -> Path:
    """Write a frame model's ONNX file: input "windows", (B, t, H, W) uint8 crops; outputs "probs" and
    "embedding"."""
    crops = torch.zeros((1, info.frames, *info.input_size), dtype=torch.uint8)
    return write_graph(ExportedModel(model, info), crops, "windows", ("probs", "embedding"), info, path, opset)


def export_checkpoint(ckpt_path: str | Path, out: str | Path, crop: str | None = None, calibrate: bool = False,
                      flip_tta: bool = False) -> tuple[Path, dict]:
    """Export a checkpoint written by `aegis train` (best.pt, or a run folder); returns the path and a report.

    `crop` overrides the recorded margin. `calibrate` fits a temperature on the run's validation windows
    (those that chose its epoch, never trained on) and reports the calibration error there before and
    after. `flip_tta` puts mirror-image test-time augmentation into the graph.
    """
    from aegis.training.checkpoints import load_run
    from aegis.training.loop import validation_logits

    model, info, ckpt = load_run(ckpt_path)
    info = replace(info, crop=crop or info.crop)
    report: dict = {"flip_tta": flip_tta}
    if calibrate:
        from aegis.evaluation.metrics import fit_temperature, reliability, softmax

        views, labels = validation_logits(model, ckpt, flip_tta)
        temperature = fit_temperature(views, labels)
        report.update(temperature=temperature, val_windows=len(labels),
                      ece_before=reliability(softmax(views).mean(0), labels)["ece"],
                      ece_after=reliability(softmax(views, temperature).mean(0), labels)["ece"])
        info = replace(info, temperature=temperature)
    info = replace(info, flip_tta=flip_tta)
    return export_onnx(model, info, out), report

