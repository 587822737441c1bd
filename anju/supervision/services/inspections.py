"""Inspections (巡查 / 入户核查): raising the tasks, assigning and cancelling them.

A task is raised by a routine plan (inspections_plans.py), by a screening flag or by a
tip; an inspector records the visits on it (inspections_visits.py), which end it with a
finding. One open task per flag and per tip: the database refuses a second."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.numbering import next_number, with_fresh_number
from anju.core.roles import Perm
from anju.households.models import Household
from anju.housing.models import Estate

from .. import thresholds
from ..models import (
    FlagStatus,
    InspectionPlan,
    InspectionTask,
    ScreeningFlag,
    TaskKind,
    TaskStatus,
    Tip,
    TipStatus,
)
from .inspections_visits import (
    CHECK_KEYS,
    CHECKLIST,
    UNANSWERED,
    Conclusion,
    Person,
    VisitResult,
    _check_open,
    letter_context,
    task_conclude,
    visit_evidence,
    visit_record,
)

# The visits live in inspections_visits.py; the pages and tests reach them through here.
__all__ = [
    "CHECKLIST",
    "CHECK_KEYS",
    "UNANSWERED",
    "Conclusion",
    "Person",
    "VisitResult",
    "can_inspect",
    "letter_context",
    "task_assign",
    "task_cancel",
    "task_conclude",
    "task_from_flag",
    "task_from_tip",
    "visit_evidence",
    "visit_record",
]

# One verb per kind (and, in inspections_visits.py, per outcome and finding): the
# sentence is chosen by the code, as the codes alone ("completed", "refused") mean
# other things elsewhere.
RAISED = {
    TaskKind.FLAG: gettext_lazy(
        "Inspection task %(number)s raised on a screening flag, due %(due)s"
    ),
    TaskKind.TIP: gettext_lazy("Inspection task %(number)s raised on a tip, due %(due)s"),
    TaskKind.CASE: gettext_lazy("Inspection task %(number)s raised for a case, due %(due)s"),
    TaskKind.ROUTINE: gettext_lazy("Routine inspection task %(number)s raised, due %(due)s"),
}
for _code, _text in RAISED.items():
    timeline.register(f"inspection.raised.{_code}", _text)
timeline.register(
    "inspection.assigned", gettext_lazy("Inspection task %(number)s given to %(inspector)s")
)
timeline.register(
    "inspection.cancelled", gettext_lazy("Inspection task %(number)s cancelled: %(why)s")
)


# --- Who may inspect where ------------------------------------------------------------


def can_inspect(user, estate: Estate) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.can(Perm.INSPECT)
        and Estate.objects.visible_to(user).filter(pk=estate.pk).exists()
    )


def _check_inspector(user, estate: Estate) -> None:
    if user is not None and not can_inspect(user, estate):
        raise DomainError(
            _("%(user)s does not inspect in %(estate)s.") % {"user": user, "estate": estate.name},
            code="bad_inspector",
        )


def _default_inspector(estate: Estate, actor, on: datetime.date):
    """Who gets a risk-triggered task: the estate's routine inspector this year, else
    the person raising it if they inspect there, else nobody yet."""
    plan = (
        InspectionPlan.objects.select_related("inspector")
        .filter(estate=estate, year=on.year)
        .first()
    )
    if plan is not None and plan.inspector.is_active:
        return plan.inspector
    if can_inspect(actor, estate):
        return actor
    return None


def _household_of(unit) -> Household | None:
    return Household.objects.filter(unit=unit).select_related("head").first()


# --- Raising a task -------------------------------------------------------------------


def _task_create(
    *,
    kind: str,
    unit,
    actor,
    reason: str,
    assign_to,
    due_on: datetime.date,
    household=None,
    flag=None,
    tip=None,
) -> InspectionTask:
    """One task, numbered, with its audit and timeline entries. Runs inside the
    caller's transaction; a second open task for the same flag or tip breaks the
    database's constraint and is refused."""
    today = timezone.localdate()

    def write() -> InspectionTask:
        return InspectionTask.objects.create(
            number=next_number(InspectionTask, f"XC{today:%Y}", width=6),
            kind=kind,
            estate=unit.estate,
            unit=unit,
            household=household,
            flag=flag,
            tip=tip,
            reason=reason[:300],
            assigned_to=assign_to,
            due_on=due_on,
            created_by=actor,
        )

    try:
        task = with_fresh_number(write)
    except IntegrityError:
        taken = InspectionTask.objects.filter(status=TaskStatus.OPEN)
        if (flag and taken.filter(flag=flag).exists()) or (tip and taken.filter(tip=tip).exists()):
            raise DomainError(
                _("An open inspection task already follows this up."), code="task_exists"
            ) from None
        raise
    audit.record(
        actor=actor,
        action="inspection.task_create",
        target=task,
        changes=audit.snapshot(
            task, ["kind", "unit", "household", "flag", "tip", "assigned_to", "due_on", "reason"]
        ),
    )
    if household is not None:
        timeline.add(
            f"inspection.raised.{kind}",
            actor=actor,
            for_household=household,
            for_unit=unit,
            number=task.number,
            due=due_on.isoformat(),
        )
    return task


