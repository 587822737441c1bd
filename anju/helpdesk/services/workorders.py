"""Work orders (报修): the shared pieces, reporting and dispatching (assigning, the
urgency, deferring and taking up again). The repairer's part is in `workorder_work`,
the tenant's answer in `workorder_answers`, the periodic runs in `workorder_sweeps`
and the quality checks in `workorder_quality`.

Every change of status goes through the one table, `models.TRANSITIONS`, checked on
the locked row; a request that the table does not allow is refused whatever page it
came from. Each action writes an audit entry, a step of the order's trail (which the
tenant sees) and, for an order of a household, a line of the household's timeline.
Messages go to the outbox once the change is committed.

The clock: the deadlines are set when the order is reported (and again when it is
reopened) from the deadline table (`sla.clock_for`); while it is deferred the clock
stands still, and `workorder_resume` moves both deadlines on by the pause."""

from __future__ import annotations

import datetime

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, pii, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel, User
from anju.core.numbering import next_number, with_fresh_number
from anju.core.roles import Perm, Role
from anju.core.uploads import check_photos
from anju.households.models import Household

from ..models import (
    TRANSITIONS,
    ClassLevel,
    PhotoStage,
    RepairClass,
    StepKind,
    Urgency,
    WorkOrder,
    WorkOrderChannel,
    WorkOrderPhoto,
    WorkOrderStatus,
    WorkOrderStep,
)
from . import sla

S = WorkOrderStatus
DESCRIPTION_MAX = 1000
PLACE_MAX = 200
NOTE_MAX = 500
PHOTOS_MAX = 6
# The seeded place 户内 ("in the home"): an order classified under it is about one
# unit; every other place is a shared area of a building or of the estate.
HOME_PLACE = "H"
# The roles whose holders repair: an order is assigned to one of them, in the estate's
# property company.
REPAIR_ROLES = (Role.PROPERTY_STAFF, Role.PROPERTY_MANAGER)

timeline.register("workorder.reported", gettext_lazy("Work order %(number)s reported: %(problem)s"))
timeline.register(
    "workorder.assigned",
    gettext_lazy("Work order %(number)s given to %(repairer)s, to be done by %(by)s"),
)
timeline.register(
    "workorder.urgency",
    gettext_lazy("Work order %(number)s: %(urgency)s, to be done by %(by)s"),
)
timeline.register("workorder.started", gettext_lazy("Work order %(number)s: work started"))
timeline.register(
    "workorder.deferred", gettext_lazy("Work order %(number)s put off until %(until)s")
)
timeline.register("workorder.resumed", gettext_lazy("Work order %(number)s taken up again"))
timeline.register("workorder.done", gettext_lazy("Work order %(number)s done"))
timeline.register(
    "workorder.confirmed",
    gettext_lazy("Work order %(number)s confirmed by the tenant (%(rating)s of 5)"),
)
timeline.register("workorder.closed", gettext_lazy("Work order %(number)s closed without a rating"))
timeline.register("workorder.reopened", gettext_lazy("Work order %(number)s reopened (%(count)s)"))
timeline.register("workorder.cancelled", gettext_lazy("Work order %(number)s cancelled"))

notify.register(
    "workorder.assigned",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Work order {number} ({problem}): {repairer} of {company} is on it and will "
        "finish by {by}. {phone}"
    ),
)
notify.register(
    "workorder.deferred",
    MessageChannel.PORTAL,
    gettext_lazy("Work order {number} ({problem}) is put off until {until}: {reason}"),
)
notify.register(
    "workorder.done",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Work order {number} ({problem}) is done. Please confirm it and rate the repair "
        "on the portal; if it is not right, reopen it within {days} days. {charge}"
    ),
)
notify.register(
    "workorder.cancelled",
    MessageChannel.PORTAL,
    gettext_lazy("Work order {number} ({problem}) is cancelled: {reason}"),
)
notify.register(
    "workorder.reopened",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Work order {number} ({problem}, {where}) was reopened by the tenant: {reason}. "
        "Complete it by {by}."
    ),
)


# --- Small pieces -----------------------------------------------------------------------


