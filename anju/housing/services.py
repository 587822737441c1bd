"""Writes to the housing stock. Each service checks state, changes it atomically,
and writes one audit entry and one timeline entry."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, timeline
from anju.core.errors import DomainError

from .models import LEASE_STATUSES, UNIT_TRANSITIONS, Estate, RentStandard, Unit, UnitStatus


def unit_set_status(
    unit: Unit, *, actor, status: str, reason: str = "", by_lease: bool = False
) -> Unit:
    """Move a unit along the transition table. Occupied and vacating follow a lease and
    are set only by the lease services (`by_lease=True`)."""
    if status not in UnitStatus.values:
        raise DomainError(_("Unknown unit status."), code="unknown_status")
    old = unit.status
    if status == old:
        return unit
    if status in LEASE_STATUSES and not by_lease:
        raise DomainError(
            _("“%(new)s” follows a lease; it is set when a lease starts or ends.")
            % {"new": UnitStatus(status).label},
            code="lease_status",
        )
    if status not in UNIT_TRANSITIONS[old]:
        raise DomainError(
            _("A unit cannot go from “%(old)s” to “%(new)s”.")
            % {"old": UnitStatus(old).label, "new": UnitStatus(status).label},
            code="bad_transition",
        )
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        if locked.status != old:
            raise DomainError(
                _("The unit's status changed meanwhile; reload and retry."), code="conflict"
            )
        unit.status = status
        unit.status_changed_at = timezone.now()
        unit.save(update_fields=["status", "status_changed_at"])
        audit.record(
            actor=actor,
            action="unit.status",
            target=unit,
            changes={"status": [old, status], "reason": reason},
        )
        timeline.add(
            "unit.status",
            actor=actor,
            for_unit=unit,
            for_household=_household_of(unit),
            unit=unit.code,
            old=old,
            new=status,
            reason=reason,
        )
    return unit


def _household_of(unit):
    from anju.households.models import Household

    return Household.objects.filter(unit=unit).first()


def rent_standard_add(
    estate: Estate, *, actor, price_per_m2: Decimal, effective_from, source: str
) -> RentStandard:
    if price_per_m2 is None or Decimal(price_per_m2) <= 0:
        raise DomainError(_("The rent per m² must be more than zero."), code="bad_price")
    if not source.strip():
        raise DomainError(
            _("Name the source document of the new rent standard."), code="source_required"
        )
    with transaction.atomic():
        if RentStandard.objects.filter(estate=estate, effective_from=effective_from).exists():
            raise DomainError(
                _("This estate already has a rent standard from that date."), code="duplicate"
            )
        standard = RentStandard.objects.create(
            estate=estate,
            price_per_m2=Decimal(price_per_m2).quantize(Decimal("0.01")),
            effective_from=effective_from,
            source=source.strip(),
        )
        audit.record(
            actor=actor,
            action="rent_standard.add",
            target=standard,
            changes=audit.snapshot(
                standard, ["estate", "price_per_m2", "effective_from", "source"]
            ),
        )
    return standard


def rent_standard_in_force(estate: Estate, on) -> RentStandard | None:
    return RentStandard.objects.filter(estate=estate).in_force(on).first()
