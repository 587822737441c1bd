"""Screening (异常筛查): turn the door and meter data of a window of days into ranked,
explained leads. A lead is never a verdict: a person confirms it on an inspection.

`screening_run` computes every occupied unit's features in one SQL statement
(`screening_sql`), applies the rules (`screening_rules`) and keeps the run with its
flags and the threshold values it used; each run is kept, none replaces another. Staff
start one as a background job (`screening_job_start`), the schedule screens the window
ending yesterday every night (`screening_scheduled`), and `anju screen` runs one from
the command line. `flags_csv` writes a run's flags as `unit_code,flag,score,evidence`.

The `features` of a flag (the same dict on every flag of a unit in a run; the keys are
stable, pages read them):

- `window_days`, `window_from`, `window_to`: the window screened (ISO dates).
- `household_size`: the household's current members.
- `observed_days`: the days the access shares are counted over: the window, less the
  lock's silent run when `lock_silent`.
- `lock_days`: days the unit's lock reported anything (denied attempts included).
- `registered_days`: days a registered member came in (a granted opening).
- `unregistered_days`: days an unregistered credential came in.
- `regular_members`: members seen on at least `regular_share` of the window's days.
- `unregistered_credentials`: distinct unregistered credentials (an anonymous password
  or key counts once per type).
- `regular_unregistered`: of those, seen on at least `regular_share` of the days.
- `passing_visitors`: named unregistered credentials seen on 1 to `passing_days` days.
- `passing_days`: that threshold, as the run used it.
- `elec_kwh_per_day`, `water_m3_per_day`: average daily use over the days with meter
  data (None: no meter data).
- `elec_median`, `water_median`: the median of the same for households of the same
  size, `median_scope` "estate" or "district" (too few of that size in the estate).
- `elec_ratio`, `water_ratio`: use ÷ median (None when either is missing).
- `meter_days`: days with meter data; `meter_resets`: readings that went backwards
  (a replacement or fault; never counted as negative use).
- `quiet_run_days`, `quiet_from`, `quiet_to`: the longest run of days with no access
  and no use above standby, and its first and last day (None when there is none).
- `lock_silent_run`, `lock_silent_from`, `lock_silent_to`: the longest run of days the
  lock reported nothing; `lock_silent_use_days`: its days with electricity above
  standby; `lock_silent`: the run is at least `lock_silent_days` long and the meters
  showed use on at least `lock_silent_use_share` of it (the lock, not the home, was
  quiet)."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import logging
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus

from .. import thresholds
from ..models import RunStatus, RunTrigger, ScreeningFlag, ScreeningRun
from .screening_rules import evaluate, evidence_text, features_of
from .screening_sql import Window, unit_features

logger = logging.getLogger(__name__)

JOB_KIND = "supervision.screening"
# A week says nothing about habits; a year is as far back as the event tables are kept
# hot (and what the thresholds page accepts for window_days).
WINDOW_MIN, WINDOW_MAX = 7, 366
CSV_COLUMNS = ("unit_code", "flag", "score", "evidence")
FLAG_BATCH = 2000

Progress = Callable[[int, int], None]


def _check(until: datetime.date, window_days: int) -> None:
    if not isinstance(until, datetime.date):
        raise DomainError(_("Give the last day of the window as a date."), code="until")
    if until > timezone.localdate():
        raise DomainError(
            _("The window cannot end after today: there is no data yet."), code="until"
        )
    if not WINDOW_MIN <= int(window_days) <= WINDOW_MAX:
        raise DomainError(
            _("The window must be from %(min)s to %(max)s days.")
            % {"min": WINDOW_MIN, "max": WINDOW_MAX},
            code="window",
        )


def screening_run(
    *,
    until: datetime.date,
    window_days: int,
    trigger: str,
    actor=None,
    progress: Progress | None = None,
    job: JobRun | None = None,
) -> ScreeningRun:
    """Screen every occupied unit over the `window_days` days ending `until` and keep
    the run, its flags (with their features and evidence) and the thresholds used."""
    _check(until, window_days)
    if trigger not in RunTrigger.values:
        raise DomainError(_("Unknown trigger."), code="trigger")
    tick = progress or (lambda done, total: None)
    values = thresholds.current()
    window = Window(until, int(window_days))
    run = ScreeningRun.objects.create(
        until=until,
        window_days=window.days,
        trigger=trigger,
        created_by=actor,
        job=job,
        thresholds={key: str(value) for key, value in values.items()},
    )
    tick(0, 3)
    try:
        rows = unit_features(window, values)
        tick(1, 3)
        flags = []
        for row in rows:
            features = features_of(row, window, values)
            raised = evaluate(features, values)
            for flag, score in raised:
                flags.append(
                    ScreeningFlag(
                        run=run,
                        unit_id=row[0],
                        household_id=row[1],
                        estate_id=row[2],
                        flag=flag,
                        score=score,
                        evidence=evidence_text(flag, features),
                        features=features,
                    )
                )
        tick(2, 3)
        counts = Counter(f.flag for f in flags)
        with transaction.atomic():
            ScreeningFlag.objects.bulk_create(flags, batch_size=FLAG_BATCH)
            run.status = RunStatus.DONE
            run.units = len(rows)
            run.flags = len(flags)
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "units", "flags", "finished_at"])
            audit.record(
                actor=actor,
                action="screening.run",
                target=run,
                changes={
                    "until": until,
                    "window_days": window.days,
                    "trigger": trigger,
                    "units": run.units,
                    "flags": run.flags,
                    **{f"flags_{flag}": n for flag, n in sorted(counts.items())},
                },
            )
        tick(3, 3)
    except Exception:
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now()
        )
        raise
    return run


def screening_verdict(run: ScreeningRun) -> str:
    return ngettext(
        "Screened %(units)s units over %(days)s days to %(until)s: %(n)s flag raised.",
        "Screened %(units)s units over %(days)s days to %(until)s: %(n)s flags raised.",
        run.flags,
    ) % {"units": run.units, "days": run.window_days, "until": run.until, "n": run.flags}


# --- As a background job, and on the schedule ------------------------------------------


def screening_job_start(*, actor, until: datetime.date, window_days: int) -> JobRun:
    """Queue a screening of the window; the job page follows its progress and then
    points at the run's results."""
    _check(until, window_days)
    job = JobRun.objects.create(
        kind=JOB_KIND,
        created_by=actor,
        message=_("Waiting to start the screening…"),
        params={
            "until": until.isoformat(),
            "window_days": int(window_days),
            "language": translation.get_language(),
        },
    )
    from ..tasks.screening import screening_task

    transaction.on_commit(lambda: screening_task(job.pk))
    return job


