"""Background tasks of the admission app. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task, db_task

from anju.admission.services.notice import notices_close_due
from anju.admission.services.waiting import refreshes_close_due
from anju.core.schedule import local_crontab


@db_periodic_task(local_crontab(hour="0", minute="20"))
def close_notices_task() -> int:
    """Close every public notice whose period ended yesterday or earlier: the households
    with no open objection join the waiting list."""
    return notices_close_due()


@db_periodic_task(local_crontab(hour="0", minute="40"))
def close_contact_refreshes_task() -> int:
    """Close every yearly contact refresh whose answer date has passed: the households
    that did not answer are suspended, and the positions recomputed."""
    return refreshes_close_due()


@db_task()
def verification_answers_task(job_id: int) -> None:
    """Import the agency's answer file of JobRun `job_id`, keeping its progress and
    report up to date."""
    from anju.admission.services.verification.answers import batch_answers_job_run

    batch_answers_job_run(job_id)
