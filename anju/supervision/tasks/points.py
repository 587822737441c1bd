"""Monthly good-conduct work. Each body is one call to a service."""

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab


@db_periodic_task(local_crontab(day="2", hour="2", minute="20"))
def on_time_credits_task() -> int:
    """Credit the households that paid every bill of the last twelve months by its due
    date (at most once in twelve months). Running it again in the month credits
    nothing more."""
    from anju.supervision.services.credits import on_time_credits_run

    return on_time_credits_run(timezone.localdate())
