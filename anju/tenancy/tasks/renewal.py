"""Nightly renewal work (art. 30). Each body is one call to a service."""

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.tenancy.services.leases import leases_roll
from anju.tenancy.services.renewal import renewal_reminders_send


@db_periodic_task(local_crontab(hour="1", minute="10"))
def renewal_reminders_task() -> int:
    """Queue the SMS reminders of leases whose renewal window opened (and, a set number
    of days later, the second one) and that have no renewal application."""
    return renewal_reminders_send(timezone.localdate())


@db_periodic_task(local_crontab(hour="1", minute="30"))
def leases_roll_task() -> dict:
    """Put renewal leases in force the day after the old lease ends; list the
    households whose lease ended with no renewal application as "must vacate"."""
    result = leases_roll(timezone.localdate())
    return {"started": result.started, "listed": result.listed}
