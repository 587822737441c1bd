"""Background work of the yearly recertification. Each body is one call to a service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(hour="1", minute="50"))
def recert_nightly_task() -> dict:
    """For every open recertification campaign: take in the agencies' answers, remind
    the households that have not declared (a week before the deadline and on the day),
    and after the deadline give them the outcome "no declaration" and ask their
    community to visit. Running it twice changes nothing."""
    from anju.tenancy.services.recertification import recert_nightly

    return recert_nightly(timezone.localdate())


@db_task()
def recert_compute_task(job_id: int) -> None:
    """Compute the outcomes of a campaign for JobRun `job_id`, keeping its progress."""
    from anju.tenancy.services.recertification import recert_compute_job_run

    recert_compute_job_run(job_id)