def can_move(order: WorkOrder, to: str) -> bool:
    return to in TRANSITIONS[S(order.status)]


def check_move(order: WorkOrder, to: str) -> None:
    if not can_move(order, to):
        raise DomainError(
            _("A work order that is “%(now)s” cannot become “%(to)s”.")
            % {"now": order.get_status_display(), "to": S(to).label},
            code="bad_transition",
        )


def _locked(order: WorkOrder) -> WorkOrder:
    return (
        # Lock the order's row only: PostgreSQL cannot lock the nullable side of the
        # outer joins to its household, unit and repairer.
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("estate", "repair_class", "household", "unit", "assigned_to")
        .get(pk=order.pk)
    )


def _fmt(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def is_home_class(repair_class: RepairClass) -> bool:
    return repair_class.path()[0].code == HOME_PLACE


def is_tenant_of(order: WorkOrder, actor) -> bool:
    household_id = getattr(actor, "household_id", None)
    return bool(household_id) and household_id == order.household_id


def may_work(order: WorkOrder, actor) -> bool:
    """The repairer the order is given to, or a manager of its property company."""
    if actor is None:
        return False
    if order.assigned_to_id == actor.pk:
        return True
    return actor.organisation_id == order.property_company_id and actor.can(Perm.WORKORDER_DISPATCH)


def repairers_of(company) -> list[User]:
    """The active repairers and managers of a property company, who may be given an
    order."""
    return list(
        User.objects.filter(is_active=True, organisation=company, roles__role__in=REPAIR_ROLES)
        .distinct()
        .order_by("full_name", "username")
    )


def _step(order: WorkOrder, kind: str, actor, note: str = "", at=None) -> WorkOrderStep:
    return WorkOrderStep.objects.create(
        order=order,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        note=(note or "")[:NOTE_MAX],
        at=at or timezone.now(),
    )


def _timeline(order: WorkOrder, verb: str, actor, **data) -> None:
    if order.household_id:
        timeline.add(
            verb,
            actor=actor if getattr(actor, "pk", None) else None,
            for_household=order.household,
            for_unit=order.unit,
            number=order.number,
            **data,
        )


def _later(code: str, key: str, **kwargs) -> None:
    """Queue a message once the change is committed."""
    transaction.on_commit(lambda: notify.queue(code, key=key, **kwargs))


def _text(value: str, *, required: str | None, most: int, code: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(required, code=f"{code}_required")
    if len(value) > most:
        raise DomainError(_("Keep it under %(n)s characters.") % {"n": most}, code="too_long")
    return value


def _save_photos(order: WorkOrder, photos, stage: str) -> None:
    for photo in photos:
        WorkOrderPhoto.objects.create(order=order, stage=stage, file=File(photo, name=photo.name))


def where_of(order: WorkOrder) -> str:
    if order.unit is not None:
        return order.unit.code
    return f"{order.estate.name} {order.place}".strip()


# --- Reporting --------------------------------------------------------------------------


def _classification(repair_class: RepairClass | None) -> RepairClass:
    if repair_class is None or repair_class.level == ClassLevel.PLACE:
        raise DomainError(
            _("Choose what is wrong: a problem, or at least a kind of repair."),
            code="classification",
        )
    if not all(node.is_active for node in repair_class.path()):
        raise DomainError(
            _("“%(c)s” is no longer offered; choose another.") % {"c": repair_class.name},
            code="classification",
        )
    return repair_class


def workorder_report(
    *,
    actor,
    channel: str,
    repair_class: RepairClass | None,
    description: str,
    unit=None,
    estate=None,
    building=None,
    place: str = "",
    emergency: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    photos=(),
    inspection=None,
    handover=None,
) -> WorkOrder:
    """Record a repair request. A tenant reports on the portal for their own household:
    a repair in the home names their unit, one in a shared area their estate and where
    in it. Staff take it by phone or at the counter, or raise it from an inspection or
    a move-out handover: a repair in a home names the unit (and the household living
    there), one in a shared area the estate and the building or place. The deadlines
    follow from the classification, the estate and the urgency, whatever the channel."""
    if channel not in WorkOrderChannel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    repair_class = _classification(repair_class)
    description = _text(
        description,
        required=_("Describe what is wrong."),
        most=DESCRIPTION_MAX,
        code="description",
    )
    place = _text(place, required=None, most=PLACE_MAX, code="place")
    tenant_household = getattr(actor, "household", None) if getattr(actor, "pk", None) else None
    household = None
    in_home = is_home_class(repair_class)
    if channel == WorkOrderChannel.PORTAL:
        if tenant_household is None or tenant_household.unit_id is None:
            raise DomainError(
                _("Only a tenant living in a unit reports a repair on the portal."),
                code="actor",
            )
        household = tenant_household
        estate = household.unit.estate
        unit = household.unit if in_home else None
        building = None
    elif in_home:
        if unit is None:
            raise DomainError(_("Name the unit the repair is in."), code="unit_required")
        estate = unit.estate
        household = Household.objects.filter(unit=unit).first()
    else:
        if unit is not None:
            # The caller's own unit, for a problem in a shared area: the order names
            # the estate and the building, and stays the caller's household's to follow.
            household = Household.objects.filter(unit=unit).first()
            building = building or unit.building
            unit = None
        if building is not None:
            estate = building.estate
    if estate is None:
        raise DomainError(_("Name the estate."), code="estate_required")
    if unit is None:
        if building is not None:
            where = _("Building %(n)s") % {"n": building.number}
            place = f"{where} {place}".strip()
        if not place:
            raise DomainError(
                _("Say where in the estate: the building, the entrance, the spot."),
                code="place_required",
            )
        place = place[:PLACE_MAX]
    if estate.property_company_id is None:
        raise DomainError(_("No property company serves this estate."), code="no_company")
    contact_name = (contact_name or "").strip()[:40]
    phone = (contact_phone or "").strip()
    if phone:
        phone = pii.validate_phone(phone)
    photos = check_photos(photos, most=PHOTOS_MAX)
    emergency = bool(emergency) or repair_class.emergency
    urgency = sla.urgency_for(repair_class, emergency=emergency)
    now = timezone.now()
    clock = sla.clock_for(repair_class, estate, urgency, now)

    def write() -> WorkOrder:
        order = WorkOrder.objects.create(
            number=next_number(WorkOrder, f"BX{timezone.localdate():%Y}", width=6),
            channel=channel,
            estate=estate,
            unit=unit,
            household=household,
            place=place,
            repair_class=repair_class,
            description=description,
            emergency=emergency,
            urgency=urgency,
            reported_by=actor if getattr(actor, "pk", None) else None,
            contact_name=contact_name,
            contact_enc=pii.encrypt(phone) if phone else "",
            contact_masked=pii.mask_phone(phone) if phone else "",
            reported_at=now,
            inspection=inspection,
            handover=handover,
            property_company_id=estate.property_company_id,
            respond_by=clock.respond_by,
            complete_by=clock.complete_by,
            sla_rule=clock.rule,
            respond_unit=clock.rule.respond_unit,
            complete_unit=clock.rule.complete_unit,
        )
        _save_photos(order, photos, PhotoStage.REPORTED)
        _step(order, StepKind.REPORTED, actor, note=order.get_channel_display(), at=now)
        audit.record(
            actor=actor,
            action="workorder.report",
            target=order,
            changes=audit.snapshot(
                order,
                [
                    "channel",
                    "estate",
                    "unit",
                    "household",
                    "place",
                    "repair_class",
                    "emergency",
                    "urgency",
                    "respond_by",
                    "complete_by",
                ],
            )
            | {"contact": order.contact_masked, "photos": len(photos)},
        )
        _timeline(order, "workorder.reported", actor, problem=str(repair_class))
        return order

    return with_fresh_number(write)


# --- Dispatching ------------------------------------------------------------------------


def workorder_assign(order: WorkOrder, *, actor, repairer) -> WorkOrder:
    """Give the order to a repairer of the estate's property company, or to another
    one. The first assignment is the response to the report."""
    if repairer is None:
        raise DomainError(_("Choose the repairer."), code="repairer_required")
    with transaction.atomic():
        order = _locked(order)
        # The table also leads a deferred order back to "assigned" (resuming) and a
        # finished one (reopening); neither is an assignment.
        if order.status == S.DEFERRED:
            raise DomainError(
                _("A deferred order is taken up again before it is given to anyone."),
                code="bad_transition",
            )
        if order.status not in (S.REPORTED, S.ASSIGNED, S.IN_PROGRESS):
            raise DomainError(
                _("A work order that is “%(now)s” cannot be given to a repairer.")
                % {"now": order.get_status_display()},
                code="bad_transition",
            )
        check_move(order, S.ASSIGNED)
        if repairer.pk not in {u.pk for u in repairers_of(order.property_company)}:
            raise DomainError(
                _("%(who)s is not a repairer of %(company)s, which serves this estate.")
                % {"who": repairer, "company": order.property_company},
                code="wrong_repairer",
            )
        now = timezone.now()
        before = audit.snapshot(order, ["status", "assigned_to"])
        order.status = S.ASSIGNED
        order.assigned_to = repairer
        order.assigned_at = now
        fields = ["status", "assigned_to", "assigned_at"]
        if order.responded_at is None:
            order.responded_at = now
            fields.append("responded_at")
        order.save(update_fields=fields)
        step = _step(order, StepKind.ASSIGNED, actor, note=str(repairer), at=now)
        audit.record(
            actor=actor,
            action="workorder.assign",
            target=order,
            changes=audit.diff(before, audit.snapshot(order, ["status", "assigned_to"])),
        )
        _timeline(
            order,
            "workorder.assigned",
            actor,
            repairer=str(repairer),
            by=_fmt(order.complete_by),
        )
        if order.household_id:
            company = order.property_company
            _later(
                "workorder.assigned",
                f"workorder:{order.pk}:assigned:{step.pk}",
                household=order.household,
                number=order.number,
                problem=str(order.repair_class),
                repairer=str(repairer),
                company=company.name,
                by=_fmt(order.complete_by),
                phone=company.phone,
            )
    return order


def workorder_set_urgency(order: WorkOrder, *, actor, urgency: str) -> WorkOrder:
    """A dispatcher calls an order paid by the tenant, under the builder's warranty, or
    normal after all. The deadlines are counted again from when the clock started, with
    any pause kept."""
    if urgency not in (Urgency.NORMAL, Urgency.PAID, Urgency.WARRANTY):
        raise DomainError(
            _("An order can be called normal, paid by the tenant or under warranty."),
            code="urgency",
        )
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (S.REPORTED, S.ASSIGNED, S.IN_PROGRESS, S.DEFERRED):
            raise DomainError(_("Only an open order's urgency can change."), code="bad_transition")
        if order.emergency:
            raise DomainError(_("An emergency stays an emergency."), code="emergency")
        if order.urgency == urgency:
            return order
        started = clock_start(order)
        old_rule = order.sla_rule or sla.rule_for(order.repair_class, order.estate, order.urgency)
        old = sla.Clock(
            rule=old_rule,
            respond_by=sla.deadline(started, old_rule.respond_in, order.respond_unit),
            complete_by=sla.deadline(started, old_rule.complete_in, order.complete_unit),
        )
        new = sla.clock_for(order.repair_class, order.estate, urgency, started)
        before = audit.snapshot(order, ["urgency", "respond_by", "complete_by"])
        # What the pauses added to the old deadlines, they add to the new ones.
        order.respond_by = new.respond_by + (order.respond_by - old.respond_by)
        order.complete_by = new.complete_by + (order.complete_by - old.complete_by)
        order.urgency = urgency
        order.sla_rule = new.rule
        order.respond_unit = new.rule.respond_unit
        order.complete_unit = new.rule.complete_unit
        order.save(
            update_fields=[
                "urgency",
                "respond_by",
                "complete_by",
                "sla_rule",
                "respond_unit",
                "complete_unit",
            ]
        )
        audit.record(
            actor=actor,
            action="workorder.urgency",
            target=order,
            changes=audit.diff(
                before, audit.snapshot(order, ["urgency", "respond_by", "complete_by"])
            ),
        )
        # The tenant sees the new deadline in the trail, with the reason for it.
        _step(order, StepKind.URGENCY, actor, note=f"{order.get_urgency_display()}")
        _timeline(order, "workorder.urgency", actor, urgency=urgency, by=_fmt(order.complete_by))
    return order


def clock_start(order: WorkOrder) -> datetime.datetime:
    """When the order's clock last started: its last reopening, else its report."""
    reopened = (
        order.steps.filter(kind=StepKind.REOPENED).order_by("-at").values_list("at", flat=True)
    ).first()
    return reopened or order.reported_at


def workorder_defer(
    order: WorkOrder, *, actor, until: datetime.date | None, reason: str
) -> WorkOrder:
    """Put an order off until a date (parts to come, the tenant away), with the reason.
    Its clock stands still until it is taken up again, by hand or on its date."""
    reason = _text(reason, required=_("Say why the order is put off."), most=300, code="reason")
    today = timezone.localdate()
    if until is None or until <= today:
        raise DomainError(_("Put it off until a day after today."), code="bad_date")
    if until > today + datetime.timedelta(days=90):
        raise DomainError(_("Put it off for 90 days at most."), code="bad_date")
    with transaction.atomic():
        order = _locked(order)
        check_move(order, S.DEFERRED)
        now = timezone.now()
        order.resume_status = order.status
        order.status = S.DEFERRED
        order.deferred_at = now
        order.defer_until = until
        order.defer_reason = reason
        order.save(
            update_fields=["resume_status", "status", "deferred_at", "defer_until", "defer_reason"]
        )
        note = _("until %(d)s: %(why)s") % {"d": until.isoformat(), "why": reason}
        step = _step(order, StepKind.DEFERRED, actor, note=note, at=now)
        audit.record(
            actor=actor,
            action="workorder.defer",
            target=order,
            changes={
                "status": [order.resume_status, order.status],
                "until": until,
                "reason": reason,
            },
        )
        _timeline(order, "workorder.deferred", actor, until=until.isoformat())
        if order.household_id:
            _later(
                "workorder.deferred",
                f"workorder:{order.pk}:deferred:{step.pk}",
                household=order.household,
                number=order.number,
                problem=str(order.repair_class),
                until=until.isoformat(),
                reason=reason,
            )
    return order


def resume_fields(order: WorkOrder, paused_to: datetime.datetime) -> list[str]:
    """Take a deferred order (locked, or in a bulk run) back to where it was, moving its
    deadlines on by the pause; returns the fields to save."""
    paused_from = order.deferred_at or paused_to
    paused_to = max(paused_to, paused_from)
    order.respond_by = sla.shift(order.respond_by, order.respond_unit, paused_from, paused_to)
    order.complete_by = sla.shift(order.complete_by, order.complete_unit, paused_from, paused_to)
    order.paused_seconds += int((paused_to - paused_from).total_seconds())
    back = order.resume_status or (S.ASSIGNED if order.assigned_to_id else S.REPORTED)
    if back in (S.ASSIGNED, S.IN_PROGRESS) and not order.assigned_to_id:
        back = S.REPORTED
    order.status = back
    order.resume_status = ""
    order.deferred_at = None
    order.defer_until = None
    return [
        "respond_by",
        "complete_by",
        "paused_seconds",
        "status",
        "resume_status",
        "deferred_at",
        "defer_until",
    ]


def workorder_resume(order: WorkOrder, *, actor) -> WorkOrder:
    """Take a deferred order up again before its date."""
    with transaction.atomic():
        order = _locked(order)
        back = order.resume_status or S.REPORTED
        if order.status != S.DEFERRED:
            raise DomainError(_("Only a deferred order is taken up again."), code="bad_transition")
        check_move(order, back)
        now = timezone.now()
        fields = resume_fields(order, now)
        order.save(update_fields=fields)
        _step(
            order,
            StepKind.RESUMED,
            actor,
            note=_("complete by %(d)s") % {"d": _fmt(order.complete_by)},
            at=now,
        )
        audit.record(
            actor=actor,
            action="workorder.resume",
            target=order,
            changes={"status": [S.DEFERRED, order.status], "complete_by": order.complete_by},
        )
        _timeline(order, "workorder.resumed", actor)
    return order
