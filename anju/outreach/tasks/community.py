"""The daily step of activities and surveys. The body is calls to services."""

from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.outreach.services.activities import signups_close_due
from anju.outreach.services.surveys import surveys_close_due


@db_periodic_task(local_crontab(hour="0", minute="15"))
def outreach_daily_task() -> dict[str, int]:
    """Close the surveys whose closing day has passed, and mark sign-up closed on the
    activities whose sign-up deadline has passed."""
    return {"surveys": surveys_close_due(), "activities": signups_close_due()}
