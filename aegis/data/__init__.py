"""Crops to windows, window stores and dataset building, shared by offline builds and the live stream."""
