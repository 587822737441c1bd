"""The clock of feedback. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.helpdesk.services.feedback_clock import feedback_autoclose, feedback_escalate_overdue


@db_periodic_task(local_crontab(minute="*/15"))
def feedback_escalate_task() -> int:
    """Every quarter of an hour: escalate feedback one level up for each deadline (to
    acknowledge, to answer) passed unmet; a deadline already escalated is not again."""
    return feedback_escalate_overdue()


@db_periodic_task(local_crontab(hour="1", minute="40"))
def feedback_autoclose_task() -> int:
    """Nightly: close answered feedback nobody rated within ANJU_FEEDBACK_AUTOCLOSE_DAYS."""
    return feedback_autoclose()
