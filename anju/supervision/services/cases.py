"""Violation cases (违规案件): opened with evidence, a rectification order or notice
(a PDF in Chinese, with a letter and an SMS queued), the tenant's statement, an
authority officer's decision, and its outcome. Every move goes through the one table
of allowed moves, `models.cases.TRANSITIONS`.

What a decision does, by outcome:
- rectified: nothing is charged or recorded;
- penalty: art. 27 types and art. 35 pay back rent at market price and a fine (see
  `penalties`), posted as bills; a minor-misconduct case records tenant points instead;
- recovery (art. 27 / 29 / 35): the same money, and the household is handed to the
  exits issue (`exit_handoff_on`), which turns it into an exit case.
A penalty or recovery on an art. 27 or art. 35 type is a confirmed breach: it writes a
bad-conduct record, with the rule set's ban, for the head and for the applicant."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.numbering import next_number, with_fresh_number
from anju.core.roles import Perm
from anju.core.uploads import check_document

from ..models import (
    ARTICLE_27,
    TRANSITIONS,
    CaseOutcome,
    CaseSource,
    CaseStatus,
    CaseType,
    NoticeKind,
    PointEntry,
    ViolationCase,
)
from . import penalties

timeline.register("case.opened", gettext_lazy("Violation case %(number)s opened: %(type)s"))
timeline.register(
    "case.notice",
    gettext_lazy("Case %(number)s: %(kind)s issued; statement or rectification due %(due)s"),
)
timeline.register(
    "case.statement", gettext_lazy("Case %(number)s: the tenant's statement received on %(on)s")
)
timeline.register(
    "case.decided", gettext_lazy("Case %(number)s decided: %(outcome)s (¥%(total)s to pay)")
)
timeline.register("case.closed", gettext_lazy("Case %(number)s closed: %(reason)s"))

notify.register(
    "case.notice.letter",
    MessageChannel.LETTER,
    gettext_lazy(
        "{kind} {number}\n\nTo household {number_household} ({head}), unit {unit}:\n"
        "{summary}\nLegal basis: {basis}\nBy {due}, rectify the breach or make a written "
        "statement to the housing-security authority, or come to the estate office to "
        "make it in person. The full notice is enclosed."
    ),
)
notify.register(
    "case.notice.sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {number_household}: a {kind} ({number}) has been "
        "issued about unit {unit}. Please rectify or make your statement by {due}; the "
        "letter has the details."
    ),
)

# Which outcomes each type can have: arrears (art. 29) bring no fine, only recovery;
# minor misconduct brings points, never recovery.
OUTCOMES: dict[str, set[str]] = {
    **{t: set(CaseOutcome.values) for t in ARTICLE_27},
    CaseType.FALSE_DECLARATION: set(CaseOutcome.values),
    CaseType.ARREARS: {CaseOutcome.RECTIFIED, CaseOutcome.RECOVERY},
    CaseType.MINOR: {CaseOutcome.RECTIFIED, CaseOutcome.PENALTY},
}
# The bad-conduct reason (households.ConductReason) of a confirmed breach, by type.
CONDUCT_REASON = {
    CaseType.SUBLET: "sublet",
    CaseType.CHANGE_OF_USE: "change_of_use",
    CaseType.DAMAGE: "damage",
    CaseType.ILLEGAL_ACTIVITY: "illegal_use",
    CaseType.IDLE: "idle",
    CaseType.FALSE_DECLARATION: "false_declaration",
}
BREACH_OUTCOMES = {CaseOutcome.PENALTY, CaseOutcome.RECOVERY}


def can_move(case: ViolationCase, to: str) -> bool:
    return to in TRANSITIONS[CaseStatus(case.status)]


def _move(case: ViolationCase, to: str) -> None:
    if not can_move(case, to):
        raise DomainError(
            _("A case that is “%(now)s” cannot become “%(to)s”.")
            % {"now": case.get_status_display(), "to": CaseStatus(to).label},
            code="bad_transition",
        )


def _payment_days() -> int:
    # Days the tenant has to pay a fine or back rent; the authority's practice, a setting.
    return settings.ANJU_PENALTY_PAYMENT_DAYS


def bill_key(case: ViolationCase, kind: str) -> str:
    return f"case:{case.number}:{kind}"


# --- Opening -----------------------------------------------------------------------


def _evidence_rows(evidence) -> list[list[str]]:
    """[[label, value], ...] from a dict or from pairs, as plain strings."""
    items = evidence.items() if isinstance(evidence, dict) else evidence
    rows = []
    for pair in items:
        label, value = pair
        label, value = str(label).strip(), str(value).strip()
        if label or value:
            rows.append([label[:200], value[:1000]])
    return rows


def case_open(
    household,
    *,
    actor,
    type: str,
    source: str,
    summary: str,
    evidence=(),
    inspection=None,
    tip=None,
    flag=None,
    breach_began_on: datetime.date | None = None,
) -> ViolationCase:
    """Open a case against `household` (its estate and current unit are taken from it).
    `evidence` is a dict or pairs of (label, value): facts a reviewer can check."""
    if household is None:
        raise DomainError(_("A case is opened against a household."), code="no_household")
    if type not in CaseType.values:
        raise DomainError(_("Unknown type of violation."), code="bad_type")
    if source not in CaseSource.values:
        raise DomainError(_("Unknown source of the case."), code="bad_source")
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Say in a sentence what the breach is."), code="summary_required")
    unit = household.unit or (getattr(inspection, "unit", None) if inspection else None)
    estate = unit.estate if unit is not None else household.estate
    if estate is None:
        raise DomainError(
            _("The household is not housed in an estate; a case needs its unit."),
            code="not_housed",
        )
    today = timezone.localdate()
    if breach_began_on is not None and breach_began_on > today:
        raise DomainError(_("The breach cannot begin in the future."), code="bad_date")
    rows = _evidence_rows(evidence)

    def write() -> ViolationCase:
        case = ViolationCase.objects.create(
            number=next_number(ViolationCase, f"WG{today:%Y}", width=5),
            type=type,
            household=household,
            estate=estate,
            unit=unit,
            source=source,
            inspection=inspection,
            tip=tip,
            flag=flag,
            evidence=rows,
            summary=summary,
            breach_began_on=breach_began_on,
            opened_by=actor,
        )
        audit.record(
            actor=actor,
            action="case.open",
            target=case,
            changes=audit.snapshot(
                case,
                ["type", "household", "unit", "source", "summary", "breach_began_on"],
            )
            | {"evidence": rows},
        )
        timeline.add(
            "case.opened",
            actor=actor,
            for_household=household,
            for_unit=unit,
            number=case.number,
            type=type,
        )
        return case

    # Two officers may take the same number at once; the later one takes the next.
    return with_fresh_number(write)


# --- The notice --------------------------------------------------------------------


def notice_context(case: ViolationCase) -> dict:
    from anju.core.models import Organisation, OrgKind

    household = case.household
    return {
        "case": case,
        "household": household,
        "head": household.head,
        "unit": case.unit,
        "estate": case.estate,
        "authority": Organisation.objects.filter(kind=OrgKind.AUTHORITY).first(),
        "is_art27": case.type in ARTICLE_27,
        "printed_on": timezone.localdate(),
    }


def notice_pdf(case: ViolationCase) -> bytes:
    from anju.admission.pdf import render_pdf

    return render_pdf("supervision/cases/pdf/notice.html", notice_context(case))


def notice_issue(
    case: ViolationCase, *, actor, kind: str, respond_by: datetime.date
) -> ViolationCase:
    """Issue the rectification order or notice: the PDF is kept on the case, and a
    letter and an SMS are queued to the household."""
    _move(case, CaseStatus.NOTICE_ISSUED)
    if kind not in NoticeKind.values:
        raise DomainError(_("Choose a rectification order or a notice."), code="bad_kind")
    today = timezone.localdate()
    if respond_by is None or respond_by <= today:
        raise DomainError(
            _("The deadline must be after today: the tenant needs time to answer."),
            code="bad_deadline",
        )
    with transaction.atomic():
        case = ViolationCase.objects.select_for_update().get(pk=case.pk)
        _move(case, CaseStatus.NOTICE_ISSUED)
        case.status = CaseStatus.NOTICE_ISSUED
        case.notice_kind, case.notice_issued_on, case.respond_by = kind, today, respond_by
        case.notice_document.save(
            f"{case.number}-{kind}.pdf", ContentFile(notice_pdf(case)), save=False
        )
        case.save(
            update_fields=[
                "status",
                "notice_kind",
                "notice_issued_on",
                "respond_by",
                "notice_document",
            ]
        )
        household = case.household
        context = {
            "kind": NoticeKind(kind).label,
            "number": case.number,
            "number_household": household.number,
            "head": household.head.name if household.head else "",
            "unit": case.unit.code if case.unit else "",
            "summary": case.summary,
            "basis": case.legal_basis,
            "due": respond_by.isoformat(),
        }
        # queue_many, as notify.queue's own `household` argument is taken.
        notify.queue_many(
            [
                ("case.notice.letter", f"case:{case.number}:notice:letter", household, context),
                ("case.notice.sms", f"case:{case.number}:notice:sms", household, context),
            ]
        )
        audit.record(
            actor=actor,
            action="case.notice",
            target=case,
            changes={"kind": kind, "respond_by": respond_by, "status": case.status},
        )
        timeline.add(
            "case.notice",
            actor=actor,
            for_household=household,
            for_unit=case.unit,
            number=case.number,
            kind=kind,
            due=respond_by.isoformat(),
        )
    return case


# --- The statement -----------------------------------------------------------------


def statement_record(
    case: ViolationCase,
    *,
    actor,
    text: str,
    document=None,
    received_on: datetime.date | None = None,
) -> ViolationCase:
    """Record the tenant's statement (陈述申辩), written down or as a scanned document.
    A statement that comes after the deadline is still recorded while the case is not
    decided."""
    _move(case, CaseStatus.STATEMENT)
    text = (text or "").strip()
    if not text and document is None:
        raise DomainError(_("Write down the statement or attach it."), code="statement_required")
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise DomainError(_("A statement cannot be received in the future."), code="bad_date")
    if case.notice_issued_on and received_on < case.notice_issued_on:
        raise DomainError(
            _("A statement cannot be received before the notice was issued (%(d)s).")
            % {"d": case.notice_issued_on.isoformat()},
            code="bad_date",
        )
    if document is not None:
        check_document(document)
    with transaction.atomic():
        case = ViolationCase.objects.select_for_update().get(pk=case.pk)
        _move(case, CaseStatus.STATEMENT)
        case.status = CaseStatus.STATEMENT
        case.statement, case.statement_received_on = text, received_on
        fields = ["status", "statement", "statement_received_on"]
        if document is not None:
            case.statement_document.save(
                f"{case.number}-statement-{document.name}"[-100:], document, save=False
            )
            fields.append("statement_document")
        case.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="case.statement",
            target=case,
            changes={"received_on": received_on, "chars": len(text), "document": bool(document)},
        )
        timeline.add(
            "case.statement",
            actor=actor,
            for_household=case.household,
            number=case.number,
            on=received_on.isoformat(),
        )
    return case


# --- The decision ------------------------------------------------------------------


def rent_spans(household) -> list[penalties.RentSpan]:
    """The household's contract rents over all its leases, from their rent histories."""
    from anju.households.models import Lease

    spans = []
    leases = Lease.objects.filter(household=household).exclude(status="upcoming")
    for lease in leases.prefetch_related("rents"):
        last = lease.last_day
        rows = list(lease.rents.all())
        if not rows:
            spans.append(penalties.RentSpan(lease.start, last, lease.monthly_rent))
        for row in rows:
            start = max(row.effective_from, lease.start)
            end = min(row.effective_until or last, last)
            if end >= start:
                spans.append(penalties.RentSpan(start, end, row.monthly_rent))
    return spans


