"""The admission app's rows of the scoping matrix, one module per step; see
anju/testing/matrix.py."""
