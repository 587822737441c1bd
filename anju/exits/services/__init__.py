"""The exits app's services: every change of an exit case, a handover, a settlement or
an exchange goes through one of these, with an audit entry and a timeline entry."""
