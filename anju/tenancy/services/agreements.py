"""Repayment agreements (还款协议): a household in arrears repays in instalments, and
while it keeps to them no arrears step is recommended.

Kept or missed: at the end of each instalment's due date (plus the grace days of
settings.ANJU_AGREEMENT_GRACE_DAYS, 0 by default) the household's payments since
signing must add up to at least the instalments due so far. Payments before signing
(`paid_before`) count towards the arrears, not the instalments. The first instalment
missed ends the agreement (MISSED, with the date) and the arrears steps resume where
the spell left them. Once the instalments are paid and nothing is overdue, or the last
due date has passed with every instalment met, the agreement is COMPLETED; whatever is
still overdue then is chased by the steps again."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.numbering import next_number
from anju.households.models import Household

from ..models import AgreementStatus, Bill, Instalment, Payment, RepaymentAgreement
from .payments import balance_of

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

timeline.register(
    "agreement.signed",
    gettext_lazy("Repayment agreement %(number)s signed: ¥%(total)s in %(count)s instalments"),
)
timeline.register(
    "agreement.missed",
    gettext_lazy(
        "Repayment agreement %(number)s: the instalment due %(due)s was missed; the arrears "
        "steps resume"
    ),
)
timeline.register("agreement.completed", gettext_lazy("Repayment agreement %(number)s completed"))
timeline.register(
    "agreement.cancelled", gettext_lazy("Repayment agreement %(number)s cancelled: %(reason)s")
)


def grace_days() -> int:
    return int(getattr(settings, "ANJU_AGREEMENT_GRACE_DAYS", 0))


def _money(value, line: int) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise DomainError(
            _("Instalment %(n)s: the amount is not a number.") % {"n": line}, code="amount"
        ) from None
    if amount <= 0 or amount != amount.quantize(CENT):
        raise DomainError(
            _("Instalment %(n)s: the amount must be more than zero, in yuan and fen.")
            % {"n": line},
            code="amount",
        )
    return amount


def paid_total(household_id: int, *, until: datetime.date | None = None) -> Decimal:
    """Everything the household has paid, or paid by the end of `until`."""
    payments = Payment.objects.filter(household_id=household_id)
    if until is not None:
        end = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, timezone.get_current_timezone()
        )
        payments = payments.filter(paid_at__lt=end)
    return payments.aggregate(s=Sum("amount"))["s"] or ZERO


def agreement_create(
    household: Household,
    *,
    actor,
    instalments: list[tuple[datetime.date, object]],
    signed_on: datetime.date | None = None,
    note: str = "",
) -> RepaymentAgreement:
    """Sign an agreement: `instalments` are (due date, amount), due dates ascending and
    none before today; the total is their sum."""
    today = timezone.localdate()
    signed_on = signed_on or today
    if signed_on > today:
        raise DomainError(_("An agreement cannot be signed in the future."), code="signed_on")
    if not instalments:
        raise DomainError(_("Give at least one instalment."), code="instalments")
    rows = []
    previous = None
    for n, (due_on, amount) in enumerate(instalments, 1):
        if not isinstance(due_on, datetime.date):
            raise DomainError(
                _("Instalment %(n)s: the due date is missing.") % {"n": n}, code="due_on"
            )
        if due_on < today:
            raise DomainError(
                _("Instalment %(n)s falls due on %(day)s, in the past.")
                % {"n": n, "day": due_on.strftime("%Y-%m-%d")},
                code="past",
            )
        if previous is not None and due_on <= previous:
            raise DomainError(
                _("Instalment %(n)s: the due dates must go forward, one instalment a day at most.")
                % {"n": n},
                code="order",
            )
        previous = due_on
        rows.append((due_on, _money(amount, n)))
    total = sum((amount for _d, amount in rows), ZERO)
    if balance_of(household) <= 0:
        raise DomainError(_("The household owes nothing."), code="nothing_owed")
    try:
        with transaction.atomic():
            Household.objects.select_for_update().filter(pk=household.pk).first()
            if RepaymentAgreement.objects.filter(
                household=household, status=AgreementStatus.ACTIVE
            ).exists():
                raise DomainError(
                    _("The household already has an agreement being kept."), code="active"
                )
            agreement = RepaymentAgreement.objects.create(
                number=next_number(RepaymentAgreement, f"HK{signed_on:%Y}", width=5),
                household=household,
                signed_on=signed_on,
                total=total,
                paid_before=paid_total(household.pk),
                note=(note or "").strip()[:300],
                created_by=actor,
            )
            Instalment.objects.bulk_create(
                [Instalment(agreement=agreement, due_on=d, amount=a) for d, a in rows]
            )
            audit.record(
                actor=actor,
                action="agreement.create",
                target=agreement,
                changes={
                    **audit.snapshot(agreement, ["household", "signed_on", "total", "paid_before"]),
                    "instalments": [[str(d), str(a)] for d, a in rows],
                },
            )
            timeline.add(
                "agreement.signed",
                actor=actor,
                for_household=household,
                number=agreement.number,
                total=str(total),
                count=len(rows),
            )
    except IntegrityError:
        raise DomainError(
            _("The household already has an agreement being kept."), code="active"
        ) from None
    return agreement


# --- Kept or missed --------------------------------------------------------------------


@dataclass
class InstalmentState:
    instalment: Instalment
    cumulative: Decimal  # instalments due up to and including this one
    paid: Decimal  # paid since signing, by the end of the check day (or now if not yet due)
    checked_on: datetime.date  # the day the instalment is judged (due date + grace)
    state: str  # "met", "missed" or "upcoming"

    @property
    def short(self) -> Decimal:
        return max(self.cumulative - self.paid, ZERO)


def instalment_states(
    agreement: RepaymentAgreement, today: datetime.date | None = None
) -> list[InstalmentState]:
    """Each instalment judged as of `today`: met, missed, or still to come."""
    today = today or timezone.localdate()
    grace = datetime.timedelta(days=grace_days())
    payments = list(
        Payment.objects.filter(household_id=agreement.household_id).values_list("paid_at", "amount")
    )
    tz = timezone.get_current_timezone()

    def paid_by(day: datetime.date | None) -> Decimal:
        total = sum(
            (a for at, a in payments if day is None or timezone.localtime(at, tz).date() <= day),
            ZERO,
        )
        return max(total - agreement.paid_before, ZERO)

    paid_now = paid_by(None)
    cumulative = ZERO
    out = []
    for inst in agreement.instalments.order_by("due_on"):
        cumulative += inst.amount
        checked_on = inst.due_on + grace
        if checked_on < today:
            paid = paid_by(checked_on)
            state = "met" if paid >= cumulative else "missed"
        else:
            paid = paid_now
            state = "met" if paid >= cumulative else "upcoming"
        out.append(InstalmentState(inst, cumulative, paid, checked_on, state))
    return out


def agreement_check(
    agreement: RepaymentAgreement, *, today: datetime.date | None = None
) -> RepaymentAgreement:
    """Mark an active agreement MISSED or COMPLETED when it is; otherwise leave it."""
    from ..selectors.arrears import overdue_q

    if agreement.status != AgreementStatus.ACTIVE:
        return agreement
    today = today or timezone.localdate()
    states = instalment_states(agreement, today)
    missed = next((s for s in states if s.state == "missed"), None)
    if missed is not None:
        with transaction.atomic():
            agreement.status, agreement.missed_on = AgreementStatus.MISSED, missed.instalment.due_on
            agreement.save(update_fields=["status", "missed_on"])
            audit.record(
                actor=None,
                action="agreement.missed",
                target=agreement,
                changes={
                    "missed_on": str(agreement.missed_on),
                    "due": str(missed.cumulative),
                    "paid": str(missed.paid),
                },
            )
            timeline.add(
                "agreement.missed",
                for_household=agreement.household,
                number=agreement.number,
                due=missed.instalment.due_on.strftime("%Y-%m-%d"),
            )
        return agreement
    if not states or states[-1].paid < agreement.total:
        return agreement
    overdue = Bill.objects.filter(overdue_q(today), household_id=agreement.household_id).exists()
    if overdue and states[-1].checked_on >= today:
        return agreement  # paid ahead, but arrears remain: keep it until the last date
    with transaction.atomic():
        agreement.status = AgreementStatus.COMPLETED
        agreement.save(update_fields=["status"])
        audit.record(
            actor=None,
            action="agreement.complete",
            target=agreement,
            changes={"still_overdue": overdue},
        )
        timeline.add(
            "agreement.completed", for_household=agreement.household, number=agreement.number
        )
    return agreement


def agreements_check_due(*, today: datetime.date | None = None) -> dict[str, int]:
    """The nightly check of every active agreement. Running it twice changes nothing
    the second time."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {AgreementStatus.MISSED: 0, AgreementStatus.COMPLETED: 0}
    for agreement in RepaymentAgreement.objects.filter(
        status=AgreementStatus.ACTIVE
    ).select_related("household"):
        status = agreement_check(agreement, today=today).status
        if status in counts:
            counts[status] += 1
    return {str(k): v for k, v in counts.items()}


def agreement_cancel(agreement: RepaymentAgreement, *, actor, reason: str) -> RepaymentAgreement:
    """End an agreement being kept (signed in error, replaced by another)."""
    reason = (reason or "").strip()
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(_("Only an agreement being kept can be cancelled."), code="not_active")
    if not reason:
        raise DomainError(_("Give the reason for cancelling."), code="reason")
    with transaction.atomic():
        agreement.status = AgreementStatus.CANCELLED
        agreement.save(update_fields=["status"])
        audit.record(
            actor=actor, action="agreement.cancel", target=agreement, changes={"reason": reason}
        )
        timeline.add(
            "agreement.cancelled",
            actor=actor,
            for_household=agreement.household,
            number=agreement.number,
            reason=reason[:200],
        )
    return agreement
