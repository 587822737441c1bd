"""The district at a glance (驾驶舱): seven panels for the authority's wall screen, each a
few aggregate queries over the records the viewer may see (the officer and the auditor
see the whole district), shaped for the page's charts.

Every panel is a dict: its `title`, the `url` of its list, `kpis` (big numbers, each
with a link) and `charts`. A chart has a `kind` (pie, bar, hbar, stack, line), its
`categories`, and `series` whose points carry the URL of the list they drill down to
(`urls`, parallel to `data`). Nothing here loops over records in Python: the district
has 100,000 units.

What counts:
1. occupancy: units occupied or being vacated, of all units; the mix of unit statuses;
2. the waiting list: households waiting (not suspended), by category; the long waits
   are the rule set's (waiting or suspended longer than its guideline);
3. rent collection: this month's rent bills, paid so far; each of the last 12 months'
   rate by the month's end (tenancy's collection report); households in arrears by age;
4. open cases: violation cases not closed, by type and status; exit cases in progress,
   by stage;
5. the latest finished screening run's flags still open or being inspected, by kind;
   inspection tasks closed in the last 365 days, by finding;
6. feedback not yet answered, by topic; this month's feedback answered in time; this
   month's repairs responded to and done in time (helpdesk's SLA report);
7. the latest published evaluation period's ranking of operators and property
   companies; rectification orders in effect, overdue and due within 30 days."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anju.admission.models import WaitingEntry, WaitingStatus
from anju.core.errors import DomainError
from anju.core.scoping import sees_whole_district
from anju.exits.models import ExitCase, Stage
from anju.helpdesk.models import Feedback, FeedbackTopic, WorkOrder
from anju.helpdesk.models.feedback import OPEN_FEEDBACK
from anju.helpdesk.selectors.feedback import month_bounds
from anju.helpdesk.selectors.repair_reports import sla_compliance
from anju.households.models import Category
from anju.housing.models import Unit, UnitStatus
from anju.supervision.models import (
    CaseStatus,
    CaseType,
    Finding,
    FlagKind,
    FlagStatus,
    ScreeningFlag,
    TaskStatus,
    ViolationCase,
)
from anju.supervision.selectors.inspections import tasks_for
from anju.supervision.selectors.screening import latest_run
from anju.tenancy.models import Allocation, Bill, BillKind, BillStatus, Payment
from anju.tenancy.selectors.arrears import bucket_totals

from ..models import (
    PUBLICLY_RANKED,
    ConsequenceKind,
    ConsequenceState,
    Evaluation,
    Grade,
    PartyKind,
    Period,
    PeriodStatus,
)
from ..models import Consequence as ConsequenceModel

PERCENT = Decimal("0.1")
DUE_SOON_DAYS = 30
RESULTS_DAYS = 365
TOPICS_SHOWN = 6
RANKED_SHOWN = 12  # parties drawn per ranking chart; the period page has them all
RECTIFICATIONS_SHOWN = 6
OCCUPIED = (UnitStatus.OCCUPIED, UnitStatus.VACATING)


# --- Helpers -----------------------------------------------------------------------


def link(name: str, *args, **query) -> str:
    """The URL of a list page with its filter in the query string."""
    url = reverse(name, args=args or None)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def link_if_exists(name: str, *args, **query) -> str | None:
    """For the pages of the evaluation app built alongside this one (the period page,
    the scorecard): None while the URL name does not exist yet."""
    try:
        return link(name, *args, **query)
    except NoReverseMatch:
        return None


def rate(part, whole) -> float | None:
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, ROUND_HALF_UP)
    return float(value)


def number(value) -> float | None:
    return None if value is None else float(value)


def kpi(label, value, *, unit="", url=None, tone="") -> dict:
    return {"label": str(label), "value": value, "unit": str(unit), "url": url, "tone": tone}


def chart(kind: str, categories, series, **extra) -> dict:
    return {"kind": kind, "categories": [str(c) for c in categories], "series": series, **extra}


def series(name, data, urls, **extra) -> dict:
    return {"name": str(name), "data": list(data), "urls": list(urls), **extra}


def month_key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


# --- 1. Occupancy and the unit status mix ----------------------------------------------


def occupancy_panel(user) -> dict:
    counts = dict(
        Unit.objects.visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    occupied = sum(counts.get(s, 0) for s in OCCUPIED)
    statuses = [s for s in UnitStatus if counts.get(s)]
    return {
        "key": "occupancy",
        "title": _("Occupancy"),
        "url": link("unit_list"),
        "total": total,
        "occupied": occupied,
        "rate": rate(occupied, total),
        "counts": {s.value: counts.get(s, 0) for s in UnitStatus},
        "kpis": [
            kpi(
                _("Occupied"),
                rate(occupied, total),
                unit="%",
                url=link("unit_list", status="occupied"),
            ),
            kpi(_("Units"), total, url=link("unit_list")),
            kpi(
                _("Vacant"),
                counts.get(UnitStatus.VACANT, 0),
                url=link("unit_list", status=UnitStatus.VACANT),
                tone="warn" if counts.get(UnitStatus.VACANT) else "",
            ),
        ],
        "charts": [
            chart(
                "pie",
                [s.label for s in statuses],
                [
                    series(
                        _("Units"),
                        [counts[s] for s in statuses],
                        [link("unit_list", status=s.value) for s in statuses],
                        codes=[s.value for s in statuses],
                    )
                ],
                title=_("Unit status"),
            )
        ],
    }


# --- 2. The waiting list -----------------------------------------------------------------


def long_wait_count(user, today) -> int | None:
    from anju.admission.services.waiting import long_waits

    try:
        entries, _years = long_waits(user, on=today)
    except DomainError:  # no rule set in force: no guideline to measure against
        return None
    return entries.count()


def waiting_panel(user, *, today) -> dict:
    entries = WaitingEntry.objects.visible_to(user)
    by_status = dict(
        entries.filter(status__in=[WaitingStatus.WAITING, WaitingStatus.SUSPENDED])
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_category = dict(
        entries.filter(status=WaitingStatus.WAITING)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    categories = sorted((c for c in Category if by_category.get(c)), key=lambda c: -by_category[c])
    long = long_wait_count(user, today)
    waiting = by_status.get(WaitingStatus.WAITING, 0)
    return {
        "key": "waiting",
        "title": _("Waiting list"),
        "url": link("waiting_list"),
        "waiting": waiting,
        "suspended": by_status.get(WaitingStatus.SUSPENDED, 0),
        "long_waits": long,
        "by_category": {c.value: by_category.get(c, 0) for c in Category},
        "kpis": [
            kpi(_("Waiting"), waiting, url=link("waiting_list")),
            kpi(
                _("Long waits"),
                long,
                url=link("waiting_long"),
                tone="bad" if long else "",
            ),
            kpi(
                _("Suspended"),
                by_status.get(WaitingStatus.SUSPENDED, 0),
                url=link("waiting_list", status=WaitingStatus.SUSPENDED),
            ),
        ],
        "charts": [
            chart(
                "hbar",
                [c.label for c in categories],
                [
                    series(
                        _("Households"),
                        [by_category[c] for c in categories],
                        [link("waiting_list", category=c.value) for c in categories],
                    )
                ],
                title=_("Waiting, by category"),
            )
        ],
    }


# --- 3. Rent collection ----------------------------------------------------------------


def month_add(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def collection_by_month(user, *, months: list[datetime.date]) -> dict[datetime.date, dict]:
    """Per month: the rent billed for it, settled so far, and collected by the month's
    end (allocations from payments made before the next month began, earlier credit
    included), as tenancy's collection report counts them. Two queries with plain
    comparisons, one filtered sum per month: no date function per row, which SQLite
    would run in Python for each of a million allocations."""
    bills = (
        Bill.objects.visible_to(user)
        .filter(kind=BillKind.RENT, period__gte=months[0], period__lte=months[-1])
        .exclude(status=BillStatus.CANCELLED)
    )
    out = {
        m: {"billed": Decimal(0), "settled": Decimal(0), "collected": Decimal(0)} for m in months
    }
    for row in bills.order_by().values("period").annotate(b=Sum("amount"), s=Sum("settled")):
        if row["period"] in out:
            out[row["period"]].update(billed=row["b"] or Decimal(0), settled=row["s"] or Decimal(0))
    sums = {
        f"m{i}": Sum(
            "amount",
            filter=Q(bill__period=m, payment__paid_at__lt=month_bounds(m)[1]),
        )
        for i, m in enumerate(months)
    }
    collected = Allocation.objects.filter(bill__in=bills).aggregate(**sums)
    for i, m in enumerate(months):
        out[m]["collected"] = collected[f"m{i}"] or Decimal(0)
    return out


def closed_months(user, months: list[datetime.date]) -> dict[datetime.date, dict]:
    """`collection_by_month` of months that are over. Their sums hardly move, and over
    a whole district they are the cockpit's one heavy read (a million allocations), so
    for the district-wide roles, who all see the same, they are kept for ten minutes,
    or until a bill, payment or allocation is added."""
    if not sees_whole_district(user):
        return collection_by_month(user, months=months)
    marks = [model.objects.aggregate(m=Max("pk"))["m"] for model in (Bill, Payment, Allocation)]
    key = "cockpit:collection:{}:{}:{}".format(months[0], months[-1], ":".join(map(str, marks)))
    return cache.get_or_set(key, lambda: collection_by_month(user, months=months), 600)


def collection_panel(user, *, today) -> dict:
    month = today.replace(day=1)
    # The current month is not over: the chart and the twelve months' rate are the
    # twelve months before it; the current one is "this month", paid so far.
    months = [month_add(month, -i) for i in range(12, 0, -1)]
    by_month = {**closed_months(user, months), **collection_by_month(user, months=[month])}
    this_month = by_month[month]
    billed = sum((by_month[m]["billed"] for m in months), Decimal(0))
    collected = sum((by_month[m]["collected"] for m in months), Decimal(0))
    rates = [rate(by_month[m]["collected"], by_month[m]["billed"]) for m in months]
    buckets = bucket_totals(Bill.objects.visible_to(user), today)
    in_arrears = buckets[-1]["households"]
    owed = buckets[-1]["owed"]
    drawn = [b for b in buckets if b["bucket"] is not None]
    return {
        "key": "collection",
        "title": _("Rent collection"),
        "url": link("report_collection"),
        "this_month": rate(this_month["settled"], this_month["billed"]),
        "twelve_months": rate(collected, billed),
        "in_arrears": in_arrears,
        "owed": number(owed),
        "months": [month_key(m) for m in months],
        "rates": rates,
        "kpis": [
            kpi(
                _("Collected this month"),
                rate(this_month["settled"], this_month["billed"]),
                unit="%",
                url=link("report_collection"),
            ),
            kpi(
                _("Past 12 months"),
                rate(collected, billed),
                unit="%",
                url=link("report_collection", until=month_key(months[-1])),
            ),
            kpi(
                _("Households in arrears"),
                in_arrears,
                url=link("arrears_ledger"),
                tone="bad" if in_arrears else "",
            ),
        ],
        "charts": [
            chart(
                "line",
                [month_key(m) for m in months],
                [
                    series(
                        _("Collected by the month's end (%)"),
                        rates,
                        [link("report_collection", until=month_key(m)) for m in months],
                    )
                ],
                title=_("Collection rate, month by month"),
                percent=True,
            ),
            chart(
                "bar",
                [b["bucket"].label for b in drawn],
                [
                    series(
                        _("Households"),
                        [b["households"] for b in drawn],
                        [link("arrears_ledger", bucket=b["bucket"].code) for b in drawn],
                    )
                ],
                title=_("In arrears, by months owed"),
            ),
        ],
    }


# --- 4. Open cases ---------------------------------------------------------------------


def cases_panel(user) -> dict:
    violation = Counter(
        {
            (row["type"], row["status"]): row["n"]
            for row in ViolationCase.objects.visible_to(user)
            .exclude(status=CaseStatus.CLOSED)
            .order_by()
            .values("type", "status")
            .annotate(n=Count("pk"))
        }
    )
    exits = dict(
        ExitCase.objects.visible_to(user)
        .live()
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    types = [t for t in CaseType if any(violation[(t.value, s.value)] for s in CaseStatus)]
    statuses = [
        s
        for s in CaseStatus
        if s != CaseStatus.CLOSED and any(violation[(t.value, s.value)] for t in types)
    ]
    stages = [s for s in Stage if exits.get(s)]
    open_violations = sum(violation.values())
    live_exits = sum(exits.values())
    return {
        "key": "cases",
        "title": _("Open cases"),
        "url": link("case_list"),
        "violations": open_violations,
        "violations_by": {f"{t}/{s}": n for (t, s), n in violation.items()},
        "exits": live_exits,
        "exits_by_stage": {s.value: exits.get(s, 0) for s in Stage},
        "kpis": [
            kpi(_("Violation cases"), open_violations, url=link("case_list")),
            kpi(_("Exit cases"), live_exits, url=link("exit_cases")),
            kpi(
                _("Overstaying or in court"),
                exits.get(Stage.OVERSTAY, 0) + exits.get(Stage.LITIGATION, 0),
                url=link("exit_cases", stage=Stage.LITIGATION),
                tone="bad" if exits.get(Stage.OVERSTAY) or exits.get(Stage.LITIGATION) else "",
            ),
        ],
        "charts": [
            chart(
                "stack",
                [t.label for t in types],
                [
                    series(
                        s.label,
                        [violation[(t.value, s.value)] for t in types],
                        [link("case_list", type=t.value, status=s.value) for t in types],
                    )
                    for s in statuses
                ],
                title=_("Violation cases, by type and status"),
            ),
            chart(
                "hbar",
                [s.label for s in stages],
                [
                    series(
                        _("Exit cases"),
                        [exits[s] for s in stages],
                        [link("exit_cases", stage=s.value) for s in stages],
                    )
                ],
                title=_("Exit cases, by stage"),
            ),
        ],
    }


# --- 5. Screening flags and inspection results ------------------------------------------


def screening_panel(user, *, today) -> dict:
    run = latest_run()
    flags: Counter = Counter()
    if run is not None:
        flags = Counter(
            {
                (row["flag"], row["status"]): row["n"]
                for row in ScreeningFlag.objects.visible_to(user)
                .filter(run=run, status__in=[FlagStatus.OPEN, FlagStatus.INSPECTING])
                .order_by()
                .values("flag", "status")
                .annotate(n=Count("pk"))
            }
        )
    since = timezone.now() - datetime.timedelta(days=RESULTS_DAYS)
    tasks = tasks_for(user)  # with `visit_by`, the day the next visit is due
    findings = dict(
        tasks.filter(status=TaskStatus.DONE, closed_at__gte=since)
        .exclude(finding="")
        .order_by()
        .values_list("finding")
        .annotate(n=Count("pk"))
        .values_list("finding", "n")
    )
    open_tasks = tasks.filter(status=TaskStatus.OPEN).aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(visit_by__lt=today))
    )
    kinds = [k for k in FlagKind if flags[(k.value, "open")] or flags[(k.value, "inspecting")]]
    shown = [f for f in Finding if findings.get(f)]
    run_id = run.pk if run else None
    open_flags = sum(n for (k, s), n in flags.items() if s == FlagStatus.OPEN)
    return {
        "key": "screening",
        "title": _("Screening and inspections"),
        "url": link("screening_results"),
        "run": run_id,
        "open_flags": open_flags,
        "flags_by": {f"{k}/{s}": n for (k, s), n in flags.items()},
        "findings": {f.value: findings.get(f, 0) for f in Finding},
        "open_tasks": open_tasks["n"],
        "late_tasks": open_tasks["late"],
        "kpis": [
            kpi(
                _("Open leads"),
                open_flags,
                url=link("screening_results", run=run_id, status=FlagStatus.OPEN),
            ),
            kpi(
                _("Inspections open"),
                open_tasks["n"],
                url=link("inspection_task_list", status=TaskStatus.OPEN),
            ),
            kpi(
                _("Inspections overdue"),
                open_tasks["late"],
                url=link("inspection_task_list", status=TaskStatus.OPEN, overdue="on"),
                tone="bad" if open_tasks["late"] else "",
            ),
        ],
        "charts": [
            chart(
                "stack",
                [k.label for k in kinds],
                [
                    series(
                        s.label,
                        [flags[(k.value, s.value)] for k in kinds],
                        [
                            link("screening_results", run=run_id, flag=k.value, status=s.value)
                            for k in kinds
                        ],
                    )
                    for s in (FlagStatus.OPEN, FlagStatus.INSPECTING)
                ],
                title=_("Screening flags of the latest run, by kind"),
            ),
            chart(
                "pie",
                [f.label for f in shown],
                [
                    series(
                        _("Inspections"),
                        [findings[f] for f in shown],
                        [link("inspection_task_list", status=TaskStatus.DONE) for f in shown],
                        codes=[f.value for f in shown],
                    )
                ],
                title=_("Inspection findings, last 12 months"),
            ),
        ],
    }


# --- 6. Feedback and the repair SLA -----------------------------------------------------


def service_panel(user, *, today, now) -> dict:
    month = today.replace(day=1)
    start, end = month_bounds(month)
    feedback = Feedback.objects.visible_to(user)
    by_topic = dict(
        feedback.filter(status__in=OPEN_FEEDBACK)
        .order_by()
        .values_list("topic")
        .annotate(n=Count("pk"))
        .values_list("topic", "n")
    )
    # This month's feedback whose answer is settled: answered, or past its deadline.
    answered = feedback.filter(received_at__gte=start, received_at__lt=end).aggregate(
        due=Count("pk", filter=Q(answered_at__isnull=False) | Q(answer_by__lt=now)),
        ok=Count("pk", filter=Q(answered_at__lte=F("answer_by"))),
    )
    companies = sla_compliance(
        WorkOrder.objects.visible_to(user), first=month, last=month, by_month=False, now=now
    )
    respond_ok = sum(c.respond_ok for c in companies)
    respond_due = sum(c.respond_due for c in companies)
    done_ok = sum(c.done_ok for c in companies)
    done_due = sum(c.done_due for c in companies)
    topics = sorted((t for t in FeedbackTopic if by_topic.get(t)), key=lambda t: -by_topic[t])
    topics = topics[:TOPICS_SHOWN]
    open_feedback = sum(by_topic.values())
    this_month = month_key(month)
    return {
        "key": "service",
        "title": _("Feedback and repairs"),
        "url": link("feedback_list", status="open"),
        "open_feedback": open_feedback,
        "by_topic": {t.value: by_topic.get(t, 0) for t in FeedbackTopic},
        "feedback_on_time": rate(answered["ok"], answered["due"]),
        "feedback_due": answered["due"],
        "feedback_ok": answered["ok"],
        "respond_rate": rate(respond_ok, respond_due),
        "done_rate": rate(done_ok, done_due),
        "kpis": [
            kpi(_("Feedback open"), open_feedback, url=link("feedback_list", status="open")),
            kpi(
                _("Answered in time"),
                rate(answered["ok"], answered["due"]),
                unit="%",
                url=link("feedback_list", month=this_month),
            ),
            kpi(
                _("Repairs done in time"),
                rate(done_ok, done_due),
                unit="%",
                url=link("repair_sla_report", first=this_month, last=this_month),
            ),
        ],
        "charts": [
            chart(
                "hbar",
                [t.label for t in topics],
                [
                    series(
                        _("Open feedback"),
                        [by_topic[t] for t in topics],
                        [link("feedback_list", status="open", topic=t.value) for t in topics],
                    )
                ],
                title=_("Feedback not yet answered, the most frequent topics"),
            ),
            chart(
                "hbar",
                [c.company for c in companies],
                [
                    series(
                        _("Responded in time (%)"),
                        [number(c.respond_rate) for c in companies],
                        [
                            link(
                                "workorder_list", company=c.company_id, month=this_month, status=""
                            )
                            for c in companies
                        ],
                    ),
                    series(
                        _("Done in time (%)"),
                        [number(c.done_rate) for c in companies],
                        [
                            link(
                                "workorder_list", company=c.company_id, month=this_month, status=""
                            )
                            for c in companies
                        ],
                    ),
                ],
                title=_("Repairs this month, by property company"),
                percent=True,
            ),
        ],
    }


# --- 7. Evaluation rankings and rectifications ---------------------------------------


def latest_published_period() -> Period | None:
    return (
        Period.objects.filter(status=PeriodStatus.PUBLISHED)
        .order_by("-ends_on", "-published_at", "-id")
        .first()
    )


def ranking(user, period: Period, party_kind: str) -> list[dict]:
    rows = (
        Evaluation.objects.visible_to(user)
        .filter(period=period, party_kind=party_kind, total__isnull=False)
        .order_by(F("rank").asc(nulls_last=True), "-total", "id")
        .values("organisation_id", "organisation__name", "total", "grade", "rank")
    )
    return [
        {
            "organisation": row["organisation_id"],
            "name": row["organisation__name"],
            "total": number(row["total"]),
            "grade": row["grade"],
            "rank": row["rank"],
        }
        for row in rows
    ]


def rectifications(user, *, today) -> dict:
    orders = ConsequenceModel.objects.visible_to(user).filter(
        kind=ConsequenceKind.RECTIFICATION, state=ConsequenceState.IN_EFFECT
    )
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    counts = orders.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
    )
    listed = (
        orders.filter(due_on__isnull=False, due_on__lte=soon)
        .order_by("due_on", "id")
        .values("pk", "due_on", "evaluation__organisation_id", "evaluation__organisation__name")[
            :RECTIFICATIONS_SHOWN
        ]
    )
    return {
        **counts,
        "items": [
            {
                "party": row["evaluation__organisation__name"] or "",
                "due_on": row["due_on"].isoformat(),
                "days": (today - row["due_on"]).days,
                "overdue": row["due_on"] < today,
                "url": (
                    link("party_dashboard", row["evaluation__organisation_id"])
                    if row["evaluation__organisation_id"]
                    else None
                ),
            }
            for row in listed
        ],
    }


def evaluation_panel(user, *, today) -> dict:
    period = latest_published_period()
    ranked = {kind: ranking(user, period, kind) if period else [] for kind in PUBLICLY_RANKED}
    rect = rectifications(user, today=today)
    period_url = link_if_exists("evaluation_period", period.pk) if period else None
    charts = []
    for kind in PUBLICLY_RANKED:
        rows = ranked[kind][:RANKED_SHOWN]
        charts.append(
            chart(
                "rank",
                [r["name"] for r in rows],
                [
                    series(
                        pgettext("evaluation", "Score"),
                        [r["total"] for r in rows],
                        [link("party_dashboard", r["organisation"]) for r in rows],
                        grades=[r["grade"] for r in rows],
                    )
                ],
                title=PartyKind(kind).label,
            )
        )
    return {
        "key": "evaluation",
        "title": _("Evaluation"),
        "url": period_url or link("evaluation_trends"),
        "period": period.name if period else None,
        "period_url": period_url,
        "ranking": {str(kind): rows for kind, rows in ranked.items()},
        "rectifications": rect,
        "kpis": [
            kpi(_("Rectification orders in effect"), rect["total"]),
            kpi(
                _("Rectifications overdue"),
                rect["overdue"],
                tone="bad" if rect["overdue"] else "",
            ),
            kpi(_("Due within 30 days"), rect["soon"], tone="warn" if rect["soon"] else ""),
        ],
        "charts": charts,
        "grades": {g.value: str(g.label) for g in Grade},
    }


# --- All of it -------------------------------------------------------------------------


def cockpit_panels(user, *, now: datetime.datetime | None = None) -> dict:
    """Every panel, as the page and its JSON endpoint show them."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "at": timezone.localtime(now).isoformat(timespec="seconds"),
        "panels": [
            occupancy_panel(user),
            waiting_panel(user, today=today),
            collection_panel(user, today=today),
            cases_panel(user),
            screening_panel(user, today=today),
            service_panel(user, today=today, now=now),
            evaluation_panel(user, today=today),
        ],
    }