def _first_lease_start(household) -> datetime.date | None:
    from anju.households.models import Lease

    return (
        Lease.objects.filter(household=household)
        .exclude(status="upcoming")
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )


def decision_preview(
    case: ViolationCase,
    *,
    outcome: str,
    illegal_income: Decimal | None = None,
    fine: Decimal | None = None,
    breach_began_on: datetime.date | None = None,
    on: datetime.date | None = None,
) -> penalties.Assessment:
    """What a decision would charge, with its workings; nothing is written. The
    decision form shows it, and `case_decide` charges exactly this."""
    from anju.admission.services.rules import ruleset_in_force

    on = on or timezone.localdate()
    if outcome not in BREACH_OUTCOMES or case.type in (CaseType.MINOR, CaseType.ARREARS):
        if illegal_income or fine:
            raise DomainError(
                _("This outcome charges no fine; leave the fine and income empty."),
                code="no_fine",
            )
        return penalties.Assessment()
    began = breach_began_on or case.breach_began_on
    if case.type == CaseType.FALSE_DECLARATION and began is None:
        began = _first_lease_start(case.household)  # the unit was obtained by deception
    return penalties.assess(
        penalties.Numbers.of(ruleset_in_force(on)),
        spans=rent_spans(case.household),
        began=began,
        until=on,
        illegal_income=illegal_income,
        fine=fine,
        income_clause=case.type in ARTICLE_27,
    )


