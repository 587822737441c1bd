"""The bill run as a background job, and on its schedule.

On demand, a page starts a JobRun for one month and the worker runs `bill_run`, estate
by estate, keeping the job's progress up to date. An operator clerk's run covers the
estates they work for; the authority's the whole district. On the 1st of each month
the schedule runs the month for every estate, with no actor. A month already billed
creates nothing, so a run repeated, retried or overlapping the schedule is harmless."""

from __future__ import annotations

import datetime
import logging
from contextlib import nullcontext

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus
from anju.core.scoping import sees_whole_district
from anju.housing.models import Estate

from ..models import BillRun
from .billing import bill_run, month_bounds

logger = logging.getLogger(__name__)

RUN_KIND = "tenancy.bill_run"


def billrun_job_start(*, actor, month: datetime.date) -> JobRun:
    """Queue the bill run of `month` over the estates `actor` works for (all of them
    for the district-wide roles). A month after the current one cannot be billed yet:
    its rent may still change."""
    first, _last = month_bounds(month)
    if first > timezone.localdate().replace(day=1):
        raise DomainError(_("A month that has not begun cannot be billed."), code="future")
    estates: list[int] | None = None
    if not sees_whole_district(actor):
        estates = list(Estate.objects.visible_to(actor).order_by("pk").values_list("pk", flat=True))
        if not estates:
            raise DomainError(
                _("You work for no estate, so there is nothing to bill."), code="scope"
            )
    job = JobRun.objects.create(
        kind=RUN_KIND,
        created_by=actor,
        message=_("Waiting to start the bill run…"),
        params={
            "month": first.isoformat(),
            "estates": estates,
            "language": translation.get_language(),
        },
    )
    from anju.tenancy.tasks.billing import bill_run_task

    transaction.on_commit(lambda: bill_run_task(job.pk))
    return job


def billrun_job_run(job_id: int) -> JobRun:
    """The background job's body. A job that has already finished is left alone, so a
    retried task does nothing (and a second run would create nothing anyway)."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    params = job.params or {}
    language = params.get("language")
    with translation.override(language) if language else nullcontext():
        month = datetime.date.fromisoformat(params["month"])
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, message=_("Billing %(month)s…") % {"month": f"{month:%Y-%m}"}
        )

        def progress(done: int, total: int) -> None:
            JobRun.objects.filter(pk=job.pk).update(done=done, total=total)

        estates = params.get("estates")
        try:
            run = bill_run(
                month,
                actor=job.created_by,
                estates=Estate.objects.filter(pk__in=estates) if estates is not None else None,
                job=job,
                progress=progress,
            )
        except Exception as exc:
            logger.exception("bill run job %s failed", job.pk)
            job.refresh_from_db(fields=["done", "total"])
            job.status = JobStatus.FAILED
            job.message = (
                _(
                    "The bill run stopped: %(error)s. The estates billed before are kept; "
                    "run the month again to bill the rest."
                )
                % {"error": exc}
            )[:300]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.refresh_from_db(fields=["total"])
            job.status = JobStatus.DONE
            job.message = billrun_verdict(run)[:300]
            job.result = {
                "run": run.pk,
                "created": run.created,
                "next_url": reverse("billrun_detail", args=[run.pk]),
            }
            job.done = job.total = max(job.total, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job


def billrun_scheduled(today: datetime.date | None = None) -> BillRun:
    """The run of the schedule: the current month (in the district's time), every
    estate, no actor."""
    today = today or timezone.localdate()
    return bill_run(today.replace(day=1), actor=None)


def billrun_verdict(run: BillRun) -> str:
    return ngettext(
        "Bill run of %(month)s: %(n)s bill created.",
        "Bill run of %(month)s: %(n)s bills created.",
        run.created,
    ) % {"month": f"{run.period:%Y-%m}", "n": run.created}
