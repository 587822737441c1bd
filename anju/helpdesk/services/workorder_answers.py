"""The tenant's answer to a repair: confirming it with a rating, reopening it within
the window, or withdrawing the report; and cancellation by a dispatcher."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..models import StepKind, WorkOrder, WorkOrderStatus
from . import sla
from .workorders import (
    NOTE_MAX,
    _fmt,
    _later,
    _locked,
    _step,
    _text,
    _timeline,
    check_move,
    is_tenant_of,
    where_of,
)

S = WorkOrderStatus


def _check_tenant(order: WorkOrder, actor) -> None:
    if not is_tenant_of(order, actor):
        raise DomainError(_("Only the household the repair was for answers it."), code="not_yours")


def workorder_confirm(order: WorkOrder, *, actor, rating, comment: str = "") -> WorkOrder:
    """The tenant confirms the repair with 1 to 5 stars and a comment; it closes."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Give the repair from 1 to 5 stars."), code="rating")
    comment = _text(comment, required=None, most=500, code="comment")
    with transaction.atomic():
        order = _locked(order)
        _check_tenant(order, actor)
        if order.status != S.DONE:
            raise DomainError(
                _("Only a repair that is done, and not yet closed, is confirmed."),
                code="bad_transition",
            )
        check_move(order, S.CLOSED)
        now = timezone.now()
        order.status = S.CLOSED
        order.rating = rating
        order.rating_comment = comment
        order.confirmed_at = now
        order.closed_at = now
        order.closed_automatically = False
        order.save(
            update_fields=[
                "status",
                "rating",
                "rating_comment",
                "confirmed_at",
                "closed_at",
                "closed_automatically",
            ]
        )
        _step(order, StepKind.CONFIRMED, actor, note=f"{'★' * rating} {comment}".strip(), at=now)
        audit.record(
            actor=actor,
            action="workorder.confirm",
            target=order,
            changes={"status": [S.DONE, S.CLOSED], "rating": rating, "comment": comment},
        )
        _timeline(order, "workorder.confirmed", actor, rating=rating)
    return order


def reopen_refusal(order: WorkOrder, now: datetime.datetime | None = None) -> str | None:
    """Why the tenant may not reopen the order now, or None."""
    now = now or timezone.now()
    if order.status not in (S.DONE, S.CLOSED) or order.done_at is None:
        return _("Only a finished repair can be reopened.")
    days = settings.ANJU_REPAIR_REOPEN_DAYS
    if now - order.done_at > datetime.timedelta(days=days):
        return _(
            "A repair can be reopened within %(n)s days of being done; this one was done on "
            "%(d)s. Please report it again as a new repair."
        ) % {"n": days, "d": timezone.localtime(order.done_at).date().isoformat()}
    most = settings.ANJU_REPAIR_REOPEN_MAX
    if order.reopen_count >= most:
        return _(
            "This repair has been reopened %(n)s times already, the most allowed. Please "
            "report it again as a new repair, or give feedback."
        ) % {"n": order.reopen_count}
    if order.assigned_to_id is None:
        return _("This order was never given to a repairer.")
    return None


def workorder_reopen(order: WorkOrder, *, actor, reason: str) -> WorkOrder:
    """The tenant says the repair is not right: back to the same repairer with fresh
    deadlines from now, not escalated; the count of reopenings goes up."""
    reason = _text(reason, required=_("Say what is still wrong."), most=NOTE_MAX, code="reason")
    with transaction.atomic():
        order = _locked(order)
        _check_tenant(order, actor)
        refusal = reopen_refusal(order)
        if refusal:
            raise DomainError(refusal, code="reopen_refused")
        check_move(order, S.ASSIGNED)
        now = timezone.now()
        clock = sla.clock_for(order.repair_class, order.estate, order.urgency, now)
        before = order.status
        order.status = S.ASSIGNED
        order.reopen_count += 1
        order.respond_by, order.complete_by = clock.respond_by, clock.complete_by
        order.sla_rule = clock.rule
        order.respond_unit, order.complete_unit = clock.rule.respond_unit, clock.rule.complete_unit
        # Back with the same repairer at once: that is the response.
        order.assigned_at = order.responded_at = now
        order.escalation, order.escalated_at = 0, None
        order.done_at = order.confirmed_at = order.closed_at = None
        order.rating, order.rating_comment, order.closed_automatically = None, "", False
        order.save(
            update_fields=[
                "status",
                "reopen_count",
                "respond_by",
                "complete_by",
                "sla_rule",
                "respond_unit",
                "complete_unit",
                "assigned_at",
                "responded_at",
                "escalation",
                "escalated_at",
                "done_at",
                "confirmed_at",
                "closed_at",
                "rating",
                "rating_comment",
                "closed_automatically",
            ]
        )
        _step(order, StepKind.REOPENED, actor, note=reason, at=now)
        audit.record(
            actor=actor,
            action="workorder.reopen",
            target=order,
            changes={
                "status": [before, S.ASSIGNED],
                "reopen_count": order.reopen_count,
                "reason": reason,
            },
        )
        _timeline(order, "workorder.reopened", actor, count=order.reopen_count)
        _later(
            "workorder.reopened",
            f"workorder:{order.pk}:reopened:{order.reopen_count}",
            user=order.assigned_to,
            number=order.number,
            problem=str(order.repair_class),
            where=where_of(order),
            reason=reason,
            by=_fmt(order.complete_by),
        )
    return order


def workorder_cancel(order: WorkOrder, *, actor, reason: str = "") -> WorkOrder:
    """The tenant withdraws their own report while nobody is on it yet; a dispatcher
    cancels an open order, saying why."""
    reason = (reason or "").strip()
    with transaction.atomic():
        order = _locked(order)
        tenant = is_tenant_of(order, actor)
        if tenant:
            if order.status != S.REPORTED:
                raise DomainError(
                    _(
                        "A repair is withdrawn only before a repairer is given to it; "
                        "call the property company now."
                    ),
                    code="bad_transition",
                )
        elif actor is None or not actor.can(Perm.WORKORDER_DISPATCH):
            raise DomainError(_("You may not cancel this order."), code="not_yours")
        else:
            reason = _text(
                reason, required=_("Say why the order is cancelled."), most=300, code="reason"
            )
        check_move(order, S.CANCELLED)
        before = order.status
        reason = reason[:300] or _("withdrawn by the tenant")
        order.status = S.CANCELLED
        order.cancelled_reason = reason
        order.resume_status, order.deferred_at, order.defer_until = "", None, None
        order.save(
            update_fields=[
                "status",
                "cancelled_reason",
                "resume_status",
                "deferred_at",
                "defer_until",
            ]
        )
        step = _step(order, StepKind.CANCELLED, actor, note=reason)
        audit.record(
            actor=actor,
            action="workorder.cancel",
            target=order,
            changes={"status": [before, S.CANCELLED], "reason": reason},
        )
        _timeline(order, "workorder.cancelled", actor)
        if order.household_id and not tenant:
            _later(
                "workorder.cancelled",
                f"workorder:{order.pk}:cancelled:{step.pk}",
                household=order.household,
                number=order.number,
                problem=str(order.repair_class),
                reason=reason,
            )
    return order
