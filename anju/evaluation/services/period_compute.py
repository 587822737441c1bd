"""Computing an open period's scores, in the background with a progress bar.

For each party kind with a scheme in force, the parties of the period get a scorecard
(`Evaluation`); scorecards already there are kept, so manual scores and objections
survive a rerun, and a party that has dropped out loses its scorecard unless someone
has scored or objected on it. Each computed indicator is one set-based `compute()` over
the period and one bulk upsert of its scores; each manual indicator gets an empty score
to fill in. Totals (the weighted mean of the scores there are), draft grades and ranks
(ties share a rank) are then worked out in memory and written back in bulk. Once the
period is disclosed its scores are frozen: only a resolved objection changes one.

`evaluation_rescore` does the same for one scorecard after a manual score or a
resolution, and re-ranks its party kind."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus

from ..models import Evaluation, PartyKind, Period, PeriodStatus, Score
from ..scoring import line_score, weighted_total
from .periods import check_status, schemes_in_force

logger = logging.getLogger(__name__)

RUN_KIND = "evaluation.compute"
BATCH = 2000
EVALUATION_FIELDS = ["total", "grade", "rank", "scheme", "estate"]
# A compute job unfinished after this long is taken to have died with its worker.
STALE_MINUTES = 60


# --- The job ------------------------------------------------------------------------------


def period_compute_start(period: Period, *, actor) -> JobRun:
    """Queue the computation of `period`'s scores (again, if it has been computed)."""
    check_status(period, PeriodStatus.OPEN)
    if period.job_id and not period.job.is_finished:
        # A job that shows no sign of life for an hour died with its worker: it no
        # longer blocks a new one.
        stale = timezone.now() - datetime.timedelta(minutes=STALE_MINUTES)
        if period.job.created_at > stale:
            raise DomainError(
                _("The scores of %(name)s are being computed already.") % {"name": period.name},
                code="running",
            )
        JobRun.objects.filter(pk=period.job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            message=_("Abandoned: no progress for an hour; computed again."),
        )
    with transaction.atomic():
        job = JobRun.objects.create(
            kind=RUN_KIND,
            created_by=actor,
            message=_("Waiting to compute the scores…"),
            params={"period": period.pk, "language": translation.get_language()},
        )
        period.job = job
        period.save(update_fields=["job"])
        audit.record(actor=actor, action="evaluation.period_compute", target=period)
        from anju.evaluation.tasks.periods import compute_period_task

        transaction.on_commit(lambda: compute_period_task(job.pk))
    return job


def period_compute_job_run(job_id: int) -> JobRun:
    """The background job's body. A finished job is left alone, so a retried task does
    nothing (and a second computation would change nothing anyway)."""
    job = JobRun.objects.get(pk=job_id)
    if job.is_finished:
        return job
    params = job.params or {}
    language = params.get("language")
    with translation.override(language) if language else nullcontext():
        period = Period.objects.get(pk=params["period"])
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING,
            message=_("Computing the scores of %(name)s…") % {"name": period.name},
        )

        def progress(done: int, total: int) -> None:
            JobRun.objects.filter(pk=job.pk).update(done=done, total=total)

        try:
            counts = period_compute(period, progress=progress)
        except Exception as exc:
            logger.exception("evaluation compute job %s failed", job.pk)
            job.refresh_from_db(fields=["done", "total"])
            job.status = JobStatus.FAILED
            job.message = (
                _("Computing stopped: %(error)s. Run it again; nothing is lost.")
                % {"error": getattr(exc, "message", exc)}
            )[:300]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.refresh_from_db(fields=["total"])
            job.status = JobStatus.DONE
            job.message = (
                _("Scores of %(name)s computed: %(n)s scorecards.")
                % {"name": period.name, "n": sum(counts.values())}
            )[:300]
            job.result = {
                "counts": counts,
                "next_url": reverse("evaluation_period", args=[period.pk]),
            }
            job.done = job.total = max(job.total, 1)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job


# --- The work -----------------------------------------------------------------------------


