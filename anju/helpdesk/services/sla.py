"""The deadline engine of work orders (SLA) and the services that edit its table.

A work order's two deadlines, to respond and to complete, come from the deadline table
(`SlaRule`): the most specific rule for the order's classification, estate and urgency.
An amount counts in hours round the clock, or in working days on the district's
calendar (anju.core.workdays: weekends, the holidays of ANJU_HOLIDAYS and the make-up
working weekends of ANJU_WORKDAYS). While an order is deferred its clock stands still:
`shift` moves a deadline on by the time the pause covered, in the deadline's own unit.

The same rule applies whatever the channel: the portal, the phone, the counter, an
inspection or a handover."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.workdays import add_working_days, is_working_day

from ..models import ClassLevel, RepairClass, SlaRule, SlaUnit, Urgency

SOURCE_MAX = 200
# How deep a classification sits; a blank one (any classification) is the shallowest.
DEPTH = {ClassLevel.PLACE: 1, ClassLevel.CATEGORY: 2, ClassLevel.PROBLEM: 3}


# --- Choosing the rule ------------------------------------------------------------------


def urgency_for(repair_class: RepairClass, *, emergency: bool) -> str:
    """The urgency an order starts with: an emergency, work the tenant pays for by
    default, or a normal repair. (A dispatcher may later call it paid or under
    warranty: `workorders.workorder_set_urgency`.)"""
    if emergency:
        return Urgency.EMERGENCY
    if repair_class.tenant_pays:
        return Urgency.PAID
    return Urgency.NORMAL


def rule_for(repair_class: RepairClass, estate, urgency: str) -> SlaRule:
    """The most specific rule that applies: candidates name the order's classification
    or one of its ancestors (or none), its estate (or none) and its urgency (or none).
    A rule naming the estate beats one that does not; then the deepest classification
    wins; then a rule naming the urgency. The table's blank rule matches every order."""
    path = repair_class.path()
    depth = {node.pk: DEPTH[ClassLevel(node.level)] for node in path}
    estate_id = getattr(estate, "pk", estate)
    rules = list(
        SlaRule.objects.filter(
            Q(repair_class_id__in=list(depth)) | Q(repair_class__isnull=True),
            Q(estate_id=estate_id) | Q(estate__isnull=True),
            urgency__in=[urgency, ""],
        )
    )
    if not rules:
        raise DomainError(
            _("The deadline table has no rule for this order; the authority must add one."),
            code="no_sla_rule",
        )

    def specificity(rule: SlaRule) -> tuple[bool, int, bool, int]:
        return (
            rule.estate_id is not None,
            depth.get(rule.repair_class_id or 0, 0),
            rule.urgency != "",
            -rule.pk,  # two rules equally specific: the older one, for a stable answer
        )

    return max(rules, key=specificity)


