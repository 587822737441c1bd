"""Writes of the admission app, one module per step of the path from application to
moving in. Each service checks the state, changes it in one transaction, and writes one
audit entry and one timeline entry."""
