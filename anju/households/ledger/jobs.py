"""Running the ledger import as a background job: a page starts a JobRun, the worker
runs the import and keeps the JobRun's progress and result up to date."""

import logging
from contextlib import nullcontext
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.core.models import JobRun, JobStatus

from .services import ledger_import

logger = logging.getLogger(__name__)

KIND_CHECK = "ledger.check"
KIND_IMPORT = "ledger.import"


def ledger_job_start(
    *,
    actor,
    file=None,
    from_job: JobRun | None = None,
    dry_run: bool = False,
    only_good_rows: bool = False,
    allow_new_estates: bool = False,
    language: str | None = None,
) -> JobRun:
    """Queue a check (`dry_run`) or an import of an uploaded `file`, or of the file an
    earlier job (`from_job`, typically the check the user just confirmed) received.
    The task starts once the JobRun is committed."""
    from anju.households.tasks import import_ledger_task

    job = JobRun(
        kind=KIND_CHECK if dry_run else KIND_IMPORT,
        created_by=actor,
        params={
            "dry_run": dry_run,
            "only_good_rows": only_good_rows,
            "allow_new_estates": allow_new_estates,
            "language": language or translation.get_language(),
        },
    )
    if from_job is not None:
        job.input_file.name = from_job.input_file.name
        job.params["source"] = from_job.params.get("source", "")
    else:
        name = Path(getattr(file, "name", "") or "ledger").name
        job.params["source"] = name
        job.input_file.save(name, file, save=False)
    job.save()
    transaction.on_commit(lambda: import_ledger_task(job.pk))
    return job


def ledger_job_run(job_id: int) -> JobRun:
    """The body of the background task: run the JobRun's import and record the report.
    A job that already finished is left alone (a retried task does nothing)."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    params = job.params or {}
    language = params.get("language")
    with translation.override(language) if language else nullcontext():
        return _run(job, params)


def _run(job: JobRun, params: dict) -> JobRun:
    checking, writing = _("Checking the rows…"), _("Writing the households…")

    def progress(done: int, total: int) -> None:
        message = checking if done * 2 < total else writing
        JobRun.objects.filter(pk=job.pk).update(done=done, total=total, message=message)

    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, message=checking)
    try:
        with job.input_file.open("rb") as handle:
            report = ledger_import(
                handle,
                actor=job.created_by,
                name=params.get("source") or Path(job.input_file.name).name,
                dry_run=bool(params.get("dry_run")),
                only_good_rows=bool(params.get("only_good_rows")),
                allow_new_estates=bool(params.get("allow_new_estates")),
                progress=progress,
            )
    except Exception as exc:
        logger.exception("ledger import job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = (_("The import failed and nothing was written: %(error)s") % {"error": exc})[
            :300
        ]
        job.result = {"error": str(exc)[:2000]}
    else:
        job.status = JobStatus.DONE
        job.message = report.verdict()[:300]
        job.result = report.to_dict()
        job.refresh_from_db(fields=["total"])
        job.done = job.total = max(job.total, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job
