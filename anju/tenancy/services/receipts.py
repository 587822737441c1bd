"""The receipt of a payment (收款收据), as a PDF. It is made when it is asked for, from
the payment as it stands: the bills this money has settled (at the counter, or later
from credit) and the household's credit at the time of printing, which the receipt
says."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from anju.admission.pdf import render_pdf
from anju.admission.services.lease import rmb_upper
from anju.core.models import Organisation, OrgKind

from ..models import Bill, Payment
from .billing import month_bounds
from .payments import credit_of

ZERO = Decimal("0.00")
# The receipt's one text is Chinese (like the contract's), whatever the catalogue holds.
CHANNELS_ZH = {
    "cash": "现金",
    "card": "银行卡（柜台刷卡）",
    "bank": "银行转账",
    "wechat": "微信支付",
    "alipay": "支付宝",
}
KINDS_ZH = {
    "rent": "租金",
    "deposit": "租赁保证金",
    "fine": "罚款",
    "market_surcharge": "市场租金差额",
    "back_rent": "补缴租金",
    "damage": "损坏赔偿",
    "repair": "有偿维修",
}


@dataclass
class ReceiptLine:
    """One bill the payment settled, as the receipt lists it."""

    bill: Bill
    amount: Decimal
    kind_zh: str
    partial: bool


def _lease_of(payment: Payment):
    """The lease the money was paid under: the one a statement row named, else the
    household's lease in force on the day it was paid."""
    leases = payment.household.leases.select_related("unit__estate", "unit__building")
    if payment.reference:
        lease = leases.filter(number=payment.reference).first()
        if lease is not None:
            return lease
    day = timezone.localtime(payment.paid_at).date()
    in_force = leases.filter(start__lte=day).filter(
        Q(ended_on__isnull=True, end__gte=day) | Q(ended_on__gte=day)
    )
    return in_force.order_by("-start").first() or leases.order_by("-start").first()


def receipt_context(payment: Payment) -> dict:
    allocations = [
        ReceiptLine(
            bill=a.bill,
            amount=a.amount,
            kind_zh=KINDS_ZH.get(a.bill.kind, a.bill.kind),
            # A whole month is named by its month; a part of one by its days too.
            partial=bool(
                a.bill.period
                and a.bill.period_start
                and a.bill.period_end
                and (a.bill.period_start, a.bill.period_end) != month_bounds(a.bill.period)
            ),
        )
        for a in payment.allocations.select_related("bill").order_by("bill__due_on", "id")
    ]
    allocated = sum((a.amount for a in allocations), ZERO)
    lease = _lease_of(payment)
    estate = payment.estate
    authority = Organisation.objects.filter(kind=OrgKind.AUTHORITY).first()
    return {
        "payment": payment,
        "household": payment.household,
        "head": payment.household.head,
        "lease": lease,
        "unit": lease.unit if lease else payment.household.unit,
        "estate": estate,
        "collector": estate.operator.name if estate.operator_id else getattr(authority, "name", ""),
        "authority": authority,
        "amount_upper": rmb_upper(payment.amount),
        "channel_zh": CHANNELS_ZH.get(payment.channel, payment.channel),
        "allocations": allocations,
        "allocated": allocated,
        "unallocated": payment.amount - allocated,
        "credit": credit_of(payment.household_id),
        "printed_at": timezone.localtime(),
        "paid_at": timezone.localtime(payment.paid_at),
    }


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt, typeset in Chinese (see anju.admission.pdf)."""
    return render_pdf("tenancy/pdf/receipt.html", receipt_context(payment))
