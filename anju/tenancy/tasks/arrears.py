"""Nightly arrears work. Each body is one call to a service; the agreements are checked
first, so that a missed instalment's household gets its next step the same night."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.tenancy.services.agreements import agreements_check_due
from anju.tenancy.services.arrears import automatic_steps_take


@db_periodic_task(local_crontab(hour="1", minute="10"))
def agreements_check_task() -> dict:
    """Check every repayment agreement being kept: a missed instalment ends it and the
    arrears steps resume; one paid off is completed."""
    return agreements_check_due()


@db_periodic_task(local_crontab(hour="1", minute="30"))
def arrears_automatic_steps_task() -> dict:
    """Take the automatic arrears steps the rule table recommends today: SMS reminders,
    and the “must vacate” list for arrears at the art. 29 threshold. Running it twice
    takes nothing more."""
    return automatic_steps_take()
