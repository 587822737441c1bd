"""Periodic work on the consequences of evaluations. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.evaluation.services.consequence_sweeps import consequences_expire


@db_periodic_task(local_crontab(hour="0", minute="20"))
def consequences_expire_task() -> int:
    """Standings, titles, discounts and other consequences whose term has run out are
    marked done."""
    return consequences_expire()
