"""Background tasks of evaluation periods. Each body is one call to a service."""

from huey.contrib.djhuey import db_task


@db_task()
def compute_period_task(job_id: int) -> None:
    """Compute the scores of the evaluation period of JobRun `job_id`, keeping its
    progress up to date."""
    from anju.evaluation.services.period_compute import period_compute_job_run

    period_compute_job_run(job_id)