def _risk_due(on: datetime.date) -> datetime.date:
    # A lead is followed up within the same turnaround as a visit nobody answered.
    return on + datetime.timedelta(days=int(thresholds.value("revisit_days")))


def task_from_flag(
    flag: ScreeningFlag, *, actor, assign_to=None, due_on: datetime.date | None = None
) -> InspectionTask:
    """Raise an inspection task on a screening flag's unit; the flag shows "inspection
    raised". One open task per flag."""
    if flag.status == FlagStatus.DISMISSED:
        raise DomainError(_("This flag was dismissed."), code="flag_dismissed")
    existing = flag.tasks.filter(status=TaskStatus.OPEN).first()
    if existing is not None:
        raise DomainError(
            _("Inspection task %(n)s already follows this flag up.") % {"n": existing.number},
            code="task_exists",
        )
    today = timezone.localdate()
    unit = flag.unit
    if assign_to is not None:
        _check_inspector(assign_to, unit.estate)
    else:
        assign_to = _default_inspector(unit.estate, actor, today)
    household = flag.household or _household_of(unit)
    reason = _("%(flag)s, score %(score)s: %(evidence)s") % {
        "flag": flag.get_flag_display(),
        "score": f"{flag.score:.2f}",
        "evidence": flag.evidence,
    }
    with transaction.atomic():
        task = _task_create(
            kind=TaskKind.FLAG,
            unit=unit,
            household=household,
            flag=flag,
            actor=actor,
            reason=reason,
            assign_to=assign_to,
            due_on=due_on or _risk_due(today),
        )
        if flag.status != FlagStatus.INSPECTING:
            flag.status = FlagStatus.INSPECTING
            flag.save(update_fields=["status"])
            audit.record(
                actor=actor,
                action="flag.inspect",
                target=flag,
                changes={"status": flag.status, "task": task.number},
            )
    return task


def task_from_tip(
    tip: Tip, *, actor, unit, assign_to=None, due_on: datetime.date | None = None
) -> InspectionTask:
    """Raise an inspection task on `unit` for a tip; the tip shows "being inspected".
    One open task per tip."""
    if tip.status == TipStatus.CLOSED:
        raise DomainError(_("Tip %(n)s is closed.") % {"n": tip.number}, code="bad_transition")
    today = timezone.localdate()
    if assign_to is not None:
        _check_inspector(assign_to, unit.estate)
    else:
        assign_to = _default_inspector(unit.estate, actor, today)
    reason = _("Tip %(n)s (%(category)s): %(text)s") % {
        "n": tip.number,
        "category": tip.get_category_display(),
        "text": tip.text,
    }
    with transaction.atomic():
        task = _task_create(
            kind=TaskKind.TIP,
            unit=unit,
            household=_household_of(unit),
            tip=tip,
            actor=actor,
            reason=reason,
            assign_to=assign_to,
            due_on=due_on or _risk_due(today),
        )
        tip.status, tip.unit, tip.estate = TipStatus.INSPECTING, unit, unit.estate
        tip.triaged_by, tip.triaged_at = actor, timezone.now()
        tip.save(update_fields=["status", "unit", "estate", "triaged_by", "triaged_at"])
        audit.record(
            actor=actor,
            action="tip.triage",
            target=tip,
            changes={"status": tip.status, "unit": unit.code, "task": task.number},
        )
    return task


# --- Assigning and cancelling -----------------------------------------------------------


def task_assign(task: InspectionTask, inspector, *, actor) -> InspectionTask:
    _check_open(task)
    _check_inspector(inspector, task.estate)
    if task.assigned_to_id == inspector.pk:
        return task
    before = task.assigned_to_id
    with transaction.atomic():
        task.assigned_to = inspector
        task.save(update_fields=["assigned_to"])
        audit.record(
            actor=actor,
            action="inspection.assign",
            target=task,
            changes={"assigned_to": [before, inspector.pk]},
        )
        if task.household_id:
            timeline.add(
                "inspection.assigned",
                actor=actor,
                for_household=task.household,
                for_unit=task.unit,
                number=task.number,
                inspector=str(inspector),
            )
    return task


def task_cancel(task: InspectionTask, *, actor, reason: str) -> InspectionTask:
    """Cancel an open task (the household moved out, raised by mistake). A flag or a
    tip it followed up is open again, for someone to raise another task or close it."""
    _check_open(task)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling."), code="reason_required")
    with transaction.atomic():
        task.status, task.closed_at, task.next_visit_on = TaskStatus.CANCELLED, timezone.now(), None
        task.save(update_fields=["status", "closed_at", "next_visit_on"])
        if task.flag is not None and task.flag.status == FlagStatus.INSPECTING:
            ScreeningFlag.objects.filter(pk=task.flag.pk).update(status=FlagStatus.OPEN)
        if task.tip is not None and task.tip.status == TipStatus.INSPECTING:
            Tip.objects.filter(pk=task.tip.pk).update(status=TipStatus.NEW)
        audit.record(
            actor=actor, action="inspection.cancel", target=task, changes={"reason": reason}
        )
        if task.household_id:
            timeline.add(
                "inspection.cancelled",
                actor=actor,
                for_household=task.household,
                for_unit=task.unit,
                number=task.number,
                why=reason[:200],
            )
    return task
