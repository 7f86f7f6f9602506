"""Shipped ONNX models (see README.md in this folder for the data that trained them)."""
