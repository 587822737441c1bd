"""Reads of the admission app that more than one view (or the API) needs, one module
per step, as in `services`."""
