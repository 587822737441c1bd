"""Good-conduct credit (the other side of tenant points), which the evaluation issue
scores: volunteering hours and other good conduct entered by staff, and, by a monthly
run, credit for twelve months of rent paid on time.

The on-time rule: a household earns `ON_TIME_CREDIT` when, over the twelve whole
months before the run's month, it had a rent bill due in each (twelve at least) and
every bill due in those months (rent, fines, anything not cancelled) was paid in full
on or before its due date: no open bill, and no part of one settled by a payment
made after the day it fell due. It earns it at most once in twelve months; the credit
is keyed on the household and the month, so running the month again is harmless."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from ..models import CreditKind, GoodConductCredit

timeline.register(
    "credit.recorded", gettext_lazy("Good-conduct credit %(amount)s: %(kind)s %(details)s")
)

MAX_CREDIT = Decimal("99999.9")


def on_time_credit() -> Decimal:
    # The credit for twelve months paid on time, in the same unit as an hour of
    # volunteering; the evaluation issue weighs the kinds. A setting of the authority.
    return Decimal(settings.ANJU_ON_TIME_CREDIT)


def credit_record(
    household,
    *,
    actor,
    kind: str,
    amount: Decimal,
    occurred_on: datetime.date,
    details: str = "",
    source_key: str | None = None,
) -> GoodConductCredit:
    """Staff record good conduct: volunteering (amount = hours) or other. A credit
    earned by a rule passes `source_key` (an activity's attendance, say): the same key
    again returns the credit already recorded and records nothing."""
    if source_key:
        existing = GoodConductCredit.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    if kind not in (CreditKind.VOLUNTEERING, CreditKind.OTHER):
        raise DomainError(
            _(
                "Choose volunteering or other good conduct; on-time payment is credited "
                "by the monthly run."
            ),
            code="bad_kind",
        )
    amount = Decimal(amount)
    if amount <= 0 or amount > MAX_CREDIT:
        raise DomainError(_("The credit must be more than zero."), code="bad_amount")
    if amount != amount.quantize(Decimal("0.1")):
        raise DomainError(_("Give the credit to one decimal place."), code="bad_amount")
    if occurred_on is None or occurred_on > timezone.localdate():
        raise DomainError(_("Good conduct cannot be recorded before it happens."), code="bad_date")
    details = (details or "").strip()[:300]
    with transaction.atomic():
        credit = GoodConductCredit.objects.create(
            household=household,
            kind=kind,
            amount=amount,
            occurred_on=occurred_on,
            details=details,
            recorded_by=actor,
            source_key=source_key or None,
        )
        audit.record(
            actor=actor,
            action="credit.record",
            target=credit,
            changes=audit.snapshot(credit, ["household", "kind", "amount", "occurred_on"]),
        )
        timeline.add(
            "credit.recorded",
            actor=actor,
            for_household=household,
            amount=str(amount),
            kind=kind,
            details=details,
        )
    return credit


def _months_back(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def on_time_households(month: datetime.date):
    """Ids of the households that paid every bill of the twelve months before `month`
    on time, set-based over the bills and their allocations."""
    from anju.tenancy.models import Allocation, Bill, BillKind, BillStatus

    start, end = _months_back(month, 12), month.replace(day=1)
    bills = Bill.objects.filter(due_on__gte=start, due_on__lt=end).exclude(
        status=BillStatus.CANCELLED
    )
    late = (
        Allocation.objects.filter(bill=OuterRef("pk"))
        .annotate(day=TruncDate("payment__paid_at", tzinfo=timezone.get_current_timezone()))
        .filter(day__gt=OuterRef("due_on"))
    )
    spoiled = bills.filter(Q(status=BillStatus.OPEN) | Exists(late)).values("household_id")
    return (
        bills.filter(kind=BillKind.RENT)
        .values("household_id")
        .annotate(months=Count("id"))
        .filter(months__gte=12)
        .exclude(household_id__in=spoiled)
        .values_list("household_id", flat=True)
    )


def on_time_credits_run(month: datetime.date | None = None) -> int:
    """Credit every household that paid the last twelve months on time and was not
    credited for it in those months. Returns how many were credited."""
    month = (month or timezone.localdate()).replace(day=1)
    since = _months_back(month, 12)
    recently = GoodConductCredit.objects.filter(
        kind=CreditKind.ON_TIME_PAYMENT, occurred_on__gte=since
    ).values("household_id")
    ids = list(on_time_households(month).exclude(household_id__in=recently))
    if not ids:
        return 0
    amount = on_time_credit()
    day = month - datetime.timedelta(days=1)  # earned on the last day of the window
    details = _("Rent paid on time %(a)s – %(b)s") % {
        "a": since.strftime("%Y-%m"),
        "b": day.strftime("%Y-%m"),
    }
    with transaction.atomic():
        GoodConductCredit.objects.bulk_create(
            [
                GoodConductCredit(
                    household_id=pk,
                    kind=CreditKind.ON_TIME_PAYMENT,
                    amount=amount,
                    occurred_on=day,
                    details=details,
                    source_key=f"ontime:{pk}:{month:%Y-%m}",
                )
                for pk in ids
            ],
            batch_size=1000,
            ignore_conflicts=True,  # a run racing this one credited the same key
        )
        audit.record(
            actor=None,
            action="credit.on_time_run",
            target=("supervision.goodconductcredit", month.strftime("%Y-%m"), details),
            changes={"households": len(ids), "amount": amount},
        )
        entries = []
        for pk in ids:
            entry = timeline.build(
                "credit.recorded",
                amount=str(amount),
                kind=CreditKind.ON_TIME_PAYMENT,
                details=details,
            )
            entry.household_id = pk
            entries.append(entry)
        timeline.add_many(entries)
    return len(ids)
