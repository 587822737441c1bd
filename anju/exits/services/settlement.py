"""The deposit settlement (押金结算) that closes an exit case, after the keys are back.

The arithmetic, in the order the money moves:
- **deposit held**: what the household's deposit bills (not cancelled) have settled,
  less any deposit already turned back into its money;
- the household's **balance** at settlement: its open bills (the damage charged at the
  move-out among them, the rent bills already shortened to the day the keys came back)
  less its credit (which holds any rent it had paid for the days after that day);
- the deposit is **applied** (`tenancy.deposit_apply`): it settles the open bills,
  oldest first, up to the balance;
- whatever credit is left is **paid back** (`tenancy.refund_record`), by the method
  the clerk chooses;
- what the deposit did not cover is **still owed**, and stays on the household's
  account as arrears.

So `applied = min(deposit, balance)`, `refunded = max(0, deposit − balance)` and
`still owed = max(0, balance − deposit)`; `settlement_preview` computes them without
writing anything, and `settle` carries them out and keeps them on the settlement with a
statement (PDF, in Chinese). Then the case closes, the household's archive is closed
with the reason, and a unit obtained by deceit (art. 35) leaves a bad-conduct record
with the rule set's ban where no violation case has written one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.numbering import next_number
from anju.households import services as hh
from anju.households.models import BadConductRecord, ConductReason, Household, Member
from anju.tenancy.models import Bill, BillKind, BillStatus, Channel
from anju.tenancy.services.billing import bill_cancel
from anju.tenancy.services.payments import (
    balance_of,
    credit_of,
    deposit_apply,
    deposit_held,
    refund_record,
)

from ..models import DepositSettlement, ExitCase, ExitReason, Stage
from ..selectors import handovers as selectors
from .cases import rules_on, set_stage

ZERO = Decimal("0.00")
# How the rest of the deposit goes back: any channel but the deposit itself.
REFUND_METHODS = [c for c in Channel if c != Channel.DEPOSIT]

# The statement's summary lines, in order; the page and the PDF label them by code.
LINE_LABELS = {
    "deposit": gettext_lazy("Deposit held"),
    "damage": gettext_lazy("Damage charged at the move-out"),
    "rent_returned": gettext_lazy("Rent taken off for the days after the keys came back"),
    "owed": gettext_lazy("Bills open at settlement"),
    "credit": gettext_lazy("The household's own credit"),
    "applied": gettext_lazy("Deposit applied to the open bills"),
    "refunded": gettext_lazy("Paid back to the household"),
    "still_owed": gettext_lazy("Still owed by the household"),
}

timeline.register(
    "exit.settled",
    gettext_lazy(
        "Deposit settled (%(number)s): ¥%(deposit)s held, ¥%(applied)s applied to bills, "
        "¥%(refunded)s paid back, ¥%(owed)s still owed"
    ),
)
timeline.register("exit.closed", gettext_lazy("Exit case %(number)s closed"))


@dataclass(frozen=True)
class Preview:
    deposit_held: Decimal
    damage: Decimal
    rent_returned: Decimal
    owed: Decimal  # open bills, outstanding
    credit: Decimal  # money received and not yet used
    applied: Decimal
    refunded: Decimal
    still_owed: Decimal
    bills: list[Bill] = field(default_factory=list)  # the open bills, oldest first

    @property
    def balance(self) -> Decimal:
        return self.owed - self.credit

    def lines(self) -> list[dict]:
        return [
            {
                "code": code,
                "label": str(label),
                "amount": str(getattr(self, "deposit_held" if code == "deposit" else code)),
            }
            for code, label in LINE_LABELS.items()
        ]


def _unpaid_deposits(household_id: int):
    """Deposit bills nothing was paid on: the tenancy is over, so they are owed no more
    (settling cancels them). A part-paid one stays, for its unpaid part."""
    return Bill.objects.filter(
        household_id=household_id, kind=BillKind.DEPOSIT, status=BillStatus.OPEN, settled=0
    )


def _open_bills(household_id: int) -> list[Bill]:
    return list(
        Bill.objects.filter(household_id=household_id, status=BillStatus.OPEN)
        .exclude(pk__in=_unpaid_deposits(household_id).values("pk"))
        .order_by("due_on", "id")
    )


def settlement_preview(case: ExitCase) -> Preview:
    """The statement's numbers as they would be if the deposit were settled now."""
    household_id = case.household_id
    held = max(deposit_held(household_id), ZERO)
    damage = (
        Bill.objects.filter(source_key__startswith=f"exit:{case.number}:damage:")
        .exclude(status=BillStatus.CANCELLED)
        .aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    bills = _open_bills(household_id)
    owed = sum((bill.amount - bill.settled for bill in bills), ZERO)
    credit = credit_of(household_id)
    balance = owed - credit
    return Preview(
        deposit_held=held,
        damage=Decimal(damage).quantize(Decimal("0.01")),
        rent_returned=selectors.rent_returned(case),
        owed=owed,
        credit=credit,
        applied=min(held, max(balance, ZERO)),
        refunded=max(held - balance, ZERO),
        still_owed=max(balance - held, ZERO),
        bills=bills,
    )


def _bill_lines(bills: list[Bill]) -> list[dict]:
    return [
        {
            "code": "bill",
            "kind": bill.kind,
            "label": bill.get_kind_display(),
            "from": bill.period_start.isoformat() if bill.period_start else "",
            "to": bill.period_end.isoformat() if bill.period_end else "",
            "due": bill.due_on.isoformat(),
            "description": bill.description,
            "amount": str(bill.amount - bill.settled),
        }
        for bill in bills
    ]


def statement_context(settlement: DepositSettlement) -> dict:
    from anju.admission.services.lease import rmb_upper
    from anju.core.models import Organisation, OrgKind

    case = settlement.case
    household = case.household
    summary = {
        line["code"]: Decimal(line["amount"]) for line in settlement.lines if "kind" not in line
    }
    return {
        "settlement": settlement,
        "case": case,
        "household": household,
        "head": household.head,
        "unit": case.unit,
        "estate": case.estate,
        "lease": case.lease,
        "handover": selectors.handover_of(case),
        "summary": summary,
        "bills": [line for line in settlement.lines if line.get("code") == "bill"],
        "refund_upper": rmb_upper(settlement.refunded),
        "authority": Organisation.objects.filter(kind=OrgKind.AUTHORITY).first(),
        "operator": case.estate.operator,
        "printed_on": timezone.localdate(),
    }


def settlement_pdf(settlement: DepositSettlement) -> bytes:
    from anju.admission.pdf import render_pdf

    return render_pdf("exits/pdf/settlement.html", statement_context(settlement))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _people(household: Household) -> list[tuple]:
    """The head, and the applicant if another person: (member or None, name, hash,
    masked), once per ID number. As supervision records a breach (its
    `_record_conduct`): the ban follows the person by the hash of the ID number."""
    from anju.admission.models import ApplicationMember

    people: list[tuple[Member | None, str, str, str]] = []
    seen = set()
    head = household.head
    if head is not None:
        people.append((head, head.name, head.id_number_hash, head.id_number_masked))
        seen.add(head.id_number_hash)
    applicant = ApplicationMember.objects.filter(
        application__household=household, relation="head"
    ).first()
    if applicant is not None and applicant.id_number_hash not in seen:
        people.append((None, applicant.name, applicant.id_number_hash, applicant.id_number_masked))
    return people


def _record_conduct(case: ExitCase, *, actor) -> int:
    """Art. 35: a unit obtained by deceit bars the household from applying for the rule
    set's years from the day it is returned. A violation case that decided the recovery
    wrote the record already; an exit opened for deceit without one writes it here,
    once per person."""
    from anju.households.conduct import conduct_record

    if case.reason != ExitReason.FALSE_DECLARATION or case.violation_id is not None:
        return 0
    returned_on = case.handed_over_on or timezone.localdate()
    banned_until = _add_years(returned_on, rules_on(returned_on).ban_years)
    details = f"{case.number}: {case.legal_basis}"[:300]
    written = 0
    for member, name, id_hash, masked in _people(case.household):
        if (
            not id_hash
            or BadConductRecord.objects.filter(
                household=case.household, id_number_hash=id_hash, details__startswith=case.number
            ).exists()
        ):
            continue
        conduct_record(
            case.household,
            actor=actor,
            member=member,
            name=name,
            id_number_hash=id_hash,
            id_number_masked=masked,
            reason=ConductReason.FALSE_DECLARATION,
            details=details,
            occurred_on=returned_on,
            banned_until=banned_until,
        )
        written += 1
    return written


def settle(
    case: ExitCase, *, actor, refund_method: str = "", on: datetime.date | None = None
) -> DepositSettlement:
    """Settle the deposit of a handed-over case and close it (see the module's text)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        case = (
            ExitCase.objects.select_for_update(of=("self",))
            .select_related("household__head", "lease", "unit", "estate__operator")
            .get(pk=case.pk)
        )
        if case.stage != Stage.HANDED_OVER:
            raise DomainError(
                _("Only a case whose keys are back can be settled; exit case %(n)s is “%(s)s”.")
                % {"n": case.number, "s": case.get_stage_display()},
                code="bad_stage",
            )
        if on > timezone.localdate() or (case.handed_over_on and on < case.handed_over_on):
            raise DomainError(
                _("The settlement day must be between the day the keys came back and today."),
                code="bad_date",
            )
        household = case.household
        preview = settlement_preview(case)
        if preview.refunded > 0 and refund_method not in REFUND_METHODS:
            raise DomainError(
                _("Say how the ¥%(a)s is paid back.") % {"a": preview.refunded}, code="method"
            )
        note = _("Deposit settlement of exit case %(n)s") % {"n": case.number}
        for bill in _unpaid_deposits(household.pk):
            bill_cancel(bill, actor=actor, reason=note)
        deposit_apply(household, actor=actor, amount=preview.deposit_held, note=note)
        refund = None
        credit = credit_of(household)
        if credit > 0:
            refund = refund_record(
                household, actor=actor, amount=credit, method=refund_method, reason=note, paid_on=on
            )
        still_owed = max(balance_of(household), ZERO)
        refunded = refund.amount if refund is not None else ZERO
        lines = [*preview.lines(), *_bill_lines(preview.bills)]
        try:
            with transaction.atomic():
                settlement = DepositSettlement.objects.create(
                    case=case,
                    number=next_number(DepositSettlement, f"JS{on.year}", width=5),
                    deposit_held=preview.deposit_held,
                    damage=preview.damage,
                    rent_returned=preview.rent_returned,
                    applied=preview.applied,
                    refunded=refunded,
                    still_owed=still_owed,
                    lines=lines,
                    refund=refund,
                    settled_by=actor,
                    settled_on=on,
                )
        except IntegrityError:
            raise DomainError(
                _("Another settlement was recorded at the same moment; try again."),
                code="busy",
            ) from None
        settlement.document.save(
            f"{settlement.number}.pdf", ContentFile(settlement_pdf(settlement)), save=True
        )

        old = case.stage
        case.closed_on, case.closed_by = on, actor
        fields = set_stage(case, Stage.CLOSED, on)
        case.save(update_fields=[*fields, "closed_on", "closed_by"])
        household.refresh_from_db()
        if household.closed_at is None:
            hh.household_close(
                household,
                actor=actor,
                reason=f"{ExitReason(case.reason).label} ({case.number})",
            )
        conduct = _record_conduct(case, actor=actor)
        audit.record(
            actor=actor,
            action="exit.settle",
            target=case,
            changes={
                "stage": [old, Stage.CLOSED],
                "settlement": settlement.number,
                "deposit_held": preview.deposit_held,
                "damage": preview.damage,
                "rent_returned": preview.rent_returned,
                "applied": preview.applied,
                "refunded": refunded,
                "refund_method": refund_method if refund is not None else "",
                "still_owed": still_owed,
                "conduct_records": conduct,
            },
        )
        timeline.add(
            "exit.settled",
            actor=actor,
            for_household=household,
            number=settlement.number,
            deposit=str(preview.deposit_held),
            applied=str(preview.applied),
            refunded=str(refunded),
            owed=str(still_owed),
        )
        timeline.add("exit.closed", actor=actor, for_household=household, number=case.number)
    return settlement