def _check_bill(case, kind, amount: Decimal):
    """A bill this case raised before (a decision corrected) must match the new
    amount: a bill is not changed here, and the same key never bills twice."""
    from anju.tenancy.models import Bill

    bill = Bill.objects.filter(source_key=bill_key(case, kind)).first()
    if bill is not None and bill.amount != amount:
        raise DomainError(
            _(
                "A %(kind)s bill of ¥%(billed)s was already raised for this case; a "
                "corrected decision must keep that amount (¥%(new)s asked)."
            )
            % {"kind": bill.get_kind_display(), "billed": bill.amount, "new": f"{amount:.2f}"},
            code="billed",
        )


def _raise_bills(case: ViolationCase, *, actor, assessment, on) -> list:
    from anju.tenancy.models import BillKind
    from anju.tenancy.services.billing import bill_raise

    due = on + datetime.timedelta(days=_payment_days())
    bills = []
    if assessment.back_rent > 0:
        bills.append(
            bill_raise(
                case.household,
                actor=actor,
                kind=BillKind.BACK_RENT,
                amount=assessment.back_rent,
                due_on=due,
                description=_("Back rent at market price, case %(n)s") % {"n": case.number},
                source_key=bill_key(case, "back_rent"),
                period_start=_began_of(assessment),
                period_end=on,
            )
        )
    if assessment.fine > 0:
        bills.append(
            bill_raise(
                case.household,
                actor=actor,
                kind=BillKind.FINE,
                amount=assessment.fine,
                due_on=due,
                description=_("Fine, case %(n)s") % {"n": case.number},
                source_key=bill_key(case, "fine"),
            )
        )
    return bills


