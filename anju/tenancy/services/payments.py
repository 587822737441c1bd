"""Payments. Money received is allocated to the household's oldest open bills first
(by due date, then by the order they were raised); what is left is the household's
credit, which settles the next bills as they are raised or is refunded. A payment
from a channel statement carries the channel's transaction id; the same id again is
not a second payment."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.numbering import next_number
from anju.households.models import Household

from ..models import Allocation, Bill, BillStatus, Channel, Payment, Refund

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Lazy: the sentence is translated when the timeline is shown, in the reader's language.
timeline.register(
    "payment.received", gettext_lazy("Payment %(number)s of ¥%(amount)s received (%(channel)s)")
)
timeline.register(
    "refund.paid", gettext_lazy("Refund %(number)s of ¥%(amount)s paid back: %(reason)s")
)


def _money(value) -> Decimal:
    amount = Decimal(value)
    if amount != amount.quantize(CENT):
        raise DomainError(_("The amount has more than two decimals."), code="amount")
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), code="amount")
    return amount


def credit_of(household: Household | int) -> Decimal:
    """Money received and not yet allocated to a bill nor refunded."""
    pk: int = household.pk if isinstance(household, Household) else household
    paid = Payment.objects.filter(household_id=pk).aggregate(s=Sum("amount"))["s"] or ZERO
    allocated = (
        Allocation.objects.filter(payment__household_id=pk).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    refunded = Refund.objects.filter(household_id=pk).aggregate(s=Sum("amount"))["s"] or ZERO
    # SQLite sums decimals without their scale (4700.0); money is shown with two places.
    return (paid - allocated - refunded).quantize(CENT)


def balance_of(household: Household | int) -> Decimal:
    """What the household owes on open bills (positive), or its credit (negative)."""
    pk: int = household.pk if isinstance(household, Household) else household
    owed = (
        Bill.objects.filter(household_id=pk, status=BillStatus.OPEN).aggregate(
            s=Sum(F("amount") - F("settled"))
        )["s"]
        or ZERO
    )
    return (owed - credit_of(pk)).quantize(CENT)


def _allocate(household_id: int) -> Decimal:
    """Settle the household's open bills, oldest first, from its payments' unallocated
    money, oldest payment first. Call inside a transaction that holds the household's
    row lock. Returns the amount allocated."""
    bills = list(
        Bill.objects.filter(household_id=household_id, status=BillStatus.OPEN).order_by(
            "due_on", "id"
        )
    )
    if not bills:
        return ZERO
    # Only payments with money left over; a household's paid-up history is not read.
    payments = [
        [payment, payment.amount - payment.used]
        for payment in Payment.objects.filter(household_id=household_id)
        .annotate(used=Coalesce(Sum("allocations__amount"), ZERO))
        .filter(amount__gt=F("used"))
        .order_by("paid_at", "id")
    ]
    refunded = Refund.objects.filter(household_id=household_id).aggregate(s=Sum("amount"))["s"]
    # Refunds come out of the newest money.
    refunded = refunded or ZERO
    for entry in reversed(payments):
        take = min(entry[1], refunded)
        entry[1] -= take
        refunded -= take
    payments = [p for p in payments if p[1] > 0]
    total = ZERO
    allocations = []
    touched = {}
    for bill in bills:
        need = bill.amount - bill.settled
        if need <= 0:
            # A bill of nothing (a rent-free month) is settled as it stands.
            bill.status = BillStatus.PAID
            touched[bill.pk] = bill
            continue
        while need > 0 and payments:
            payment, free = payments[0]
            take = min(need, free)
            allocations.append(Allocation(payment=payment, bill=bill, amount=take))
            need -= take
            payments[0][1] -= take
            bill.settled += take
            total += take
            if payments[0][1] == 0:
                payments.pop(0)
        if bill.settled == bill.amount:
            bill.status = BillStatus.PAID
        if not payments:
            break
    if not touched and not allocations:
        return ZERO
    Allocation.objects.bulk_create(allocations)
    touched.update({a.bill.pk: a.bill for a in allocations})
    Bill.objects.bulk_update(list(touched.values()), ["settled", "status"])
    return total


def credits_apply(household_ids) -> Decimal:
    """Let the credit of these households (ids, or a values("household_id") queryset)
    settle their open bills. Only households that hold credit are touched. A queryset
    is used as a subquery, so a bill run of 100,000 bills sends no list of ids."""
    ids: QuerySet | set[int]
    if isinstance(household_ids, QuerySet):
        ids = household_ids.values_list("household_id", flat=True)
    else:
        ids = {
            h["household_id"] if isinstance(h, dict) else getattr(h, "pk", h) for h in household_ids
        }
        if not ids:
            return ZERO
    paid = dict(
        Payment.objects.filter(household_id__in=ids)
        .values("household_id")
        .annotate(s=Sum("amount"))
        .values_list("household_id", "s")
    )
    if not paid:
        return ZERO
    holders = Payment.objects.filter(household_id__in=ids).values("household_id")
    used = dict(
        Allocation.objects.filter(payment__household_id__in=holders)
        .values("payment__household_id")
        .annotate(s=Sum("amount"))
        .values_list("payment__household_id", "s")
    )
    refunded = dict(
        Refund.objects.filter(household_id__in=holders)
        .values("household_id")
        .annotate(s=Sum("amount"))
        .values_list("household_id", "s")
    )
    total = ZERO
    for pk, amount in sorted(paid.items()):
        if amount - used.get(pk, ZERO) - refunded.get(pk, ZERO) > 0:
            with transaction.atomic():
                Household.objects.select_for_update().filter(pk=pk).first()
                total += _allocate(pk)
    return total


def payment_record(
    household: Household,
    *,
    actor,
    amount,
    channel: str,
    paid_at: datetime.datetime | None = None,
    txn_id: str = "",
    payer: str = "",
    reference: str = "",
    note: str = "",
    statement=None,
) -> tuple[Payment, bool]:
    """Record money received and settle the oldest open bills with it. Returns the
    payment and whether it is new: a channel transaction id already recorded returns
    the earlier payment, and nothing changes."""
    amount = _money(amount)
    if channel not in Channel.values:
        raise DomainError(_("Unknown payment channel."), code="channel")
    txn_id = (txn_id or "").strip()
    if channel not in (Channel.CASH, Channel.CARD) and not txn_id:
        raise DomainError(_("A transfer needs the channel's transaction id."), code="txn_id")
    if txn_id:
        existing = Payment.objects.filter(channel=channel, txn_id=txn_id).first()
        if existing is not None:
            return existing, False
    estate = household.estate
    if estate is None:
        raise DomainError(
            _("The household is not housed; there is nothing to pay."), code="no_estate"
        )
    paid_at = paid_at or timezone.now()
    try:
        with transaction.atomic():
            Household.objects.select_for_update().filter(pk=household.pk).first()
            payment = Payment.objects.create(
                number=next_number(Payment, f"SK{timezone.localtime(paid_at):%Y}", width=7),
                household=household,
                estate=estate,
                channel=channel,
                txn_id=txn_id,
                paid_at=paid_at,
                amount=amount,
                payer=payer.strip()[:60],
                reference=reference.strip()[:60],
                note=note.strip()[:200],
                statement=statement,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            _allocate(household.pk)
            audit.record(
                actor=actor,
                action="payment.record",
                target=payment,
                changes=audit.snapshot(
                    payment, ["household", "amount", "channel", "txn_id", "paid_at"]
                ),
            )
            timeline.add(
                "payment.received",
                actor=actor,
                for_household=household,
                number=payment.number,
                amount=str(amount),
                channel=payment.get_channel_display(),
            )
    except IntegrityError:
        # Another writer recorded the same transaction a moment ago.
        existing = (
            Payment.objects.filter(channel=channel, txn_id=txn_id).first() if txn_id else None
        )
        if existing is None:
            raise
        return existing, False
    return payment, True


def refund_record(
    household: Household, *, actor, amount, method: str, reason: str, paid_on=None
) -> Refund:
    """Pay back part or all of the household's credit."""
    amount = _money(amount)
    if not reason.strip():
        raise DomainError(_("Give the reason for the refund."), code="reason")
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        credit = credit_of(household)
        if amount > credit:
            raise DomainError(
                _("The household's credit is ¥%(credit)s; it cannot be refunded ¥%(amount)s.")
                % {"credit": credit, "amount": amount},
                code="over_credit",
            )
        paid_on = paid_on or timezone.localdate()
        refund = Refund.objects.create(
            number=next_number(Refund, f"TK{paid_on:%Y}", width=6),
            household=household,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reason=reason.strip()[:200],
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="refund.record",
            target=refund,
            changes=audit.snapshot(refund, ["household", "amount", "method", "reason"]),
        )
        timeline.add(
            "refund.paid",
            actor=actor,
            for_household=household,
            number=refund.number,
            amount=str(amount),
            reason=refund.reason,
        )
    return refund


