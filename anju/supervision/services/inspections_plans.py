"""Routine inspection plans: every occupied unit of an estate visited
`routine_visits_per_year` times a year by the estate's inspector, the visits spread
evenly over what is left of the year in walking order (building, floor, door); and
the daily listing of overdue tasks as staff to-dos."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import Task
from anju.core.numbering import next_numbers, with_fresh_number
from anju.households.models import Household
from anju.housing.models import LEASE_STATUSES, Unit

from .. import thresholds
from ..models import InspectionPlan, InspectionTask, TaskKind, TaskStatus
from .inspections import _check_inspector

timeline.register(
    "inspection.planned",
    gettext_lazy("Routine inspection %(number)s planned for %(year)s, due %(due)s"),
)

BULK = 1000


def spread(count: int, visits: int, start: datetime.date, end: datetime.date):
    """Due dates for `count` units × `visits` rounds: the period is cut into `visits`
    equal parts and each part's units are spread evenly over it, the last one due on
    the part's last day. Returns one list per round, in the units' order."""
    span = (end - start).days + 1
    rounds = []
    for k in range(visits):
        first = start + datetime.timedelta(days=span * k // visits)
        last = start + datetime.timedelta(days=span * (k + 1) // visits - 1)
        days = (last - first).days + 1
        rounds.append(
            [first + datetime.timedelta(days=((i + 1) * days - 1) // count) for i in range(count)]
        )
    return rounds


def occupied_households(estate):
    """(household pk, unit pk) of every occupied unit of the estate, in walking order."""
    return list(
        Household.objects.filter(estate=estate, unit__isnull=False, unit__status__in=LEASE_STATUSES)
        .order_by("unit__building__number", "unit__floor", "unit__position", "unit__code")
        .values_list("pk", "unit_id")
    )


def plan_create(estate, year: int, inspector, *, actor) -> InspectionPlan:
    """Plan the year's routine visits of `estate`: one task per occupied unit and
    round, given to `inspector`, numbered in one go and written in bulk."""
    today = timezone.localdate()
    if year < today.year or year > today.year + 1:
        raise DomainError(
            _("Plan this year or next year (%(a)s or %(b)s).")
            % {"a": today.year, "b": today.year + 1},
            code="bad_year",
        )
    _check_inspector(inspector, estate)
    if InspectionPlan.objects.filter(estate=estate, year=year).exists():
        raise DomainError(
            _("%(estate)s already has a plan for %(year)s.")
            % {"estate": estate.name, "year": year},
            code="plan_exists",
        )
    visits = max(int(thresholds.value("routine_visits_per_year")), 1)
    homes = occupied_households(estate)
    if not homes:
        raise DomainError(
            _("%(estate)s has no occupied unit to visit.") % {"estate": estate.name},
            code="no_units",
        )
    start = max(datetime.date(year, 1, 1), today)
    end = datetime.date(year, 12, 31)
    rounds = spread(len(homes), visits, start, end)
    reason_text = _("Routine visit %(k)s of %(n)s in %(year)s")

    def write() -> InspectionPlan:
        plan = InspectionPlan.objects.create(
            estate=estate,
            year=year,
            inspector=inspector,
            visits_per_unit=visits,
            created_by=actor,
        )
        numbers = iter(next_numbers(InspectionTask, f"XC{today:%Y}", len(homes) * visits, width=6))
        tasks = [
            InspectionTask(
                number=next(numbers),
                kind=TaskKind.ROUTINE,
                estate=estate,
                unit_id=unit_id,
                household_id=household_id,
                plan=plan,
                reason=reason_text % {"k": k + 1, "n": visits, "year": year},
                assigned_to=inspector,
                due_on=dues[i],
                created_by=actor,
            )
            for k, dues in enumerate(rounds)
            for i, (household_id, unit_id) in enumerate(homes)
        ]
        InspectionTask.objects.bulk_create(tasks, batch_size=BULK)
        audit.record(
            actor=actor,
            action="inspection.plan_create",
            target=plan,
            changes={
                "estate": estate.code,
                "year": year,
                "inspector": inspector.pk,
                "visits_per_unit": visits,
                "tasks": len(tasks),
                "numbers": [tasks[0].number, tasks[-1].number],
            },
        )
        timeline.add_many(
            timeline.build(
                "inspection.planned",
                actor=actor,
                for_household=Household(pk=t.household_id),
                for_unit=Unit(pk=t.unit_id),
                number=t.number,
                year=year,
                due=t.due_on.isoformat(),
            )
            for t in tasks
        )
        return plan

    try:
        return with_fresh_number(write)
    except IntegrityError:
        # The same plan was made by someone else at the same moment (another task
        # taking one of the numbers meanwhile is tried again with the next ones).
        if InspectionPlan.objects.filter(estate=estate, year=year).exists():
            raise DomainError(
                _("%(estate)s already has a plan for %(year)s.")
                % {"estate": estate.name, "year": year},
                code="plan_exists",
            ) from None
        raise


def plan_assign(plan: InspectionPlan, inspector, *, actor) -> int:
    """Give the plan, and every open task of it, to another inspector. Returns how many
    tasks moved."""
    _check_inspector(inspector, plan.estate)
    before = plan.inspector_id
    with transaction.atomic():
        plan.inspector = inspector
        plan.save(update_fields=["inspector"])
        moved = (
            plan.tasks.filter(status=TaskStatus.OPEN)
            .exclude(assigned_to=inspector)
            .update(assigned_to=inspector)
        )
        audit.record(
            actor=actor,
            action="inspection.plan_assign",
            target=plan,
            changes={"inspector": [before, inspector.pk], "tasks": moved},
        )
    return moved


# --- Overdue tasks -----------------------------------------------------------------------


def open_tasks_due_before(day: datetime.date):
    """Open tasks whose next visit (or, before any visit, the due day) is before `day`."""
    return (
        InspectionTask.objects.filter(status=TaskStatus.OPEN)
        .annotate(visit_by=Coalesce(F("next_visit_on"), F("due_on")))
        .filter(visit_by__lt=day)
    )


def overdue_followups(today: datetime.date) -> int:
    """One staff to-do per overdue task, for the inspector's organisation (or the
    estate's operator when nobody is assigned), keyed so that the next day's run
    raises none twice. Returns how many were raised."""
    rows = open_tasks_due_before(today).values(
        "number",
        "household_id",
        "visit_by",
        "unit__code",
        "estate__operator_id",
        "assigned_to__organisation_id",
        "assigned_to__full_name",
        "assigned_to__username",
    )
    keys = []
    tasks = []
    for r in rows.iterator(chunk_size=BULK):
        key = f"inspection:{r['number']}:overdue"
        keys.append(key)
        inspector = r["assigned_to__full_name"] or r["assigned_to__username"] or _("nobody")
        tasks.append(
            Task(
                key=key,
                kind="inspection.overdue",
                title=(
                    _("Inspection %(n)s of unit %(unit)s is overdue (visit by %(day)s; %(who)s)")
                    % {
                        "n": r["number"],
                        "unit": r["unit__code"],
                        "day": r["visit_by"].isoformat(),
                        "who": inspector,
                    }
                )[:200],
                household_id=r["household_id"],
                organisation_id=r["assigned_to__organisation_id"] or r["estate__operator_id"],
                due_on=today,
            )
        )
    existing = set()
    for start in range(0, len(keys), 5000):
        existing |= set(
            Task.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True)
        )
    fresh = [t for t in tasks if t.key not in existing]
    Task.objects.bulk_create(fresh, batch_size=BULK, ignore_conflicts=True)
    return len(fresh)
