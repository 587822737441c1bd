"""Reads of one scorecard and of the records behind one of its scores.

The drill-down (`trace`) lists the records the indicator's definition reads for the
party and the period, each with what it contributed, and recounts the value from them:
when the recount differs from the stored value, the records changed after the scores
were computed (or an objection corrected the value), and the page says so."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from ..models import Evaluation, Objection, PartyKind, Score, ScoreEvidence

TRACE_PAGE = 25


def scorecard_lines(evaluation: Evaluation) -> list[Score]:
    return list(
        Score.objects.filter(evaluation=evaluation)
        .select_related("line__indicator", "scored_by")
        .prefetch_related(
            Prefetch("evidence", queryset=ScoreEvidence.objects.order_by("pk")),
        )
        .order_by("line__sort", "line_id")
    )


def scorecard_objections(evaluation: Evaluation) -> list[Objection]:
    return list(
        evaluation.objections.select_related(
            "score__line__indicator", "raised_by", "resolved_by"
        ).order_by("status", "-raised_at", "-pk")
    )


def party_id(evaluation: Evaluation) -> int:
    return (
        evaluation.household_id
        if evaluation.party_kind == PartyKind.TENANT
        else evaluation.organisation_id
    )


@dataclass
class Trace:
    columns: list
    page: object  # a Page of rows: [(cells, contribution, url)]
    measure: object  # the recount from every record
    count: int
    hits: int | None
    matches: bool
    is_ratio: bool

    @property
    def not_counted(self) -> int:
        return self.count - (self.hits or 0)


def _lookup(record, path: str):
    value = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
        if callable(value) and not hasattr(value, "pk"):
            value = value()
    return value


def _display(record, path: str):
    *head, last = path.split("__")
    owner = _lookup(record, "__".join(head)) if head else record
    method = getattr(owner, f"get_{last}_display", None) if owner is not None else None
    if callable(method):
        return method()
    return _lookup(record, path)


def _may_open(user, url: str) -> bool:
    try:
        match = resolve(url)
    except Resolver404:
        return False
    perm = getattr(match.func, "anju_perm", None)
    if perm is None:
        return True
    perms = (perm,) if isinstance(perm, str) else perm
    return any(user.can(p) for p in perms)


def trace(score: Score, user, page_number=None) -> Trace:
    from ..indicators.base import Ratio, definition

    evaluation = score.evaluation
    period = evaluation.period
    d = definition(score.line.indicator.source)
    records = d.records(period.starts_on, period.ends_on, party_id(evaluation))
    # A rate's records that did not count (the late orders, say) come first: they are
    # what a reader looks for.
    records = (
        records.order_by("contribution", "pk") if isinstance(d, Ratio) else records.order_by("pk")
    )
    measure = d.measure_of(records)
    page = Paginator(records, TRACE_PAGE).get_page(page_number)
    rows = []
    for record in page.object_list:
        url = ""
        if d.detail_url:
            try:
                candidate = reverse(d.detail_url, args=[_lookup(record, d.detail_arg)])
            except NoReverseMatch:
                candidate = ""
            if candidate and _may_open(user, candidate):
                url = candidate
        cells = [_display(record, c.lookup) for c in d.columns]
        rows.append((cells, record.contribution, url))
    page.object_list = rows
    is_ratio = isinstance(d, Ratio)
    matches = measure.value == score.value and (
        not is_ratio or (measure.count == score.count and measure.hits == score.hits)
    )
    return Trace(
        columns=list(d.columns),
        page=page,
        measure=measure,
        count=page.paginator.count,
        hits=measure.hits,
        matches=matches,
        is_ratio=is_ratio,
    )
