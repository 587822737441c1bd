"""The nightly step of exit cases. The body is calls to services."""

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.exits.services.billing import exit_bills_raise
from anju.exits.services.cases import overstays_begin


@db_periodic_task(local_crontab(hour="1", minute="20"))
def exits_nightly_task() -> dict[str, int]:
    """Cases whose moving period ended yesterday with the household still in the unit
    move to an overstay (market rent or the court); then the month's moving-period and
    overstay rent is billed, once per case and month."""
    today = timezone.localdate()
    return {"overstays": overstays_begin(today), "bills": exit_bills_raise(today)}
