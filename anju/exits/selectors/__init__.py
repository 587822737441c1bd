"""Reads of the exits app that more than one page needs, one module per area."""
