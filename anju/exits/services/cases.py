"""Exit cases: opening (from the "must vacate" list, a recovery decided in a violation
case, a household's own request, or an officer), the decision, the vacate notice with
its deadline and rents, the move into an overstay when the moving period ends, and
withdrawal. Every move goes through the one table, `models.TRANSITIONS`, and keeps
`due_on`, the deadline of the step the case now waits for.

The rents, by stage (art. 31):
- up to the notice's deadline (`vacate_by`) the household pays its contract rent: the
  bill run bills the lease up to the earlier of its term and `vacate_by` (kept in the
  lease's `ended_on`), and `billing.exit_bills_raise` bills any days past the lease's
  term at the same rent (moving-period rent);
- after it, a household that truly has no other housing pays market rent (the
  contract rent × the rule set's `market_rent_multiple`), billed month by month from
  the next day; the others go to court (`Track.LITIGATION`)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.admission.models import RuleSet
from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.numbering import next_number, with_fresh_number
from anju.households.models import Household, Lease, LeaseStatus
from anju.housing.models import UnitStatus
from anju.housing.services import unit_set_status
from anju.tenancy.models import ListingStatus, VacateListing, VacateReason

from ..models import (
    COURT_REASONS,
    TRANSITIONS,
    ExchangeRequest,
    ExitCase,
    ExitChannel,
    ExitReason,
    Stage,
    Track,
)

CENT = Decimal("0.01")

timeline.register("exit.opened", gettext_lazy("Exit case %(number)s opened: %(reason)s"))
timeline.register("exit.decided", gettext_lazy("Exit case %(number)s decided: %(decision)s"))
timeline.register(
    "exit.notice",
    gettext_lazy(
        "Vacate notice %(notice)s issued: vacate by %(by)s, at the contract rent of "
        "¥%(rent)s a month until then; after it: %(track)s"
    ),
)
timeline.register(
    "exit.overstay",
    gettext_lazy("Still in the unit after %(by)s: %(track)s from %(from)s"),
)
timeline.register("exit.withdrawn", gettext_lazy("Exit case %(number)s withdrawn: %(why)s"))

notify.register(
    "exit.notice.letter",
    MessageChannel.LETTER,
    gettext_lazy(
        "Vacate notice {notice}\n\nTo household {household_number} ({head}), unit {unit}:\n"
        "Reason: {reason}\nLegal basis: {basis}\nPlease vacate the unit and hand back its "
        "keys and cards by {by}. Until then the rent is {rent} yuan a month as in your "
        "lease. {after} The full notice is enclosed."
    ),
)
notify.register(
    "exit.notice.sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household_number}: vacate notice {notice} for "
        "unit {unit}. Please vacate and hand back the keys by {by}; the letter has the "
        "details."
    ),
)
notify.register(
    "exit.overstay.sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household_number}: the moving period for unit "
        "{unit} ended on {by}. {after}"
    ),
)

# Which listing reason becomes which exit reason.
FROM_LISTING = {
    VacateReason.ARREARS: ExitReason.ARREARS,
    VacateReason.NO_RENEWAL: ExitReason.LEASE_EXPIRED,
    VacateReason.RENEWAL_REFUSED: ExitReason.RENEWAL_REFUSED,
    VacateReason.RECERTIFICATION: ExitReason.RECERTIFICATION,
}
# A violation case's type, recovered, becomes this reason.
FROM_VIOLATION = {"arrears": ExitReason.ARREARS, "false_declaration": ExitReason.FALSE_DECLARATION}


# --- Small pieces -----------------------------------------------------------------------


def rules_on(day: datetime.date) -> RuleSet:
    ruleset = RuleSet.objects.in_force(day)
    if ruleset is None:
        raise DomainError(
            _("No published rule set is in force on %(d)s.") % {"d": day.isoformat()},
            code="no_rules",
        )
    return ruleset


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later, clamped to the end of a shorter month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last))


def can_move(case: ExitCase, to: str) -> bool:
    return to in TRANSITIONS[Stage(case.stage)]


def check_move(case: ExitCase, to: str) -> None:
    if not can_move(case, to):
        raise DomainError(
            _("An exit case that is “%(now)s” cannot become “%(to)s”.")
            % {"now": case.get_stage_display(), "to": Stage(to).label},
            code="bad_transition",
        )


def track_for(reason: str, has_other_housing: bool) -> str:
    """Art. 31: market rent for a household that truly has no other housing; the court
    for one that has, and for the reasons that always go there."""
    if has_other_housing or reason in COURT_REASONS:
        return Track.LITIGATION
    return Track.MARKET_RENT


def current_rent(lease: Lease) -> Decimal:
    """The contract rent in force now: the open row of the rent history, else the
    lease's own figure."""
    row = lease.rents.filter(effective_until__isnull=True).order_by("-effective_from").first()
    return row.monthly_rent if row is not None else lease.monthly_rent


