"""Repairs (报修) and feedback (诉求): the tenants' service channel, with deadlines
the system keeps, escalation when they pass, and ratings that the evaluation reads.
Named helpdesk rather than "services" because every app's `services` package holds its
write rules."""