# --- The deposit at the end of a tenancy ----------------------------------------------------

timeline.register(
    "deposit.applied",
    gettext_lazy("Deposit of ¥%(amount)s applied to the account (%(number)s): %(note)s"),
)


def deposit_held(household: Household | int) -> Decimal:
    """The deposit the household has paid and not yet had back: what its deposit bills
    (not cancelled) have settled, less deposits already turned back into its money."""
    from ..models import BillKind

    pk: int = household.pk if isinstance(household, Household) else household
    paid = (
        Bill.objects.filter(household_id=pk, kind=BillKind.DEPOSIT)
        .exclude(status=BillStatus.CANCELLED)
        .aggregate(s=Sum("settled"))["s"]
        or ZERO
    )
    applied = (
        Payment.objects.filter(household_id=pk, channel=Channel.DEPOSIT).aggregate(s=Sum("amount"))[
            "s"
        ]
        or ZERO
    )
    return (paid - applied).quantize(CENT)


def deposit_apply(household: Household, *, actor, amount, note: str) -> Payment | None:
    """Turn the deposit held back into the household's money (押金抵扣) when its tenancy
    ends: a payment of channel "deposit", numbered like the others, that settles the
    oldest open bills first; what is left is credit, to be refunded. Nothing to apply
    (0) returns None. No more than the deposit held can be applied."""
    amount = Decimal(amount)
    if amount == 0:
        return None
    amount = _money(amount)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why the deposit is applied."), code="note")
    estate = household.estate
    if estate is None:
        last = household.leases.select_related("unit").order_by("-start").first()
        estate = last.unit.estate if last is not None else None
    if estate is None:
        raise DomainError(_("The household has no estate to account under."), code="no_estate")
    now = timezone.now()
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        held = deposit_held(household)
        if amount > held:
            raise DomainError(
                _("The deposit held is ¥%(held)s; ¥%(amount)s cannot be applied.")
                % {"held": held, "amount": amount},
                code="over_deposit",
            )
        payment = Payment.objects.create(
            number=next_number(Payment, f"SK{timezone.localtime(now):%Y}", width=7),
            household=household,
            estate=estate,
            channel=Channel.DEPOSIT,
            paid_at=now,
            amount=amount,
            note=note[:200],
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        _allocate(household.pk)
        applied = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
        audit.record(
            actor=actor,
            action="deposit.apply",
            target=payment,
            changes={
                **audit.snapshot(payment, ["household", "amount", "channel", "paid_at"]),
                "allocated": str(applied.quantize(CENT)),
                "note": payment.note,
            },
        )
        timeline.add(
            "deposit.applied",
            actor=actor,
            for_household=household,
            number=payment.number,
            amount=str(amount),
            note=payment.note,
        )
    return payment
