"""Background tasks of the households app. Each body is one call to a service."""

from huey.contrib.djhuey import db_task

from anju.households.ledger.jobs import ledger_job_run


@db_task()
def import_ledger_task(job_id: int) -> None:
    """Import (or only check) the ledger file of JobRun `job_id`, keeping its progress
    and result up to date."""
    ledger_job_run(job_id)
