"""Background work of the screening. Each body is one call to a service."""

from huey.contrib.djhuey import db_periodic_task, db_task

from anju.core.schedule import local_crontab


@db_periodic_task(local_crontab(hour="2", minute="30"))
def screening_nightly_task() -> dict:
    """Screen every occupied unit over the window (the `window_days` threshold) ending
    yesterday, at 02:30 in the district's time, after the gateways have sent the day."""
    from anju.supervision.services.screening import screening_scheduled

    run = screening_scheduled()
    return {"run": run.pk, "units": run.units, "flags": run.flags}


@db_task()
def screening_task(job_id: int) -> None:
    """Run the screening of JobRun `job_id`, keeping its progress up to date."""
    from anju.supervision.services.screening import screening_job_run

    screening_job_run(job_id)
