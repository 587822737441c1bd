"""The repairer's part of a work order: starting, finishing with photos of the result
and the materials used, and billing what the tenant pays for through tenancy."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.uploads import check_photos
from anju.tenancy.models import BillKind
from anju.tenancy.services.billing import bill_raise

from ..models import PhotoStage, StepKind, Urgency, WorkOrder, WorkOrderStatus
from .workorders import (
    NOTE_MAX,
    PHOTOS_MAX,
    _later,
    _locked,
    _save_photos,
    _step,
    _text,
    _timeline,
    check_move,
    may_work,
)

S = WorkOrderStatus
MATERIALS_MAX = 20
CENT = Decimal("0.01")


def _check_worker(order: WorkOrder, actor) -> None:
    if not may_work(order, actor):
        raise DomainError(
            _("Only the repairer it is given to, or a manager of %(c)s, works this order.")
            % {"c": order.property_company},
            code="not_yours",
        )


def workorder_start(order: WorkOrder, *, actor) -> WorkOrder:
    with transaction.atomic():
        order = _locked(order)
        check_move(order, S.IN_PROGRESS)
        if order.status != S.ASSIGNED:
            raise DomainError(_("Only an assigned order is started."), code="bad_transition")
        _check_worker(order, actor)
        now = timezone.now()
        order.status = S.IN_PROGRESS
        order.started_at = order.started_at or now
        order.save(update_fields=["status", "started_at"])
        _step(order, StepKind.STARTED, actor, at=now)
        audit.record(
            actor=actor,
            action="workorder.start",
            target=order,
            changes={"status": [S.ASSIGNED, S.IN_PROGRESS]},
        )
        _timeline(order, "workorder.started", actor)
    return order


def parse_materials(rows) -> list[list[str]]:
    """Rows of (material, quantity, unit) as typed; blank rows are dropped. A material
    needs a quantity greater than zero."""
    out: list[list[str]] = []
    for n, row in enumerate(rows or (), 1):
        name, quantity, unit = (list(row) + ["", "", ""])[:3]
        name, quantity, unit = (str(v or "").strip() for v in (name, quantity, unit))
        if not (name or quantity or unit):
            continue
        if not name:
            raise DomainError(
                _("Materials, row %(n)s: name the material.") % {"n": n}, code="materials"
            )
        try:
            amount = Decimal(quantity)
        except (InvalidOperation, ValueError):
            amount = Decimal(0)
        if not amount.is_finite() or amount <= 0:
            raise DomainError(
                _("Materials, row %(n)s: give the quantity of %(m)s.") % {"n": n, "m": name},
                code="materials",
            )
        out.append([name[:60], quantity[:12], unit[:10]])
    if len(out) > MATERIALS_MAX:
        raise DomainError(
            _("List at most %(n)s materials.") % {"n": MATERIALS_MAX}, code="materials"
        )
    return out


def parse_charge(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        charge = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("The charge is an amount in yuan."), code="charge") from None
    if not charge.is_finite() or charge <= 0:
        raise DomainError(_("The charge must be more than zero."), code="charge")
    if charge != charge.quantize(CENT):
        raise DomainError(_("The charge has more than two decimals."), code="charge")
    return charge


def workorder_done(
    order: WorkOrder,
    *,
    actor,
    note: str,
    photos=(),
    materials=(),
    charge=None,
) -> WorkOrder:
    """The repairer finishes: what was done, photos of the result and the materials
    used; for paid work, what the tenant pays, billed through tenancy at once. The
    tenant is asked to confirm."""
    note = _text(note, required=_("Say what was done."), most=NOTE_MAX, code="note")
    materials = parse_materials(materials)
    charge = parse_charge(charge)
    photos = check_photos(photos, most=PHOTOS_MAX)
    if not photos:
        raise DomainError(_("Add a photo of the finished repair."), code="photo_required")
    with transaction.atomic():
        order = _locked(order)
        check_move(order, S.DONE)
        _check_worker(order, actor)
        if charge is not None and order.urgency != Urgency.PAID:
            raise DomainError(
                _("Only work the tenant pays for is charged; this order is “%(u)s”.")
                % {"u": order.get_urgency_display()},
                code="charge_not_paid",
            )
        if charge is not None and not order.household_id:
            raise DomainError(
                _("This order is for no household: there is nobody to bill the charge to."),
                code="charge_no_household",
            )
        now = timezone.now()
        order.status = S.DONE
        order.done_at = now
        order.done_note = note
        order.materials = materials
        order.charge = charge
        order.save(update_fields=["status", "done_at", "done_note", "materials", "charge"])
        _save_photos(order, photos, PhotoStage.DONE)
        _step(order, StepKind.DONE, actor, note=note, at=now)
        audit.record(
            actor=actor,
            action="workorder.done",
            target=order,
            changes={
                "status": [S.IN_PROGRESS, S.DONE],
                "materials": materials,
                "charge": charge,
                "photos": len(photos),
            },
        )
        _timeline(order, "workorder.done", actor)
        bill = None
        if charge is not None and order.household_id:
            bill = workorder_bill(order, actor=actor)
        if order.household_id:
            charge_text = (
                _("You pay ¥%(a)s for it, due %(d)s.") % {"a": charge, "d": bill.due_on.isoformat()}
                if bill is not None
                else ""
            )
            _later(
                "workorder.done",
                f"workorder:{order.pk}:done:{order.reopen_count}",
                household=order.household,
                number=order.number,
                problem=str(order.repair_class),
                days=settings.ANJU_REPAIR_REOPEN_DAYS,
                charge=charge_text,
            )
    return order


def workorder_bill(order: WorkOrder, *, actor):
    """Bill the charge of a done order to its household through tenancy, once: the
    bill's source key is the order, so sending it again returns the same bill."""
    if order.charge is None or not order.household_id:
        raise DomainError(_("This order has no charge to bill."), code="no_charge")
    if order.status not in (S.DONE, S.CLOSED):
        raise DomainError(_("Only a done order is billed."), code="bad_transition")
    with transaction.atomic():
        bill = bill_raise(
            order.household,
            actor=actor,
            kind=BillKind.REPAIR,
            amount=order.charge,
            due_on=timezone.localdate()
            + datetime.timedelta(days=settings.ANJU_REPAIR_PAYMENT_DAYS),
            description=f"{order.number} {order.repair_class}",
            source_key=f"workorder:{order.pk}",
        )
        if order.bill_id != bill.pk:
            order.bill = bill
            order.save(update_fields=["bill"])
            _step(order, StepKind.BILLED, actor, note=f"¥{bill.amount}")
    return bill
