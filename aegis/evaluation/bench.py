"""Latency and size of models: params, MFLOPs, ONNX file size and batch-1 ONNX Runtime latency, side by side."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aegis.errors import AegisError
from aegis.runtime.onnx import OnnxModel, resolve_model_path


@dataclass
class Candidate:
    """One model under test: its ONNX session, and its torch module when built from the registry."""

    label: str
    onnx: OnnxModel
    params: int | None
    mflops: float | None
    torch_model: object | None = None


def build_candidates(models: list[str], threads: int, workdir: Path) -> list[Candidate]:
    """Registry names are built with random weights and exported; anything else is loaded as an ONNX file."""
    out = []
    for name in models:
        try:
            path = resolve_model_path(name)
        except AegisError:
            out.append(_from_registry(name, threads, workdir))
            continue
        model = OnnxModel(path, threads=threads)
        out.append(Candidate(name, model, _registry_params(model), None))
    return out


def _registry_params(model: OnnxModel) -> int | None:
    """Parameters of the registry network an ONNX file was exported from (None without torch or a known name)."""
    try:
        from aegis.models.registry import create_model
        from aegis.models.stats import count_params

        return count_params(create_model(model.info.name, len(model.classes), model.info.frames))
    except (ImportError, ValueError, KeyError, TypeError):
        return None


def _from_registry(name: str, threads: int, workdir: Path) -> Candidate:
    """Export a registry model with random weights; needs the train extra (torch)."""
    try:
        import torch

        from aegis.labels import CLASSES
        from aegis.meta import ModelInfo
        from aegis.models.registry import create_model, model_frames, model_spec
        from aegis.models.stats import count_params
        from aegis.training.export import export_onnx
    except ImportError as exc:
        raise AegisError(f"{name!r} is not an ONNX file; benchmarking registry models needs torch "
                         "(pip install 'aegis-fer[train]')") from exc
    try:
        spec = model_spec(name)
    except ValueError as exc:
        raise AegisError(str(exc)) from exc
    torch.manual_seed(0)
    model = create_model(name).eval()
    info = ModelInfo(name=name, classes=CLASSES, frames=model_frames(name, 5), layout=spec.layout)
    path = export_onnx(model, info, workdir / f"{name}.onnx")
    return Candidate(name, OnnxModel(path, threads=threads), count_params(model), _mflops(model, info), model)


def _onnx_params(path: Path) -> int | None:
    """Number of weights stored in an ONNX file (None without the onnx package)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return None
    return int(sum(numpy_helper.to_array(t).size for t in onnx.load(str(path)).graph.initializer))


def _mflops(model, info) -> float:
    """Forward-pass MFLOPs (2 x multiply-adds of conv and linear layers) for one window."""
    import torch
    from torch import nn

    macs = []

    def hook(module, inputs, output):
        if isinstance(module, (nn.Conv2d, nn.Conv3d)):
            per_output = module.in_channels // module.groups * int(np.prod(module.kernel_size))
            macs.append(output.numel() * per_output)
        elif isinstance(module, nn.Linear):
            macs.append(module.in_features * module.out_features)

    layers = (nn.Conv2d, nn.Conv3d, nn.Linear)
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, layers)]
    shape = (1, 1, info.frames, 48, 48) if info.layout == "video" else (1, info.frames, 48, 48)
    with torch.no_grad():
        model(torch.zeros(shape))
    for h in handles:
        h.remove()
    return 2 * sum(macs) / 1e6


def run_bench(models: list[str], runs: int = 1000, threads: int = 1, with_torch: bool = False,
              rounds: int = 10) -> list[dict]:
    """Time batch-1 inference of every model, interleaved in `rounds` so machine noise hits all alike."""
    import onnxruntime  # noqa: F401  (fail early with a clear import error)

    with tempfile.TemporaryDirectory() as tmp:
        candidates = build_candidates(models, threads, Path(tmp))
        rng = np.random.default_rng(0)
        inputs = {c.label: rng.integers(0, 256, (1, c.onnx.info.frames, 48, 48), dtype=np.uint8) for c in candidates}
        times: dict[str, list[float]] = {c.label: [] for c in candidates}
        torch_times: dict[str, list[float]] = {c.label: [] for c in candidates}
        for c in candidates:  # warm-up
            for _ in range(20):
                c.onnx(inputs[c.label])
        per_round = max(runs // rounds, 1)
        for _ in range(rounds):
            for c in candidates:
                times[c.label] += time_calls(lambda c=c: c.onnx(inputs[c.label]), per_round)
                if with_torch and c.torch_model is not None:
                    torch_times[c.label] += _time_torch(c, inputs[c.label], max(per_round // 10, 1), threads)
        report = []
        for c in candidates:
            row = {"model": c.label, "params": c.params, "onnx_weights": _onnx_params(c.onnx.path),
                   "mflops": None if c.mflops is None else round(c.mflops, 2),
                   "onnx_kb": round(c.onnx.path.stat().st_size / 1024, 1), **_stats(times[c.label], "ms")}
            if torch_times[c.label]:
                row.update(_stats(torch_times[c.label], "torch_ms"))
            report.append(row)
        return report


def time_calls(fn, n: int) -> list[float]:
    """Milliseconds of n calls."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return out


def _time_torch(c: Candidate, x: np.ndarray, n: int, threads: int) -> list[float]:
    """Milliseconds of n eager torch calls on the same uint8 input (normalised in torch, as the graph does)."""
    import torch

    from aegis.training.inputs import pixel_input

    torch.set_num_threads(threads)
    crops = torch.from_numpy(x)
    with torch.no_grad():
        return time_calls(lambda: c.torch_model(pixel_input(crops, c.onnx.info)), n)


def _stats(values: list[float], prefix: str) -> dict:
    """Mean, median and p90 of a list of milliseconds."""
    v = np.array(values)
    return {f"{prefix}_mean": round(float(v.mean()), 3), f"{prefix}_median": round(float(np.median(v)), 3),
            f"{prefix}_p90": round(float(np.percentile(v, 90)), 3), f"{prefix}_runs": len(v)}


def table(report: list[dict], accuracies: dict[str, float]) -> str:
    """Table II's layout: network, top-1 accuracy, ms and params."""
    with_torch = any("torch_ms_median" in row for row in report)
    lines = [f"{'Network':<28} {'Top-1 (%)':>9} {'ms':>8}" + (f" {'torch ms':>9}" if with_torch else "")
             + f" {'Params':>11}"]
    for row in report:
        acc = accuracies.get(row["model"])
        acc_text = f"{100 * acc:.1f}" if acc is not None else "-"
        if row["params"] is not None:
            params = f"{row['params']:,} "
        else:
            params = f"{row['onnx_weights']:,}*" if row.get("onnx_weights") is not None else "- "
        torch_ms = f" {row['torch_ms_median']:>9.3f}" if "torch_ms_median" in row else f" {'-':>9}"
        lines.append(f"{row['model']:<28} {acc_text:>9} {row['ms_median']:>8.3f}" + (torch_ms if with_torch else "")
                     + f" {params:>11}")
    if any(row["params"] is None for row in report):
        lines.append("* weights in the ONNX graph, batch norm folded into the convolutions (the network's own count "
                     "needs torch and a registry name)")
    return "\n".join(lines)