def period_compute(
    period: Period,
    *,
    progress: Callable[[int, int], None] | None = None,
    kinds: Iterable[str] | None = None,
) -> dict[str, int]:
    """Compute every score of the open `period` (of the party `kinds` only, when
    given); returns the scorecards per party kind."""
    check_status(period, PeriodStatus.OPEN)
    from ..indicators.base import definition
    from ..indicators.parties import parties

    schemes = schemes_in_force(period.kind, period.starts_on)
    if kinds is not None:
        schemes = {kind: scheme for kind, scheme in schemes.items() if kind in set(kinds)}
    lines = {
        kind: list(scheme.lines.select_related("indicator").order_by("sort", "id"))
        for kind, scheme in schemes.items()
    }
    total = sum(len(kind_lines) + 1 for kind_lines in lines.values())
    done = 0
    counts: dict[str, int] = {}
    start, end = period.starts_on, period.ends_on
    for kind, scheme in schemes.items():
        with transaction.atomic():
            evaluations = _sync_evaluations(period, kind, scheme, parties(kind, start, end))
            # Lines of a scheme no longer in force go (the scheme changed mid-period).
            Score.objects.filter(evaluation__period=period, evaluation__party_kind=kind).exclude(
                line__scheme=scheme
            ).delete()
        done += 1
        if progress:
            progress(done, total)
        scores: dict[int, dict[int, object]] = defaultdict(dict)
        party_of = _party_field(kind)
        for line in lines[kind]:
            with transaction.atomic():
                if line.indicator.is_manual:
                    _scores_upsert(
                        [(e.pk, line.pk, None, None, None, None) for e in evaluations], keep=True
                    )
                    for evaluation_id, score in Score.objects.filter(
                        evaluation__period=period, line=line
                    ).values_list("evaluation_id", "score"):
                        scores[evaluation_id][line.pk] = score
                else:
                    measures = definition(line.indicator.source).compute(start, end)
                    rows = []
                    for e in evaluations:
                        m = measures.get(getattr(e, party_of))
                        value = m.value if m else None
                        score = line_score(value, line.target, line.zero_at)
                        scores[e.pk][line.pk] = score
                        rows.append(
                            (
                                e.pk,
                                line.pk,
                                value,
                                m.count if m else None,
                                m.hits if m else None,
                                score,
                            )
                        )
                    _scores_upsert(rows)
            done += 1
            if progress:
                progress(done, total)
        weights = [(line.pk, line.weight) for line in lines[kind]]
        for e in evaluations:
            mine = scores[e.pk]
            e.total = weighted_total((w, mine.get(pk)) for pk, w in weights)
            e.grade = scheme.grade_for(e.total)
        assign_ranks(evaluations)
        with transaction.atomic():
            write_evaluations(evaluations)
        counts[kind] = len(evaluations)
    period.computed_at = timezone.now()
    period.save(update_fields=["computed_at"])
    return counts


def _party_field(kind: str) -> str:
    return "household_id" if kind == PartyKind.TENANT else "organisation_id"


def _sync_evaluations(period: Period, kind: str, scheme, party_list) -> list[Evaluation]:
    """The scorecards of `kind` for the parties, creating the missing ones in bulk and
    dropping those of parties gone (unless scored by hand or objected to)."""
    party_of = _party_field(kind)
    existing = {
        getattr(e, party_of): e for e in Evaluation.objects.filter(period=period, party_kind=kind)
    }
    wanted = {p.id: p for p in party_list}
    org = party_of == "organisation_id"
    _executemany(
        _insert_sql(
            Evaluation,
            ["period", "party_kind", "organisation", "household", "estate", "scheme", "grade"],
        ),
        (
            (
                period.pk,
                kind,
                p.id if org else None,
                None if org else p.id,
                p.estate_id,
                scheme.pk,
                "",
            )
            for p in party_list
            if p.id not in existing
        ),
    )
    fresh = [
        e
        for e in Evaluation.objects.filter(period=period, party_kind=kind)
        if getattr(e, party_of) not in existing
    ]
    gone = [e.pk for party, e in existing.items() if party not in wanted]
    kept_gone: set[int] = set()
    if gone:
        for chunk in _chunks(gone):
            kept_gone |= set(
                Evaluation.objects.filter(pk__in=chunk)
                .filter(Q(scores__scored_at__isnull=False) | Q(objections__isnull=False))
                .values_list("pk", flat=True)
            )
            Evaluation.objects.filter(pk__in=set(chunk) - kept_gone).delete()
    kept = []
    for party, e in existing.items():
        if party in wanted:
            e.estate_id = wanted[party].estate_id
        elif e.pk not in kept_gone:
            continue
        e.scheme = scheme
        kept.append(e)
    return kept + fresh


