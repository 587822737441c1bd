"""Periodic work on work orders. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.helpdesk.services.workorder_sweeps import workorders_daily, workorders_escalate


@db_periodic_task(local_crontab(minute="*/15"))
def workorders_escalate_task() -> dict[str, int]:
    """Overdue work orders go to the property company's managers, and when still
    overdue a day later, to the estate's operator; each person is told once."""
    return workorders_escalate()


@db_periodic_task(local_crontab(hour="0", minute="5"))
def workorders_daily_task() -> dict[str, int]:
    """Deferred work orders whose date has come are taken up again; done orders nobody
    rated within the quiet days close by themselves."""
    return workorders_daily()