# --- Counting ---------------------------------------------------------------------------


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def _at_same_time(day: datetime.date, moment: datetime.datetime) -> datetime.datetime:
    """`day` at the local wall-clock time of `moment`."""
    local = _local(moment)
    naive = datetime.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def deadline(start: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    """`amount` hours after `start`, round the clock; or, in working days, the same
    local time on the working day `amount` working days after the start's local date."""
    if amount < 1:
        raise ValueError("a deadline is at least one unit away")
    if unit == SlaUnit.HOURS:
        return start + datetime.timedelta(hours=amount)
    if unit == SlaUnit.WORKING_DAYS:
        return _at_same_time(add_working_days(_local(start).date(), amount), start)
    raise ValueError(f"unknown unit {unit!r}")


def working_days_between(first: datetime.date, last: datetime.date) -> int:
    """The working days after `first` up to and including `last`."""
    count, day = 0, first
    while day < last:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def shift(
    due: datetime.datetime,
    unit: str,
    paused_from: datetime.datetime,
    paused_to: datetime.datetime,
) -> datetime.datetime:
    """Where a deadline moves when the clock stood still from `paused_from` to
    `paused_to`. In hours: on by the pause. In working days: on by the working days the
    pause covered (the dates after the pause began, up to the date it ended); a pause
    within one day moves it on by its wall-clock length."""
    if paused_to <= paused_from:
        return due
    if unit == SlaUnit.HOURS:
        return due + (paused_to - paused_from)
    start_day, end_day = _local(paused_from).date(), _local(paused_to).date()
    if start_day == end_day:
        return due + (paused_to - paused_from)
    days = working_days_between(start_day, end_day)
    if days == 0:
        return due
    return _at_same_time(add_working_days(_local(due).date(), days), due)


@dataclass(frozen=True)
class Clock:
    rule: SlaRule
    respond_by: datetime.datetime
    complete_by: datetime.datetime


def clock_for(repair_class: RepairClass, estate, urgency: str, start: datetime.datetime) -> Clock:
    """The rule and both deadlines of an order whose clock starts at `start`."""
    rule = rule_for(repair_class, estate, urgency)
    return Clock(
        rule=rule,
        respond_by=deadline(start, rule.respond_in, rule.respond_unit),
        complete_by=deadline(start, rule.complete_in, rule.complete_unit),
    )


# --- Editing the table ------------------------------------------------------------------

RULE_FIELDS = [
    "repair_class",
    "estate",
    "urgency",
    "respond_in",
    "respond_unit",
    "complete_in",
    "complete_unit",
    "source",
]


def _is_catch_all(rule: SlaRule) -> bool:
    return rule.repair_class_id is None and rule.estate_id is None and rule.urgency == ""


def sla_rule_save(
    *,
    actor,
    rule: SlaRule | None = None,
    repair_class: RepairClass | None,
    estate,
    urgency: str,
    respond_in: int,
    respond_unit: str,
    complete_in: int,
    complete_unit: str,
    source: str,
) -> SlaRule:
    """Add a rule, or change one. One rule per (classification, estate, urgency); the
    blank rule, which every order falls back on, keeps its blanks. The source (the
    document the deadlines come from) is required: policy numbers carry their source."""
    urgency = urgency or ""
    source = (source or "").strip()
    if urgency not in ("", *Urgency.values):
        raise DomainError(_("Unknown urgency."), code="urgency")
    for unit in (respond_unit, complete_unit):
        if unit not in SlaUnit.values:
            raise DomainError(_("Choose hours or working days."), code="unit")
    for amount in (respond_in, complete_in):
        if not isinstance(amount, int) or amount < 1 or amount > 999:
            raise DomainError(_("A deadline is a whole number from 1 to 999."), code="amount")
    if not source:
        raise DomainError(_("Say where the deadlines come from."), code="source")
    if len(source) > SOURCE_MAX:
        raise DomainError(
            _("Keep the source under %(n)s characters.") % {"n": SOURCE_MAX}, code="too_long"
        )
    if rule is not None and _is_catch_all(rule) and (repair_class or estate or urgency):
        raise DomainError(
            _("The blank rule is what every order falls back on: it keeps its blanks."),
            code="catch_all",
        )
    with transaction.atomic():
        same = SlaRule.objects.select_for_update().filter(
            repair_class=repair_class, estate=estate, urgency=urgency
        )
        if rule is not None:
            same = same.exclude(pk=rule.pk)
        if same.exists():
            raise DomainError(
                _("The table already has a rule for this classification, estate and urgency."),
                code="duplicate",
            )
        before = audit.snapshot(rule, RULE_FIELDS) if rule is not None else {}
        rule = rule or SlaRule()
        rule.repair_class, rule.estate, rule.urgency = repair_class, estate, urgency
        rule.respond_in, rule.respond_unit = respond_in, respond_unit
        rule.complete_in, rule.complete_unit = complete_in, complete_unit
        rule.source = source
        rule.save()
        after = audit.snapshot(rule, RULE_FIELDS)
        audit.record(
            actor=actor,
            action="sla_rule.change" if before else "sla_rule.add",
            target=rule,
            changes=audit.diff(before, after) if before else after,
        )
    return rule


def sla_rule_delete(rule: SlaRule, *, actor) -> None:
    if _is_catch_all(rule):
        raise DomainError(
            _("The blank rule is what every order falls back on: it cannot be deleted."),
            code="catch_all",
        )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="sla_rule.delete",
            target=rule,
            changes=audit.snapshot(rule, RULE_FIELDS),
        )
        rule.delete()


def repair_class_set_active(node: RepairClass, *, actor, active: bool) -> RepairClass:
    """Offer a classification (and what lies under it) to reporters, or stop offering
    it. Orders already reported keep theirs."""
    if node.is_active == active:
        return node
    with transaction.atomic():
        node.is_active = active
        node.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="repair_class.activate" if active else "repair_class.deactivate",
            target=node,
            changes={"is_active": [not active, active]},
        )
    return node
