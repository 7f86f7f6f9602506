"""Evaluation of frame and clip models (no torch): stores, face crops, CK+ sequences and labelled videos, into typed
reports, and their plots."""
