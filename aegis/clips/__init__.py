"""Clip-level recognition in the wild: main-face voting, temporal-pyramid features and ensembles."""