def _chunks(items: list, size: int = 5000) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def assign_ranks(evaluations: Iterable[Evaluation]) -> None:
    """Rank by total, best first; equal totals share a rank (1, 1, 3); no total, no
    rank."""
    graded = sorted((e for e in evaluations if e.total is not None), key=lambda e: -e.total)
    rank, previous = 0, None
    for position, e in enumerate(graded, 1):
        if e.total != previous:
            rank, previous = position, e.total
        e.rank = rank
    for e in evaluations:
        if e.total is None:
            e.rank = None


def write_evaluations(evaluations: list[Evaluation]) -> None:
    """Write totals, grades, ranks (and scheme and estate) of saved scorecards in bulk:
    one prepared UPDATE run over them all."""
    table = connection.ops.quote_name(Evaluation._meta.db_table)
    fields = [Evaluation._meta.get_field(name) for name in EVALUATION_FIELDS]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    _executemany(
        f"UPDATE {table} SET {sets} WHERE id = %s",
        ([getattr(e, f.attname) for f in fields] + [e.pk] for e in evaluations),
    )


# --- Bulk SQL -----------------------------------------------------------------------------
# The ORM's bulk_create builds and runs its SQL object by object; over 90,000 households
# times five indicators that is most of a run. These write the same rows with one
# prepared statement each, in the same SQL on SQLite and PostgreSQL.


def _executemany(sql: str, rows: Iterable) -> int:
    written = 0
    batch: list = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH * 5:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _insert_sql(model, names: list[str]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"


SCORE_COLUMNS = ["evaluation", "line", "value", "count", "hits", "score", "comment", "adjusted"]


def _scores_upsert(rows: list[tuple], *, keep: bool = False) -> int:
    """(evaluation_id, line_id, value, count, hits, score) rows: inserted, or on the
    scorecard's line already there updated (`keep`: left as they are)."""
    quote = connection.ops.quote_name
    sql = _insert_sql(Score, SCORE_COLUMNS) + ' ON CONFLICT ("evaluation_id", "line_id") DO '
    if keep:
        sql += "NOTHING"
    else:
        sql += "UPDATE SET " + ", ".join(
            f"{quote(c)} = excluded.{quote(c)}" for c in ("value", "count", "hits", "score")
        )
    return _executemany(sql, ((*row, "", False) for row in rows))


# --- One scorecard ------------------------------------------------------------------------


def evaluation_rescore(evaluation: Evaluation) -> Evaluation:
    """Work out one scorecard's total and draft grade again from its scores, and the
    ranks of its party kind in the period."""
    pairs = Score.objects.filter(evaluation=evaluation).values_list("line__weight", "score")
    evaluation.total = weighted_total(pairs)
    evaluation.grade = evaluation.scheme.grade_for(evaluation.total)
    evaluation.save(update_fields=["total", "grade"])
    ranks_update(evaluation.period_id, evaluation.party_kind)
    evaluation.refresh_from_db(fields=["rank"])
    return evaluation


def ranks_update(period_id: int, kind: str) -> int:
    """Rank one party kind of a period again; write only the ranks that changed."""
    evaluations = list(Evaluation.objects.filter(period_id=period_id, party_kind=kind))
    before = {e.pk: e.rank for e in evaluations}
    assign_ranks(evaluations)
    changed = [e for e in evaluations if e.rank != before[e.pk]]
    if changed:
        write_evaluations(changed)
    return len(changed)
