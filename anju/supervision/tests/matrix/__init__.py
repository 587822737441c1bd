"""Scoping-matrix rows of the supervision app, one module per area (see
anju/testing/matrix.py)."""
