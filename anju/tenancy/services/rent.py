"""The rent of a lease and its history. Rent = area × the estate's standard × the
relief tier × the tier multiplier, rounded to the cent, plus any surcharge. A change
takes effect from a date, never inside a month already billed, and closes the row
before it, so the rows of a lease tile its term."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.households.models import Lease, LeaseRent
from anju.households.services import RENT_FIELDS

CENT = Decimal("0.01")

timeline.register(
    "rent.changed",
    gettext_lazy("Rent of lease %(number)s: ¥%(old)s → ¥%(new)s from %(start)s (%(reason)s)"),
)


def rent_of(
    area_m2: Decimal,
    price_per_m2: Decimal,
    relief_tier: Decimal,
    multiple: Decimal = Decimal("1"),
    surcharge: Decimal = Decimal("0"),
) -> Decimal:
    base = Decimal(area_m2) * Decimal(price_per_m2) * Decimal(relief_tier) * Decimal(multiple)
    return base.quantize(CENT, ROUND_HALF_UP) + Decimal(surcharge)


def rent_in_force(lease: Lease, on: datetime.date) -> LeaseRent | None:
    return lease.rents.filter(effective_from__lte=on).order_by("-effective_from").first()


def lease_rent_change(
    lease: Lease,
    *,
    actor,
    effective_from: datetime.date,
    reason: str,
    note: str = "",
    **terms,
) -> LeaseRent:
    """A new rent from `effective_from`: the terms given (price_per_m2, relief_tier,
    rent_multiplier, surcharge, or monthly_rent outright for a lease with no terms)
    replace the current ones; the rent is recomputed from the terms when the lease has
    them."""
    from anju.tenancy.models import Bill, BillKind

    unknown = set(terms) - set(RENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown rent terms: {sorted(unknown)}")
    if not (lease.start <= effective_from <= lease.last_day):
        raise DomainError(
            _("A rent change must take effect within the lease (%(start)s to %(end)s).")
            % {"start": lease.start, "end": lease.last_day},
            code="outside_lease",
        )
    with transaction.atomic():
        lease = Lease.objects.select_for_update().get(pk=lease.pk)
        current = lease.rents.order_by("-effective_from").first()
        if current is not None and effective_from <= current.effective_from:
            raise DomainError(
                _("The rent already changed on %(day)s; a new change must take effect later.")
                % {"day": current.effective_from},
                code="not_after_last_change",
            )
        billed = (
            Bill.objects.filter(
                lease=lease, kind=BillKind.RENT, period__gte=effective_from.replace(day=1)
            )
            .order_by("period")
            .first()
        )
        if billed is not None and billed.period_end and billed.period_end >= effective_from:
            raise DomainError(
                _(
                    "%(month)s is already billed; the change can take effect from "
                    "%(next)s at the earliest."
                )
                % {
                    "month": f"{billed.period:%Y-%m}",
                    "next": _next_month(billed.period or effective_from),
                },
                code="month_billed",
            )
        old_rent = lease.monthly_rent
        for field, value in terms.items():
            setattr(lease, field, value)
        if (
            lease.area_m2
            and lease.price_per_m2
            and lease.relief_tier
            and "monthly_rent" not in terms
        ):
            lease.monthly_rent = rent_of(
                lease.area_m2,
                lease.price_per_m2,
                lease.relief_tier,
                lease.rent_multiplier,
                lease.surcharge,
            )
        lease.save(update_fields=RENT_FIELDS)
        if current is not None:
            current.effective_until = effective_from - datetime.timedelta(days=1)
            current.save(update_fields=["effective_until"])
        row = LeaseRent.objects.create(
            lease=lease,
            effective_from=effective_from,
            reason=reason,
            note=note.strip(),
            created_by=actor,
            **{f: getattr(lease, f) for f in RENT_FIELDS},
        )
        audit.record(
            actor=actor,
            action="lease.rent_change",
            target=lease,
            changes={
                "monthly_rent": [str(old_rent), str(lease.monthly_rent)],
                "effective_from": str(effective_from),
                "reason": reason,
                "note": row.note,
            },
        )
        timeline.add(
            "rent.changed",
            actor=actor,
            for_household=lease.household,
            number=lease.number,
            old=str(old_rent),
            new=str(lease.monthly_rent),
            start=str(effective_from),
            reason=row.get_reason_display(),
        )
    return row


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