def market_rent_of(rent: Decimal, ruleset: RuleSet) -> Decimal:
    return (rent * Decimal(ruleset.market_rent_multiple)).quantize(CENT, ROUND_HALF_UP)


def default_vacate_by(case: ExitCase, issued_on: datetime.date, ruleset: RuleSet):
    """Art. 27's deadline for a recovery or a unit obtained by deceit; the moving period
    for the others; a voluntary exit's own day when it is sooner."""
    if case.reason in (ExitReason.RECOVERY, ExitReason.FALSE_DECLARATION):
        return issued_on + datetime.timedelta(days=ruleset.recovery_deadline_days)
    moving = add_months(issued_on, ruleset.moving_period_months)
    if case.requested_move_out and issued_on < case.requested_move_out < moving:
        return case.requested_move_out
    return moving


def due_after(case: ExitCase, today: datetime.date) -> datetime.date | None:
    """The deadline of the step a case in its current stage waits for."""
    days = datetime.timedelta
    if case.stage == Stage.OPEN:
        return case.opened_on + days(days=settings.ANJU_EXIT_DECIDE_DAYS)
    if case.stage == Stage.DECIDED:
        return (case.decided_on or today) + days(days=settings.ANJU_EXIT_NOTICE_DAYS)
    if case.stage == Stage.MOVING:
        return case.vacate_by
    if case.stage == Stage.LITIGATION:
        last = case.legal_steps.exclude(due_on=None).order_by("-on", "-id").first()
        if last is not None:
            return last.due_on
        if case.legal_steps.exists():
            return None
        return (case.overstay_from or today) + days(days=settings.ANJU_EXIT_FILE_DAYS)
    if case.stage == Stage.HANDED_OVER:
        return (case.handed_over_on or today) + days(days=settings.ANJU_EXIT_SETTLE_DAYS)
    return None  # overstaying at market rent, closed, withdrawn


def set_stage(case: ExitCase, stage: str, today: datetime.date) -> list[str]:
    """Move a locked case to `stage` and refresh its deadline; returns the fields to
    save."""
    check_move(case, stage)
    case.stage = stage
    case.due_on = due_after(case, today)
    return ["stage", "due_on"]


# --- Opening ----------------------------------------------------------------------------


def _active_lease(household: Household) -> Lease:
    lease = household.leases.filter(status=LeaseStatus.ACTIVE).select_related("unit").first()
    if lease is None:
        raise DomainError(
            _("Household %(h)s holds no active lease to end.") % {"h": household.number},
            code="no_lease",
        )
    return lease


