"""Renewal (art. 30): the window before a lease ends, the reminders sent in it, the
household's application (a declaration checked against the rules in force) and the
authority's decision. Approval makes the next lease (anju.tenancy.services.leases);
refusal puts the household on the "must vacate" list (art. 31).

The window of a lease opens `renewal_window_months` months before the lease ends (a
day that month lacks is clamped: a lease ending 31 May with a 3-month window opens on
the last day of February) and closes on the lease's last day. The second reminder
falls `renewal_reminder_days` days after it opens. Both numbers come from the rule set
in force."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from anju.admission.models import Outcome, RuleSet
from anju.admission.services import precheck
from anju.admission.services.rules import ruleset_in_force
from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import Message, MessageChannel
from anju.households.models import Lease, LeaseStatus

from ..models import EntryChannel, HousingAcquired, Renewal, RenewalStatus, VacateReason
from .declarations import declaration_submit
from .vacate import listing_add

timeline.register(
    "renewal.applied",
    gettext_lazy("Applied to renew lease %(number)s (%(channel)s); pre-check: %(result)s"),
)
timeline.register(
    "renewal.approved",
    gettext_lazy(
        "Renewal of lease %(number)s approved: lease %(new)s runs from %(start)s to %(end)s"
    ),
)
timeline.register(
    "renewal.refused", gettext_lazy("Renewal of lease %(number)s refused: %(reason)s")
)

notify.register(
    "renewal.open",
    MessageChannel.SMS,
    gettext_lazy(
        "Your lease {lease} for unit {unit} ends on {end}. You may apply to renew it from "
        "today until {end}, on the tenant portal or at the counter."
    ),
)
notify.register(
    "renewal.second",
    MessageChannel.SMS,
    gettext_lazy(
        "Reminder: your lease {lease} for unit {unit} ends on {end} and you have not applied "
        "to renew it. Apply by {end} on the tenant portal or at the counter; without an "
        "application the household must move out when the lease ends."
    ),
)

# Renewals that stop another application and the reminders: one being decided, or
# decided. A withdrawn one does not count.
TAKEN = (RenewalStatus.APPLIED, RenewalStatus.APPROVED, RenewalStatus.REFUSED)
# A lease's renewal state as the pages say it, "none" for no application. The words
# carry a context of their own: "Refused" alone is already a unit offer refused.
NO_APPLICATION = "none"
STATE_LABELS = {
    NO_APPLICATION: pgettext_lazy("renewal", "No application"),
    RenewalStatus.APPLIED: pgettext_lazy("renewal", "Applied"),
    RenewalStatus.APPROVED: pgettext_lazy("renewal", "Approved"),
    RenewalStatus.REFUSED: pgettext_lazy("renewal", "Refused"),
    RenewalStatus.WITHDRAWN: pgettext_lazy("renewal", "Withdrawn"),
}
# The criteria of the admission pre-check that still apply to a housed household;
# residence, social insurance, age and housing area were settled at admission.
PRECHECK_CODES = ("income", "vehicles", "deposits", "business", "category")
# Criteria of renewal alone: housing got since admission (art. 31).
HOUSING_CODES = ("housing_acquired", "other_subsidised")


# --- The window ---------------------------------------------------------------------


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier, clamped to the end of a shorter month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True)
class Window:
    opens_on: datetime.date
    second_reminder_on: datetime.date
    closes_on: datetime.date

    def state(self, on: datetime.date) -> str:
        """ "upcoming", "open" or "closed" on `on`."""
        if on < self.opens_on:
            return "upcoming"
        return "open" if on <= self.closes_on else "closed"

    def is_open(self, on: datetime.date) -> bool:
        return self.state(on) == "open"


def window(lease: Lease, ruleset: RuleSet) -> Window:
    """When the renewal window of `lease` opens, when the second reminder is due, and
    when it closes (the lease's last day)."""
    opens = months_before(lease.end, ruleset.renewal_window_months)
    return Window(
        opens_on=opens,
        second_reminder_on=opens + datetime.timedelta(days=ruleset.renewal_reminder_days),
        closes_on=lease.end,
    )


def last_end_opened_by(day: datetime.date, months: int) -> datetime.date:
    """The latest lease end whose window has opened by `day`: leases ending on or
    before it have an open (or closed) window. Lets a list filter by the window in the
    database. (Ends on the last days of a long month share their opening day with the
    shorter month's last day, hence the walk forward.)"""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    end = datetime.date(year, month0 + 1, min(day.day, last))
    while months_before(end + datetime.timedelta(days=1), months) <= day:
        end += datetime.timedelta(days=1)
    return end


# --- The pre-check of a declaration -----------------------------------------------------


def renewal_verdicts(declaration, *, ruleset: RuleSet, category: str, on) -> list[dict]:
    """The declaration against the rule set's line for the household's category, with
    the admission pre-check's own comparisons (per-capita income, vehicles, deposits,
    business), then other housing acquired and other subsidised housing, each of which
    fails the check. Stored as [{"code", "outcome", "actual", "limit"}]."""
    rule = ruleset.categories.filter(category=category).first()
    facts = precheck.Facts(
        size=declaration.member_count,
        total_income=declaration.total_income,
        housing_area_m2=None,
        vehicles=declaration.vehicles,
        deposits=declaration.deposits,
        owns_business=declaration.owns_business,
        residence_years=0,
        insurance_months=0,
        applicant_birth=None,
        on=on,
    )
    checked = [
        asdict(v) for v in precheck.verdicts_for(rule, facts, category) if v.code in PRECHECK_CODES
    ]
    acquired = declaration.housing_acquired != HousingAcquired.NONE
    checked.append(
        {
            "code": "housing_acquired",
            "outcome": Outcome.NOT_MET if acquired else Outcome.MET,
            "actual": declaration.housing_acquired,
            "limit": HousingAcquired.NONE,
        }
    )
    checked.append(
        {
            "code": "other_subsidised",
            "outcome": Outcome.NOT_MET if declaration.other_subsidised else Outcome.MET,
            "actual": "yes" if declaration.other_subsidised else "no",
            "limit": "no",
        }
    )
    return checked


def passes(verdicts: list[dict]) -> bool:
    return all(v["outcome"] != Outcome.NOT_MET for v in verdicts)


def failing(verdicts: list[dict]) -> list[dict]:
    return [v for v in verdicts if v["outcome"] == Outcome.NOT_MET]


def verdict_sentence(verdict: dict) -> str:
    """A verdict in words: the admission pre-check's sentence, or, for the housing
    criteria of renewal, one of their own."""
    code, outcome = verdict["code"], verdict["outcome"]
    if code not in HOUSING_CODES:
        return precheck.sentence(code, outcome, verdict["actual"], verdict["limit"])
    words = Outcome(outcome).label
    if code == "housing_acquired":
        if outcome == Outcome.MET:
            return _("no other housing acquired since admission: %(outcome)s") % {"outcome": words}
        how = verdict["actual"]
        how = HousingAcquired(how).label if how in HousingAcquired.values else how
        return _("other housing acquired (%(how)s): %(outcome)s") % {
            "how": how,
            "outcome": words,
        }
    if outcome == Outcome.MET:
        return _("rents or owns no other subsidised housing: %(outcome)s") % {"outcome": words}
    return _("rents or owns other subsidised housing: %(outcome)s") % {"outcome": words}


# --- Applying -------------------------------------------------------------------------


def live_renewal(lease: Lease) -> Renewal | None:
    return lease.renewals.filter(status__in=TAKEN).order_by("-applied_at").first()


def renewal_apply(
    lease: Lease,
    *,
    actor,
    channel: str,
    members: list[dict],
    deposits=0,
    vehicles: int = 0,
    owns_business: bool = False,
    housing_acquired: str = HousingAcquired.NONE,
    housing_note: str = "",
    other_subsidised: bool = False,
    consent: bool = False,
) -> Renewal:
    """The household applies to renew `lease` with its declaration (see
    `declaration_submit` for `members`). Only while the window is open, and once: a
    renewal being decided, approved or refused stops another. The pre-check runs
    against the rule set in force today for the household's category."""
    today = timezone.localdate()
    if lease.status != LeaseStatus.ACTIVE:
        raise DomainError(_("Only a lease in force can be renewed."), code="not_active")
    ruleset = ruleset_in_force(today)
    span = window(lease, ruleset)
    if today < span.opens_on:
        raise DomainError(
            _("The renewal window of lease %(n)s opens on %(day)s.")
            % {"n": lease.number, "day": span.opens_on},
            code="window_not_open",
        )
    if today > span.closes_on:
        raise DomainError(
            _("Lease %(n)s ended on %(day)s; it can no longer be renewed.")
            % {"n": lease.number, "day": span.closes_on},
            code="window_closed",
        )
    existing = live_renewal(lease)
    if existing is not None:
        raise DomainError(
            _("Lease %(n)s already has a renewal application (%(status)s).")
            % {"n": lease.number, "status": STATE_LABELS[existing.status]},
            code="already_applied",
        )
    household = lease.household
    try:
        with transaction.atomic():
            declaration = declaration_submit(
                household,
                actor=actor,
                channel=channel,
                members=members,
                deposits=deposits,
                vehicles=vehicles,
                owns_business=owns_business,
                housing_acquired=housing_acquired,
                housing_note=housing_note,
                other_subsidised=other_subsidised,
                consent=consent,
            )
            verdicts = renewal_verdicts(
                declaration, ruleset=ruleset, category=household.category, on=today
            )
            renewal = Renewal.objects.create(
                lease=lease,
                household=household,
                channel=channel,
                declaration=declaration,
                applied_by=actor,
                verdicts=verdicts,
            )
            audit.record(
                actor=actor,
                action="renewal.apply",
                target=renewal,
                changes={
                    "lease": lease.number,
                    "channel": channel,
                    "ruleset": ruleset.year,
                    "passes": passes(verdicts),
                },
            )
            timeline.add(
                "renewal.applied",
                actor=actor,
                for_household=household,
                number=lease.number,
                channel=channel,
                # A choice code, shown in the reader's language ("met" / "not met").
                result=Outcome.MET if passes(verdicts) else Outcome.NOT_MET,
            )
    except IntegrityError as exc:  # a second application at the same moment
        raise DomainError(
            _("Lease %(n)s already has a renewal application.") % {"n": lease.number},
            code="already_applied",
        ) from exc
    return renewal


# --- Deciding -------------------------------------------------------------------------


def _locked(renewal: Renewal) -> Renewal:
    locked = Renewal.objects.select_for_update().select_related("lease").get(pk=renewal.pk)
    if locked.status != RenewalStatus.APPLIED:
        raise DomainError(
            _("This renewal is already decided (%(status)s).")
            % {"status": STATE_LABELS[locked.status]},
            code="decided",
        )
    return locked


def renewal_approve(renewal: Renewal, *, actor, note: str = "") -> Renewal:
    """Approve: the next lease is made (same household, unit and rent terms, from the
    day after the old one ends, for the longest term the rules in force allow) and
    starts by itself on its first day. Approving against a failed criterion needs the
    reason."""
    note = (note or "").strip()
    if not passes(renewal.verdicts) and not note:
        raise DomainError(
            _("The pre-check failed; give the reason for approving all the same."),
            code="reason",
        )
    # The lease services read the window from here; importing them at the top would
    # make the two modules import each other.
    from .leases import lease_renew

    ruleset = ruleset_in_force(timezone.localdate())
    with transaction.atomic():
        renewal = _locked(renewal)
        if renewal.lease.status != LeaseStatus.ACTIVE:
            raise DomainError(_("Only a lease in force can be renewed."), code="not_active")
        new = lease_renew(renewal.lease, actor=actor, years=ruleset.max_lease_years)
        renewal.status, renewal.new_lease = RenewalStatus.APPROVED, new
        renewal.decided_by, renewal.decided_at = actor, timezone.now()
        renewal.decision_note = note[:300]
        renewal.save(
            update_fields=["status", "new_lease", "decided_by", "decided_at", "decision_note"]
        )
        audit.record(
            actor=actor,
            action="renewal.approve",
            target=renewal,
            changes={
                "status": [RenewalStatus.APPLIED, RenewalStatus.APPROVED],
                "new_lease": new.number,
                "start": str(new.start),
                "end": str(new.end),
                "note": renewal.decision_note,
            },
        )
        timeline.add(
            "renewal.approved",
            actor=actor,
            for_household=renewal.household,
            number=renewal.lease.number,
            new=new.number,
            start=str(new.start),
            end=str(new.end),
        )
    return renewal


def renewal_refuse(renewal: Renewal, *, actor, reason: str) -> Renewal:
    """Refuse, with the reason: the household goes on the "must vacate" list (art. 31)
    with the failed criteria and the decision as evidence."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for refusing."), code="reason")
    with transaction.atomic():
        renewal = _locked(renewal)
        renewal.status = RenewalStatus.REFUSED
        renewal.decided_by, renewal.decided_at = actor, timezone.now()
        renewal.decision_note = reason[:300]
        renewal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            actor=actor,
            action="renewal.refuse",
            target=renewal,
            changes={
                "status": [RenewalStatus.APPLIED, RenewalStatus.REFUSED],
                "reason": renewal.decision_note,
            },
        )
        timeline.add(
            "renewal.refused",
            actor=actor,
            for_household=renewal.household,
            number=renewal.lease.number,
            reason=renewal.decision_note,
        )
        listing_add(
            renewal.household,
            actor=actor,
            reason=VacateReason.RENEWAL_REFUSED,
            lease=renewal.lease,
            evidence=refusal_evidence(renewal),
        )
    return renewal


def refusal_evidence(renewal: Renewal) -> dict:
    lease = renewal.lease
    failed = [verdict_sentence(v) for v in failing(renewal.verdicts)]
    decided_by = renewal.decided_by
    return {
        _("Lease"): f"{lease.number} ({lease.start} – {lease.end})",
        _("Applied"): f"{timezone.localdate(renewal.applied_at)} "
        f"({EntryChannel(renewal.channel).label})",
        _("Criteria not met"): "；".join(failed) if failed else _("none"),
        _("Refused by"): (decided_by.full_name or decided_by.get_username()) if decided_by else "",
        _("Refused on"): str(timezone.localdate(renewal.decided_at)),
        _("Reason"): renewal.decision_note,
    }


# --- Reminders --------------------------------------------------------------------------


def reminder_keys(lease_pk: int) -> dict[str, str]:
    return {which: f"renewal:{lease_pk}:{which}" for which in ("open", "second")}


def renewal_reminders_send(today: datetime.date) -> int:
    """Queue the SMS reminders due on `today` for leases in force whose window is open
    and that have no application: the first from the day the window opens, the second
    from the second-reminder date. Each is queued once (its key is the lease and which
    one). A run that did not happen on the day catches up while the window is open;
    past the second date only the second is sent. Returns how many were queued."""
    ruleset = RuleSet.objects.in_force(today)
    if ruleset is None:
        return 0
    leases = (
        Lease.objects.filter(
            status=LeaseStatus.ACTIVE,
            end__gte=today,
            end__lte=last_end_opened_by(today, ruleset.renewal_window_months),
        )
        .exclude(renewals__status__in=TAKEN)
        .select_related("household__head", "unit")
        .order_by("pk")
    )
    rows: list[tuple[str, str, object, dict]] = []
    for lease in leases.iterator(chunk_size=2000):
        span = window(lease, ruleset)
        if not span.is_open(today):
            continue
        which = "second" if today >= span.second_reminder_on else "open"
        rows.append(
            (
                f"renewal.{which}",
                reminder_keys(lease.pk)[which],
                lease.household,
                {"lease": lease.number, "unit": lease.unit.code, "end": str(lease.end)},
            )
        )
    return notify.queue_many(rows)


def reminders_of(lease: Lease) -> list[Message]:
    """The renewal reminders queued for `lease`, oldest first."""
    return list(
        Message.objects.filter(key__in=reminder_keys(lease.pk).values()).order_by("created_at")
    )


def no_renewal_evidence(lease: Lease, ruleset: RuleSet | None) -> dict:
    """What shows that the household was told and did not apply: the lease's end, its
    window and the reminders queued."""
    sent = [
        f"{timezone.localdate(m.created_at)} {m.get_channel_display()} "
        f"({m.get_status_display()}) → {m.recipient or '—'}"
        for m in reminders_of(lease)
    ]
    evidence = {
        _("Lease"): f"{lease.number} ({lease.start} – {lease.end})",
        _("Lease ended"): str(lease.end),
    }
    if ruleset is not None:
        span = window(lease, ruleset)
        evidence[_("Renewal window")] = f"{span.opens_on} – {span.closes_on}"
        evidence[_("Second reminder due")] = str(span.second_reminder_on)
    evidence[_("Reminders sent")] = "；".join(sent) if sent else _("none")
    evidence[_("Renewal application")] = _("none")
    return evidence
