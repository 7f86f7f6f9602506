"""Inference without torch: ONNX Runtime sessions, per-stream face pipelines and their results."""