def case_open(
    household: Household,
    *,
    actor,
    reason: str,
    channel: str,
    summary: str = "",
    evidence: dict | list | None = None,
    listing: VacateListing | None = None,
    violation=None,
    requested_move_out: datetime.date | None = None,
    on: datetime.date | None = None,
) -> ExitCase:
    """Open an exit case for the household's active lease. A household has one live
    exit case at a time."""
    if reason not in ExitReason.values:
        raise DomainError(_("Choose the reason for the exit."), code="reason")
    if channel not in ExitChannel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    on = on or timezone.localdate()
    lease = _active_lease(household)
    if ExchangeRequest.objects.open().filter(household=household).exists():
        raise DomainError(
            _("Household %(h)s has an exchange request in progress: withdraw it first.")
            % {"h": household.number},
            code="exchange_open",
        )
    live = ExitCase.objects.live().filter(household=household).first()
    if live is not None:
        raise DomainError(
            _("Household %(h)s already has exit case %(n)s in progress.")
            % {"h": household.number, "n": live.number},
            code="already_open",
        )
    if requested_move_out is not None and requested_move_out <= on:
        raise DomainError(_("The move-out day must be after today."), code="bad_date")
    if isinstance(evidence, dict):
        rows = [[str(k), str(v)] for k, v in evidence.items()]
    else:
        rows = [[str(k), str(v)] for k, v in (evidence or [])]
    unit = lease.unit

    def write() -> ExitCase:
        case = ExitCase.objects.create(
            number=next_number(ExitCase, f"TC{on.year}", width=5),
            household=household,
            lease=lease,
            unit=unit,
            estate=unit.estate,
            reason=reason,
            channel=channel,
            listing=listing,
            violation=violation,
            evidence=rows,
            summary=(summary or "").strip(),
            requested_move_out=requested_move_out,
            opened_by=actor if getattr(actor, "pk", None) else None,
            opened_on=on,
        )
        case.due_on = due_after(case, on)
        case.save(update_fields=["due_on"])
        if listing is not None:
            listing.status = ListingStatus.EXIT_OPENED
            listing.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="exit.open",
            target=case,
            changes=audit.snapshot(
                case, ["household", "lease", "unit", "reason", "channel", "summary"]
            )
            | {"evidence": rows},
        )
        timeline.add(
            "exit.opened",
            actor=actor,
            for_household=household,
            for_unit=unit,
            number=case.number,
            reason=reason,
        )
        return case

    try:
        return with_fresh_number(write)
    except IntegrityError:
        # Two clerks opened the same household's exit at once (the second finds the
        # first), or took the same number on every try.
        raise DomainError(
            _("Household %(h)s already has an exit case in progress.") % {"h": household.number},
            code="already_open",
        ) from None


def case_from_listing(listing: VacateListing, *, actor) -> ExitCase:
    """Turn a "must vacate" listing into an exit case, keeping its evidence."""
    if listing.status != ListingStatus.LISTED:
        raise DomainError(
            _("Only a household still on the list can become an exit case."), code="not_listed"
        )
    return case_open(
        listing.household,
        actor=actor,
        reason=FROM_LISTING[VacateReason(listing.reason)],
        channel=ExitChannel.LISTING,
        summary=listing.legal_basis,
        evidence=[[_("Listed on"), listing.listed_on.isoformat()], *listing.evidence],
        listing=listing,
    )


def case_from_violation(violation, *, actor) -> ExitCase:
    """Turn a recovery decided in a violation case into an exit case, keeping its
    evidence and decision."""
    if violation.exit_handoff_on is None:
        raise DomainError(
            _("Violation case %(n)s did not decide a recovery.") % {"n": violation.number},
            code="not_recovery",
        )
    if violation.exit_cases.exists():
        raise DomainError(
            _("Violation case %(n)s is already an exit case.") % {"n": violation.number},
            code="already_open",
        )
    evidence = [
        [_("Violation case"), violation.number],
        [_("Decided on"), violation.decided_on.isoformat() if violation.decided_on else ""],
        [_("Decision"), violation.decision],
        *violation.evidence,
    ]
    return case_open(
        violation.household,
        actor=actor,
        reason=FROM_VIOLATION.get(violation.type, ExitReason.RECOVERY),
        channel=ExitChannel.VIOLATION,
        summary=violation.summary,
        evidence=evidence,
        violation=violation,
    )


def exit_request(
    household: Household, *, actor, move_out_on: datetime.date, note: str = "", channel: str
) -> ExitCase:
    """A household asks to leave (主动退出), from the portal or at the counter, naming
    the day it would like to hand the keys back."""
    if channel not in (ExitChannel.PORTAL, ExitChannel.COUNTER):
        raise DomainError(_("Unknown channel."), code="channel")
    return case_open(
        household,
        actor=actor,
        reason=ExitReason.VOLUNTARY,
        channel=channel,
        summary=note,
        requested_move_out=move_out_on,
    )


# --- The decision and the notice ----------------------------------------------------------


