"""Scoping-matrix rows of the exits app, one module per area (see
anju/testing/matrix.py)."""