def _began_of(assessment) -> datetime.date | None:
    for line in assessment.workings:
        if line.get("code") == "period":
            return datetime.date.fromisoformat(line["began"])
    return None


def _people_to_record(household) -> list:
    """The head, and the applicant if another person: (member or None, name, hash,
    masked) for each, once per ID number."""
    from anju.admission.models import ApplicationMember

    people, seen = [], set()
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


def _record_conduct(case: ViolationCase, *, actor, on, ban_years: int) -> int:
    """Bad-conduct records of a confirmed breach, once per person and case."""
    from anju.households.conduct import conduct_record
    from anju.households.models import BadConductRecord

    reason = CONDUCT_REASON[CaseType(case.type)]
    banned_until = _add_years(on, ban_years)
    details = f"{case.number}: {case.summary}"[:300]
    written = 0
    for member, name, id_hash, masked in _people_to_record(case.household):
        if BadConductRecord.objects.filter(
            household=case.household, id_number_hash=id_hash, details__startswith=case.number
        ).exists():
            continue
        conduct_record(
            case.household,
            actor=actor,
            member=member,
            name=name,
            id_number_hash=id_hash,
            id_number_masked=masked,
            reason=reason,
            details=details,
            occurred_on=on,
            banned_until=banned_until,
        )
        written += 1
    return written


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def case_decide(
    case: ViolationCase,
    *,
    actor,
    outcome: str,
    reasons: str,
    illegal_income: Decimal | None = None,
    fine: Decimal | None = None,
    breach_began_on: datetime.date | None = None,
    point_rule=None,
) -> ViolationCase:
    """The authority officer's decision. After the statement, or once the deadline has
    passed without one. `fine` None charges the cap; `point_rule` is the misdeed a
    minor-misconduct penalty scores. A decision may be corrected until the case is
    closed, but never bills twice and never changes a bill already raised."""
    from anju.admission.services.rules import ruleset_in_force

    if not getattr(actor, "can", None) or not actor.can(Perm.CASE_DECIDE):
        raise DomainError(_("Only an authority officer decides a case."), code="forbidden")
    _move(case, CaseStatus.DECIDED)
    today = timezone.localdate()
    if case.status == CaseStatus.NOTICE_ISSUED and case.respond_by and today <= case.respond_by:
        raise DomainError(
            _(
                "The tenant has until %(d)s to make a statement; decide after that, or once "
                "the statement is recorded."
            )
            % {"d": case.respond_by.isoformat()},
            code="too_early",
        )
    if outcome not in CaseOutcome.values:
        raise DomainError(_("Choose the outcome."), code="bad_outcome")
    if outcome not in OUTCOMES[CaseType(case.type)]:
        raise DomainError(
            _("A %(type)s case cannot end in “%(outcome)s”.")
            % {"type": case.get_type_display(), "outcome": CaseOutcome(outcome).label},
            code="bad_outcome",
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise DomainError(_("Give the reasons for the decision."), code="reasons_required")
    if breach_began_on is not None and breach_began_on > today:
        raise DomainError(_("The breach cannot begin in the future."), code="bad_date")
    was_breach = case.status == CaseStatus.DECIDED and case.outcome in BREACH_OUTCOMES
    confirms_breach = outcome in BREACH_OUTCOMES and case.type in CONDUCT_REASON
    if was_breach and outcome not in BREACH_OUTCOMES:
        raise DomainError(
            _("A confirmed breach cannot be re-decided as rectified: its records stand."),
            code="breach_stands",
        )
    minor_points = case.type == CaseType.MINOR and outcome == CaseOutcome.PENALTY
    if minor_points and (point_rule is None or not point_rule.active):
        raise DomainError(_("Choose the misdeed from the catalogue."), code="rule_required")
    assessment = decision_preview(
        case,
        outcome=outcome,
        illegal_income=illegal_income,
        fine=fine,
        breach_began_on=breach_began_on,
        on=today,
    )
    ruleset = ruleset_in_force(today)
    _check_bill(case, "back_rent", assessment.back_rent)
    _check_bill(case, "fine", assessment.fine)
    with transaction.atomic():
        case = ViolationCase.objects.select_for_update().get(pk=case.pk)
        _move(case, CaseStatus.DECIDED)
        workings = list(assessment.workings)
        if minor_points:
            entry = _minor_points(case, actor=actor, rule=point_rule, on=today)
            workings.append(
                {
                    "code": "points",
                    "rule": point_rule.name,
                    "points": entry.points,
                    "kind": entry.kind,
                }
            )
        case.status = CaseStatus.DECIDED
        case.outcome, case.decision = outcome, reasons
        case.decided_by, case.decided_on = actor, today
        case.illegal_income = illegal_income or None
        case.back_rent, case.fine = assessment.back_rent, assessment.fine
        case.penalty_workings = workings
        if breach_began_on is not None:
            case.breach_began_on = breach_began_on
        elif case.breach_began_on is None and _began_of(assessment):
            case.breach_began_on = _began_of(assessment)
        if outcome == CaseOutcome.RECOVERY:
            case.exit_handoff_on = case.exit_handoff_on or today
        else:
            case.exit_handoff_on = None
        case.save(
            update_fields=[
                "status",
                "outcome",
                "decision",
                "decided_by",
                "decided_on",
                "illegal_income",
                "back_rent",
                "fine",
                "penalty_workings",
                "breach_began_on",
                "exit_handoff_on",
            ]
        )
        _raise_bills(case, actor=actor, assessment=assessment, on=today)
        if confirms_breach:
            _record_conduct(case, actor=actor, on=today, ban_years=ruleset.ban_years)
        if outcome == CaseOutcome.RECOVERY and case.type == CaseType.ARREARS:
            _list_arrears(case, actor=actor, on=today)
        audit.record(
            actor=actor,
            action="case.decide",
            target=case,
            changes={
                "outcome": outcome,
                "reasons": reasons,
                "illegal_income": case.illegal_income,
                "back_rent": case.back_rent,
                "fine": case.fine,
                "exit_handoff_on": case.exit_handoff_on,
            },
        )
        timeline.add(
            "case.decided",
            actor=actor,
            for_household=case.household,
            for_unit=case.unit,
            number=case.number,
            outcome=outcome,
            total=f"{assessment.total:.2f}",
        )
    return case


def _list_arrears(case: ViolationCase, *, actor, on) -> None:
    """Art. 29 has its own place on tenancy's “must vacate” list, which the exits issue
    reads too; the other types are handed over through `exit_handoff_on` alone."""
    from anju.tenancy.models import VacateReason
    from anju.tenancy.services.vacate import listing_add

    listing_add(
        case.household,
        actor=actor,
        reason=VacateReason.ARREARS,
        evidence={_("Violation case"): case.number, _("Decision"): case.decision},
        on=on,
    )


def _minor_points(case: ViolationCase, *, actor, rule, on) -> PointEntry:
    """The points (or the written warning) a minor-misconduct decision records, once."""
    from .points import points_record

    existing = PointEntry.objects.filter(case=case, voided_at__isnull=True).first()
    if existing is not None:
        if existing.rule_id != rule.pk:
            raise DomainError(
                _("Points were already recorded for this case (%(rule)s); void them first.")
                % {"rule": existing.rule.name},
                code="points_recorded",
            )
        return existing
    return points_record(
        case.household,
        actor=actor,
        rule=rule,
        occurred_on=case.breach_began_on or on,
        details=_("Case %(n)s: %(s)s") % {"n": case.number, "s": case.summary},
        case=case,
    )


# --- Closing -----------------------------------------------------------------------


def case_close(case: ViolationCase, *, actor, reason: str = "") -> ViolationCase:
    """Close a decided case once its outcome is carried out, or withdraw one before any
    decision (opened in error), with the reason."""
    _move(case, CaseStatus.CLOSED)
    reason = (reason or "").strip()
    if case.status != CaseStatus.DECIDED and not reason:
        raise DomainError(
            _("A case closed without a decision is withdrawn: give the reason."),
            code="reason_required",
        )
    reason = reason or str(CaseOutcome(case.outcome).label)
    with transaction.atomic():
        case = ViolationCase.objects.select_for_update().get(pk=case.pk)
        _move(case, CaseStatus.CLOSED)
        before = case.status
        case.status, case.closed_at, case.closed_reason = (
            CaseStatus.CLOSED,
            timezone.now(),
            reason[:300],
        )
        case.save(update_fields=["status", "closed_at", "closed_reason"])
        audit.record(
            actor=actor,
            action="case.close",
            target=case,
            changes={"status": [before, case.status], "reason": case.closed_reason},
        )
        timeline.add(
            "case.closed",
            actor=actor,
            for_household=case.household,
            for_unit=case.unit,
            number=case.number,
            reason=case.closed_reason,
        )
    return case