def case_decide(
    case: ExitCase,
    *,
    actor,
    decision: str,
    has_other_housing: bool = False,
    on: datetime.date | None = None,
) -> ExitCase:
    """The authority decides the exit: the reasons, and whether the household has
    other housing, which settles what follows an overstay."""
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_("Write the decision and its reasons."), code="decision")
    on = on or timezone.localdate()
    with transaction.atomic():
        case = ExitCase.objects.select_for_update().get(pk=case.pk)
        if case.reason == ExitReason.OTHER_HOUSING:
            has_other_housing = True
        case.decided_on, case.decided_by, case.decision = on, actor, decision
        case.has_other_housing = bool(has_other_housing)
        case.track = track_for(case.reason, case.has_other_housing)
        fields = set_stage(case, Stage.DECIDED, on)
        case.save(
            update_fields=[
                *fields,
                "decided_on",
                "decided_by",
                "decision",
                "has_other_housing",
                "track",
            ]
        )
        audit.record(
            actor=actor,
            action="exit.decide",
            target=case,
            changes={
                "decision": decision,
                "has_other_housing": case.has_other_housing,
                "track": case.track,
            },
        )
        timeline.add(
            "exit.decided",
            actor=actor,
            for_household=case.household,
            number=case.number,
            decision=decision[:200],
        )
    return case


def notice_context(case: ExitCase) -> dict:
    from anju.core.models import Organisation, OrgKind

    household = case.household
    return {
        "case": case,
        "household": household,
        "head": household.head,
        "unit": case.unit,
        "estate": case.estate,
        "lease": case.lease,
        "authority": Organisation.objects.filter(kind=OrgKind.AUTHORITY).first(),
        "litigation": case.track == Track.LITIGATION,
        "printed_on": timezone.localdate(),
    }


def notice_pdf(case: ExitCase) -> bytes:
    from anju.admission.pdf import render_pdf

    return render_pdf("exits/pdf/notice.html", notice_context(case))


def after_sentence(case: ExitCase) -> str:
    """What follows the deadline, as the notice and the messages say it."""
    if case.track == Track.MARKET_RENT:
        return _(
            "If you are still in the unit after that day, market rent of %(market)s yuan a "
            "month is charged from the next day."
        ) % {"market": case.market_rent}
    return _(
        "If you are still in the unit after that day, the authority will apply to the "
        "court for enforcement or bring a suit."
    )


@dataclass(frozen=True)
class NoticePreview:
    """What a vacate notice issued on `on` would say, before it is issued."""

    on: datetime.date
    vacate_by: datetime.date
    latest: datetime.date  # the deadline the rules give; a sooner one may be set
    moving_rent: Decimal
    market_rent: Decimal
    track: str
    lease_end: datetime.date
    ruleset: RuleSet
    # Where `latest` comes from: "recovery" (art. 27's days to return the unit),
    # "requested" (a voluntary exit's own day) or "moving" (the moving period).
    rule: str

    @property
    def days(self) -> int:
        return (self.vacate_by - self.on).days

    @property
    def past_lease_end(self) -> bool:
        """The lease's term ends before the deadline: the days after it are billed as
        moving-period rent, at the same rent."""
        return self.lease_end < self.vacate_by


def notice_preview(
    case: ExitCase, *, on: datetime.date | None = None, vacate_by: datetime.date | None = None
) -> NoticePreview:
    """The deadline and the rents of the notice the case would get, checked as
    `notice_issue` checks them: the case must be decided, and a deadline the officer
    sets must come after the notice and no later than the rules allow."""
    check_move(case, Stage.MOVING)
    on = on or timezone.localdate()
    ruleset = rules_on(on)
    default = default_vacate_by(case, on, ruleset)
    if vacate_by is None:
        vacate_by = default
    if vacate_by <= on:
        raise DomainError(_("The deadline must be after the notice's day."), code="bad_deadline")
    if vacate_by > default:
        raise DomainError(
            _("The deadline cannot be later than %(d)s, which the rules give.")
            % {"d": default.isoformat()},
            code="bad_deadline",
        )
    rent = current_rent(case.lease)
    if case.reason in (ExitReason.RECOVERY, ExitReason.FALSE_DECLARATION):
        rule = "recovery"
    elif case.requested_move_out and default == case.requested_move_out:
        rule = "requested"
    else:
        rule = "moving"
    return NoticePreview(
        on=on,
        vacate_by=vacate_by,
        latest=default,
        moving_rent=rent,
        market_rent=market_rent_of(rent, ruleset),
        track=case.track or track_for(case.reason, case.has_other_housing),
        lease_end=case.lease.end,
        ruleset=ruleset,
        rule=rule,
    )