def screening_job_run(job_id: int) -> JobRun:
    """The background job's body. A job that has already finished is left alone, so a
    retried task does nothing."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    params = job.params or {}
    language = params.get("language")
    with translation.override(language) if language else nullcontext():
        steps = {
            0: _("Computing each unit's features…"),
            1: _("Applying the rules…"),
            2: _("Saving the flags…"),
            3: _("Saving the flags…"),
        }
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, message=steps[0], done=0, total=3
        )

        def progress(done: int, total: int) -> None:
            JobRun.objects.filter(pk=job.pk).update(done=done, total=total, message=steps[done])

        try:
            run = screening_run(
                until=datetime.date.fromisoformat(params["until"]),
                window_days=int(params["window_days"]),
                trigger=RunTrigger.MANUAL,
                actor=job.created_by,
                progress=progress,
                job=job,
            )
        except DomainError as exc:
            job.status, job.message = JobStatus.FAILED, str(exc.message)[:300]
            job.result = {"error": str(exc.message)}
        except Exception as exc:
            logger.exception("screening job %s failed", job.pk)
            job.status = JobStatus.FAILED
            job.message = (_("The screening stopped: %(error)s.") % {"error": exc})[:300]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.status = JobStatus.DONE
            job.message = screening_verdict(run)[:300]
            job.result = {"run": run.pk, "flags": run.flags, "units": run.units}
            with contextlib.suppress(NoReverseMatch):  # the results page is not installed
                job.result["next_url"] = reverse("screening_results") + f"?run={run.pk}"
            job.done = job.total = 3
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job


def screening_scheduled(today: datetime.date | None = None) -> ScreeningRun:
    """The nightly run: the window of `window_days` (the threshold in force) ending
    yesterday, in the district's time."""
    today = today or timezone.localdate()
    return screening_run(
        until=today - datetime.timedelta(days=1),
        window_days=int(thresholds.value("window_days")),
        trigger=RunTrigger.SCHEDULE,
    )


# --- Output ------------------------------------------------------------------------------


def flags_csv(run: ScreeningRun, flags=None) -> str:
    """The run's flags (or the given queryset of them) as CSV: a header row, then
    `unit_code,flag,score,evidence` by score, highest first."""
    qs = run.flag_rows.all() if flags is None else flags
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for code, flag, score, evidence in qs.order_by("-score", "unit__code", "flag").values_list(
        "unit__code", "flag", "score", "evidence"
    ):
        writer.writerow((code, flag, f"{score:.3f}", evidence))
    return out.getvalue()
