"""Background tasks of bills and payments. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task, db_task

from anju.core.schedule import local_crontab


@db_periodic_task(local_crontab(day="1", hour="1", minute="0"))
def monthly_bill_run_task() -> int:
    """Bill the new month's rent for every estate, on the 1st at 01:00. A month already
    billed creates nothing."""
    from anju.tenancy.services.billrun_jobs import billrun_scheduled

    return billrun_scheduled().created


@db_task()
def bill_run_task(job_id: int) -> None:
    """Run the bill run of JobRun `job_id`, keeping its progress up to date."""
    from anju.tenancy.services.billrun_jobs import billrun_job_run

    billrun_job_run(job_id)


@db_task()
def statement_import_task(job_id: int) -> None:
    """Import the payment statement of JobRun `job_id` and record its report."""
    from anju.tenancy.services.statements import statement_job_run

    statement_job_run(job_id)