def notice_issue(
    case: ExitCase,
    *,
    actor,
    on: datetime.date | None = None,
    vacate_by: datetime.date | None = None,
) -> ExitCase:
    """Issue the vacate notice (腾退通知): the deadline (art. 27's or the moving
    period, unless the officer sets a sooner day), the contract rent until then and the
    market rent after, as a PDF kept on the case, with a letter and an SMS. The unit
    becomes "vacating", and the lease's tenancy ends at the deadline (`ended_on`), so
    the bill run stops there."""
    preview = notice_preview(case, on=on, vacate_by=vacate_by)
    on, vacate_by = preview.on, preview.vacate_by
    with transaction.atomic():
        case = (
            ExitCase.objects.select_for_update(of=("self",))
            .select_related("lease", "unit")
            .get(pk=case.pk)
        )
        fields = ["notice_number", "notice_issued_on", "vacate_by", "moving_rent", "market_rent"]
        check_move(case, Stage.MOVING)
        case.notice_number = case.number.replace("TC", "TT", 1)
        case.notice_issued_on, case.vacate_by = on, vacate_by
        case.moving_rent = current_rent(case.lease)
        case.market_rent = market_rent_of(case.moving_rent, preview.ruleset)
        fields += set_stage(case, Stage.MOVING, on)
        case.notice_document.save(
            f"{case.notice_number}.pdf", ContentFile(notice_pdf(case)), save=False
        )
        case.save(update_fields=[*fields, "notice_document"])
        lease = case.lease
        if lease.end > vacate_by:
            lease.ended_on = vacate_by
            lease.save(update_fields=["ended_on"])
        if case.unit.status == UnitStatus.OCCUPIED:
            unit_set_status(
                case.unit,
                actor=actor,
                status=UnitStatus.VACATING,
                reason=_("Vacate notice %(n)s") % {"n": case.notice_number},
                by_lease=True,
            )
        household = case.household
        context = {
            "notice": case.notice_number,
            "household_number": household.number,
            "head": household.head.name if household.head else "",
            "unit": case.unit.code,
            "reason": ExitReason(case.reason).label,
            "basis": case.legal_basis,
            "by": vacate_by.isoformat(),
            "rent": str(case.moving_rent),
            "after": after_sentence(case),
        }
        notify.queue_many(
            [
                ("exit.notice.letter", f"exit:{case.number}:notice:letter", household, context),
                ("exit.notice.sms", f"exit:{case.number}:notice:sms", household, context),
            ]
        )
        audit.record(
            actor=actor,
            action="exit.notice",
            target=case,
            changes={
                "notice": case.notice_number,
                "vacate_by": vacate_by,
                "moving_rent": case.moving_rent,
                "market_rent": case.market_rent,
                "lease_ended_on": lease.ended_on,
            },
        )
        timeline.add(
            "exit.notice",
            actor=actor,
            for_household=household,
            for_unit=case.unit,
            notice=case.notice_number,
            by=vacate_by.isoformat(),
            rent=str(case.moving_rent),
            track=case.track,
        )
    return case


# --- When the moving period ends ------------------------------------------------------------


def overstay_begin(case: ExitCase, *, actor=None, today: datetime.date) -> ExitCase:
    """The household is still there the day after its deadline: market rent from that
    day, or the court."""
    with transaction.atomic():
        case = ExitCase.objects.select_for_update().get(pk=case.pk)
        if case.stage != Stage.MOVING or case.vacate_by is None or case.vacate_by >= today:
            return case
        case.overstay_from = case.vacate_by + datetime.timedelta(days=1)
        stage = Stage.OVERSTAY if case.track == Track.MARKET_RENT else Stage.LITIGATION
        fields = set_stage(case, stage, today)
        case.save(update_fields=[*fields, "overstay_from"])
        household = case.household
        context = {
            "household_number": household.number,
            "unit": case.unit.code,
            "by": case.vacate_by.isoformat(),
            "after": after_sentence(case),
        }
        notify.queue(
            "exit.overstay.sms",
            key=f"exit:{case.number}:overstay:sms",
            household=household,
            context=context,
        )
        audit.record(
            actor=actor,
            action="exit.overstay",
            target=case,
            changes={"stage": [Stage.MOVING, stage], "overstay_from": case.overstay_from},
        )
        timeline.add(
            "exit.overstay",
            actor=actor,
            for_household=household,
            for_unit=case.unit,
            by=case.vacate_by.isoformat(),
            track=case.track,
            **{"from": case.overstay_from.isoformat()},
        )
    return case


