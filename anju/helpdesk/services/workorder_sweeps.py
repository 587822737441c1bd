"""The periodic work on work orders, each a set-based run that is safe to repeat:

- the escalation sweep (every quarter of an hour): an overdue order goes to the
  property company's managers; still overdue ANJU_REPAIR_ESCALATE_HOURS later, to the
  estate's operator. Messages are keyed by order, reopening, level and person, so a
  second run sends nothing twice;
- the daily run: deferred orders whose date has come are taken up again (their
  deadlines moved on by the pause), and done orders nobody rated within
  ANJU_REPAIR_AUTOCLOSE_DAYS close by themselves.

Each run writes its steps and timeline lines in bulk and one audit entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.models import MessageChannel, User
from anju.core.roles import Role

from ..models import Escalation, StepKind, WorkOrder, WorkOrderStatus, WorkOrderStep
from .workorders import resume_fields, where_of

S = WorkOrderStatus
CHUNK = 500  # ids per IN (...): well under SQLite's limit on parameters
NUMBERS_AUDITED = 2000
MESSAGE_LANGUAGE = "zh-hans"

notify.register(
    "workorder.escalated",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Overdue work order {number} at {where} ({problem}): {late}. Repairer: {repairer}. {level}"
    ),
)
timeline.register(
    "workorder.autoresumed", gettext_lazy("Work order %(number)s taken up again on its date")
)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _audit_run(action: str, label: str, numbers: list[str]) -> None:
    audit.record(
        actor=None,
        action=action,
        target=("helpdesk.workorder", "", label),
        changes={"count": len(numbers), "orders": numbers[:NUMBERS_AUDITED]},
    )


# --- Escalation -------------------------------------------------------------------------


def _late(order: WorkOrder, now: datetime.datetime) -> str:
    if order.responded_at is None and order.respond_by < now:
        return _("nobody responded by %(d)s") % {
            "d": timezone.localtime(order.respond_by).strftime("%Y-%m-%d %H:%M")
        }
    return _("not done by %(d)s") % {
        "d": timezone.localtime(order.complete_by).strftime("%Y-%m-%d %H:%M")
    }


def _recipients(level: int, orders: list[WorkOrder]) -> dict[int | None, list[User]]:
    """Who hears of each order: the property company's managers at level 1, the
    estate's operator clerks at level 2; by organisation id."""
    if level == Escalation.MANAGER:
        role, orgs = Role.PROPERTY_MANAGER, {o.property_company_id for o in orders}
    else:
        role, orgs = Role.OPERATOR_CLERK, {o.estate.operator_id for o in orders}
    people: dict[int | None, list[User]] = {org: [] for org in orgs}
    for user in User.objects.filter(
        is_active=True, roles__role=role, organisation_id__in=orgs
    ).distinct():
        people[user.organisation_id].append(user)
    return people


def _escalation_messages(level: int, ids: list[int], now: datetime.datetime) -> int:
    queued = 0
    with translation.override(MESSAGE_LANGUAGE):
        for chunk in _chunks(ids):
            orders = list(
                WorkOrder.objects.filter(pk__in=chunk).select_related(
                    "estate", "unit", "repair_class", "assigned_to"
                )
            )
            people = _recipients(level, orders)
            rows = []
            for order in orders:
                org = order.property_company_id if level == 1 else order.estate.operator_id
                context = {
                    "number": order.number,
                    "where": where_of(order),
                    "problem": str(order.repair_class),
                    "late": _late(order, now),
                    "repairer": str(order.assigned_to or _("nobody yet")),
                    "level": str(Escalation(level).label),
                }
                for user in people.get(org, []):
                    key = f"workorder:{order.pk}:r{order.reopen_count}:esc{level}:u{user.pk}"
                    rows.append(("workorder.escalated", key, user, context))
            # One bulk write a chunk: a backlog after an outage is hundreds of messages.
            queued += notify.queue_many(rows, language=MESSAGE_LANGUAGE)
    return queued


