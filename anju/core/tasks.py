"""Background tasks of the core app."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.notify import deliver_queued
from anju.core.schedule import local_crontab


@db_periodic_task(local_crontab(minute="*/5"))
def deliver_messages_task() -> int:
    """Hand the queued messages of the outbox to each channel's sender (email, a gateway);
    failures are retried on the next run, up to notify.MAX_ATTEMPTS."""
    return deliver_queued()