def overstays_begin(today: datetime.date | None = None) -> int:
    """Every case whose moving period ended before `today` with the household still in
    the unit moves on. Running it again changes nothing."""
    today = today or timezone.localdate()
    due = ExitCase.objects.filter(stage=Stage.MOVING, vacate_by__lt=today).order_by("pk")
    moved = 0
    for case in due:
        if overstay_begin(case, today=today).stage != Stage.MOVING:
            moved += 1
    return moved


def to_litigation(case: ExitCase, *, actor, note: str, on: datetime.date | None = None):
    """Take an overstay at market rent to court as well (a household that neither pays
    nor leaves). Market rent stops being billed from the next month."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why the case goes to court."), code="note")
    on = on or timezone.localdate()
    with transaction.atomic():
        case = ExitCase.objects.select_for_update().get(pk=case.pk)
        if case.stage != Stage.OVERSTAY:
            # The moving period is the household's by law: only an overstay goes to court
            # this way (overstay_begin sends the court track there when it ends).
            raise DomainError(
                _("Only a household overstaying at market rent is taken to court this way."),
                code="bad_transition",
            )
        old_track = case.track
        case.track = Track.LITIGATION
        fields = set_stage(case, Stage.LITIGATION, on)
        case.save(update_fields=[*fields, "track"])
        audit.record(
            actor=actor,
            action="exit.litigation",
            target=case,
            changes={"track": [old_track, Track.LITIGATION], "note": note},
        )
        timeline.add(
            "exit.overstay",
            actor=actor,
            for_household=case.household,
            for_unit=case.unit,
            by=case.vacate_by.isoformat() if case.vacate_by else "",
            track=Track.LITIGATION,
            **{"from": on.isoformat()},
        )
    return case


# --- Withdrawal -----------------------------------------------------------------------------


def case_withdraw(case: ExitCase, *, actor, reason: str) -> ExitCase:
    """Withdraw a case while the household is still in the unit (the arrears paid, a
    decision reversed on review): the unit is occupied again, the lease runs to its
    term, and a listing it came from goes back on the list's record as withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for withdrawing."), code="reason")
    today = timezone.localdate()
    with transaction.atomic():
        case = (
            ExitCase.objects.select_for_update(of=("self",))
            .select_related("lease", "unit")
            .get(pk=case.pk)
        )
        old = case.stage
        fields = set_stage(case, Stage.WITHDRAWN, today)
        case.withdrawn_reason = reason[:300]
        case.closed_on, case.closed_by = today, actor
        case.save(update_fields=[*fields, "withdrawn_reason", "closed_on", "closed_by"])
        lease = case.lease
        if lease.status == LeaseStatus.ACTIVE and lease.ended_on is not None:
            lease.ended_on = None
            lease.save(update_fields=["ended_on"])
        if case.unit.status == UnitStatus.VACATING:
            unit_set_status(
                case.unit,
                actor=actor,
                status=UnitStatus.OCCUPIED,
                reason=_("Exit case %(n)s withdrawn") % {"n": case.number},
                by_lease=True,
            )
        if case.listing is not None and case.listing.status == ListingStatus.EXIT_OPENED:
            case.listing.status = ListingStatus.WITHDRAWN
            case.listing.withdrawn_reason = reason[:300]
            case.listing.save(update_fields=["status", "withdrawn_reason"])
        audit.record(
            actor=actor,
            action="exit.withdraw",
            target=case,
            changes={"stage": [old, Stage.WITHDRAWN], "reason": reason},
        )
        timeline.add(
            "exit.withdrawn",
            actor=actor,
            for_household=case.household,
            for_unit=case.unit,
            number=case.number,
            why=reason,
        )
    return case