def workorders_escalate(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Move overdue orders one level up: to the managers (level 1) at once, to the
    operator (level 2) when still overdue ANJU_REPAIR_ESCALATE_HOURS after that."""
    now = now or timezone.now()
    overdue = WorkOrder.objects.overdue(now)
    waited = now - datetime.timedelta(hours=settings.ANJU_REPAIR_ESCALATE_HOURS)
    plans = [
        (Escalation.MANAGER, overdue.filter(escalation=Escalation.NONE)),
        (
            Escalation.OPERATOR,
            overdue.filter(escalation=Escalation.MANAGER, escalated_at__lte=waited),
        ),
    ]
    counts: dict[str, int] = {}
    with transaction.atomic():
        numbers: list[str] = []
        for level, candidates in plans:
            below = level - 1
            rows = list(candidates.values_list("pk", "number"))
            moved: list[int] = []
            for chunk in _chunks([pk for pk, _n in rows]):
                locked = list(
                    WorkOrder.objects.select_for_update()
                    .filter(pk__in=chunk, escalation=below)
                    .values_list("pk", flat=True)
                )
                WorkOrder.objects.filter(pk__in=locked).update(escalation=level, escalated_at=now)
                moved += locked
            note = str(Escalation(level).label)
            WorkOrderStep.objects.bulk_create(
                [
                    WorkOrderStep(order_id=pk, kind=StepKind.ESCALATED, at=now, note=note)
                    for pk in moved
                ],
                batch_size=CHUNK,
            )
            moved_set = set(moved)
            numbers += [n for pk, n in rows if pk in moved_set]
            counts["managers" if level == Escalation.MANAGER else "operators"] = len(moved)
            if moved:
                transaction.on_commit(partial(_escalation_messages, level, moved, now))
        if numbers:
            _audit_run("workorder.escalate", _("escalation sweep"), numbers)
    return counts


# --- The daily run ----------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time()), timezone.get_current_timezone()
    )


def workorders_resume_due(*, now: datetime.datetime | None = None) -> int:
    """Take up again the deferred orders whose date has come. The pause ends at the
    start of that date (or now, if that is sooner), so a late run adds no time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        orders = list(
            WorkOrder.objects.select_for_update(of=("self",))
            .filter(status=S.DEFERRED, defer_until__lte=today)
            .select_related("household", "unit")
        )
        if not orders:
            return 0
        fields: list[str] = []
        for order in orders:
            until = order.defer_until or today
            fields = resume_fields(order, min(now, _start_of(until)))
        WorkOrder.objects.bulk_update(orders, fields, batch_size=CHUNK)
        note = _("taken up again on its date")
        WorkOrderStep.objects.bulk_create(
            [WorkOrderStep(order=o, kind=StepKind.RESUMED, at=now, note=note) for o in orders],
            batch_size=CHUNK,
        )
        timeline.add_many(
            timeline.build(
                "workorder.autoresumed",
                for_household=o.household,
                for_unit=o.unit,
                at=now,
                number=o.number,
            )
            for o in orders
            if o.household_id
        )
        _audit_run(
            "workorder.autoresume", _("deferred orders taken up"), [o.number for o in orders]
        )
    return len(orders)


def workorders_autoclose(*, now: datetime.datetime | None = None) -> int:
    """Close the done orders nobody rated within ANJU_REPAIR_AUTOCLOSE_DAYS."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ANJU_REPAIR_AUTOCLOSE_DAYS)
    due = WorkOrder.objects.filter(status=S.DONE, rating__isnull=True, done_at__lte=cutoff)
    with transaction.atomic():
        rows = list(due.select_for_update().values_list("pk", "number", "household_id", "unit_id"))
        if not rows:
            return 0
        for chunk in _chunks([r[0] for r in rows]):
            WorkOrder.objects.filter(pk__in=chunk, status=S.DONE).update(
                status=S.CLOSED, closed_at=now, closed_automatically=True
            )
        note = _("no rating within %(n)s days") % {"n": settings.ANJU_REPAIR_AUTOCLOSE_DAYS}
        WorkOrderStep.objects.bulk_create(
            [WorkOrderStep(order_id=r[0], kind=StepKind.CLOSED, at=now, note=note) for r in rows],
            batch_size=CHUNK,
        )
        entries = []
        for _pk, number, household_id, unit_id in rows:
            if household_id:
                entry = timeline.build("workorder.closed", at=now, number=number)
                entry.household_id, entry.unit_id = household_id, unit_id
                entries.append(entry)
        timeline.add_many(entries)
        _audit_run("workorder.autoclose", _("done orders closed unrated"), [r[1] for r in rows])
    return len(rows)


def workorders_daily(*, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "resumed": workorders_resume_due(now=now),
        "closed": workorders_autoclose(now=now),
    }
