"""A case in court (诉讼 / 申请强制执行): the filing, the hearings, the judgment and its
enforcement, each a `LegalStep` with the deadline of what must happen next. Recording
a step refreshes the case's `due_on`, so an overdue court step shows on the dashboard
like any other deadline.

- A step is recorded for a case in litigation. A case overstaying at market rent goes
  to court by its filing: recording the filing moves it to litigation first
  (`cases.to_litigation`, the one table of moves).
- Dates: a step has happened (not in the future), except a hearing, which is
  scheduled; its deadline is never before it, and a hearing's deadline is its own day.
- A judgment's award (occupation fees, back rent at market price, costs) is billed to
  the household once, as back rent, through tenancy's `bill_raise`; its source key
  names the step, and the same step cannot be recorded twice."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.uploads import check_document
from anju.tenancy.models import BillKind
from anju.tenancy.services.billing import bill_raise

from ..models import ExitCase, LegalStep, LegalStepKind, Stage
from .cases import due_after, to_litigation

CENT = Decimal("0.01")
# The steps that take a case to court: a suit, or an application for enforcement.
FILINGS = frozenset({LegalStepKind.FILED, LegalStepKind.ENFORCEMENT_APPLIED})

timeline.register(
    "exit.court",
    gettext_lazy("Exit case %(number)s in court: %(kind)s, %(court)s, %(on)s"),
)


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def award_key(case: ExitCase, step: LegalStep) -> str:
    return f"exit:{case.number}:award:{step.pk}"


def _checked_award(kind: str, award) -> Decimal | None:
    if award is None or (isinstance(award, str) and not award.strip()):
        return None
    try:
        amount = Decimal(str(award).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise DomainError(
            _("The amount awarded must be in yuan, zero or more, with at most two decimals."),
            code="award",
        )
    if amount and kind != LegalStepKind.JUDGMENT:
        raise DomainError(
            _("Only a judgment or ruling awards an amount."),
            code="award",
        )
    return amount


def _checked_dates(
    case: ExitCase, kind: str, on: datetime.date, due_on: datetime.date | None
) -> datetime.date | None:
    today = timezone.localdate()
    if on is None:
        raise DomainError(_("Give the date of the step."), code="bad_date")
    if on > today and kind != LegalStepKind.HEARING:
        raise DomainError(
            _(
                "Only a hearing can be dated in the future; record the other steps once "
                "they happen."
            ),
            code="bad_date",
        )
    if case.notice_issued_on and on < case.notice_issued_on:
        raise DomainError(
            _("A court step cannot come before the vacate notice of %(d)s.")
            % {"d": case.notice_issued_on.isoformat()},
            code="bad_date",
        )
    if kind == LegalStepKind.HEARING and due_on is None:
        due_on = on
    if due_on is not None and due_on < on:
        raise DomainError(
            _("The next deadline (%(due)s) cannot be before the step itself (%(on)s).")
            % {"due": due_on.isoformat(), "on": on.isoformat()},
            code="bad_date",
        )
    return due_on


def legal_step_record(
    case: ExitCase,
    *,
    actor,
    kind: str,
    court: str,
    court_case_number: str = "",
    on: datetime.date,
    due_on: datetime.date | None = None,
    summary: str = "",
    award=None,
    document=None,
) -> LegalStep:
    """Record one step of the case in court, with the deadline of what follows. A
    filing moves an overstay at market rent to litigation; a judgment's award is billed
    as back rent, once."""
    if kind not in LegalStepKind.values:
        raise DomainError(_("Choose the kind of step."), code="kind")
    court = (court or "").strip()
    if not court:
        raise DomainError(_("Name the court."), code="court")
    court_case_number = (court_case_number or "").strip()
    summary = (summary or "").strip()
    amount = _checked_award(kind, award)
    due_on = _checked_dates(case, kind, on, due_on)
    if document is not None:
        check_document(document)
    today = timezone.localdate()
    with transaction.atomic():
        case = (
            ExitCase.objects.select_for_update(of=("self",))
            .select_related("household", "unit", "lease")
            .get(pk=case.pk)
        )
        if case.stage == Stage.OVERSTAY:
            if kind not in FILINGS:
                raise DomainError(
                    _(
                        "This case is not in court yet: record the filing of the suit or "
                        "the application for enforcement first."
                    ),
                    code="not_filed",
                )
            case = to_litigation(
                case,
                actor=actor,
                note=_("%(kind)s at %(court)s")
                % {"kind": LegalStepKind(kind).label, "court": court},
                on=min(on, today),
            )
        if case.stage != Stage.LITIGATION:
            raise DomainError(
                _("Court steps are recorded for a case in litigation; this case is “%(stage)s”.")
                % {"stage": case.get_stage_display()},
                code="not_in_court",
            )
        if LegalStep.objects.filter(
            case=case, kind=kind, on=on, court_case_number=court_case_number
        ).exists():
            raise DomainError(
                _("This step (%(kind)s on %(on)s) is already recorded.")
                % {"kind": LegalStepKind(kind).label, "on": on.isoformat()},
                code="duplicate",
            )
        step = LegalStep(
            case=case,
            kind=kind,
            court=court[:100],
            court_case_number=court_case_number[:60],
            on=on,
            due_on=due_on,
            summary=summary[:500],
            award=amount,
            recorded_by=actor,
        )
        if document is not None:
            step.document.save(f"{case.number}-{kind}-{document.name}"[-100:], document, save=False)
        step.save()
        if amount:
            bill_raise(
                case.household,
                actor=actor,
                kind=BillKind.BACK_RENT,
                amount=amount,
                due_on=due_on or on,
                description=_("Exit case %(n)s: awarded by %(court)s %(no)s")
                % {"n": case.number, "court": court, "no": court_case_number},
                source_key=award_key(case, step),
                lease=case.lease,
            )
        old_due = case.due_on
        case.due_on = due_after(case, today)
        case.save(update_fields=["due_on"])
        audit.record(
            actor=actor,
            action="exit.court",
            target=case,
            changes={
                "step": step.pk,
                "kind": kind,
                "court": step.court,
                "court_case_number": step.court_case_number,
                "on": on,
                "step_due_on": due_on,
                "award": amount,
                "document": bool(document),
                "due_on": [_iso(old_due), _iso(case.due_on)],
            },
        )
        timeline.add(
            "exit.court",
            actor=actor,
            for_household=case.household,
            for_unit=case.unit,
            number=case.number,
            kind=kind,
            court=step.court,
            on=on.isoformat(),
        )
    return step
