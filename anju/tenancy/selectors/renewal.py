"""Reads of renewal that several pages share: the leases due for renewal with the
state of each, one household's renewal as the portal shows it, and a renewal's
pre-check shaped for the admission pre-check partial."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from anju.admission.models import Outcome, RuleSet
from anju.households.models import Household, Lease, LeaseStatus

from ..models import ListingStatus, Renewal, RenewalStatus, VacateListing
from ..services.renewal import (
    HOUSING_CODES,
    NO_APPLICATION,
    STATE_LABELS,
    TAKEN,
    Window,
    last_end_opened_by,
    live_renewal,
    passes,
    verdict_sentence,
    window,
)

# The states of a lease's renewal the lists filter by.
STATES = [
    (state, STATE_LABELS[state])
    for state in (
        NO_APPLICATION,
        RenewalStatus.APPLIED,
        RenewalStatus.APPROVED,
        RenewalStatus.REFUSED,
    )
]


def leases_due(user, *, ruleset: RuleSet, today: datetime.date, within: int) -> QuerySet:
    """Leases in force, in `user`'s scope, whose renewal window is open or opens within
    `within` days (or closed with the lease still in force: waiting for a decision or
    for the roll-over), each with `renewal_status`, `renewal_pk` and
    `renewal_applied_at` of its renewal application (None for none) and `listed`
    when it is on the "must vacate" list, soonest end first."""
    horizon = today + datetime.timedelta(days=max(within, 0))
    latest = Renewal.objects.filter(lease=OuterRef("pk"), status__in=TAKEN).order_by("-applied_at")
    return (
        Lease.objects.visible_to(user)
        .filter(
            status=LeaseStatus.ACTIVE,
            end__lte=last_end_opened_by(horizon, ruleset.renewal_window_months),
        )
        .annotate(
            renewal_status=Subquery(latest.values("status")[:1]),
            renewal_pk=Subquery(latest.values("pk")[:1]),
            renewal_applied_at=Subquery(latest.values("applied_at")[:1]),
            listed=Exists(
                VacateListing.objects.filter(lease=OuterRef("pk"), status=ListingStatus.LISTED)
            ),
        )
        .select_related("household__head", "unit__estate")
        .order_by("end", "pk")
    )


def in_state(leases: QuerySet, state: str) -> QuerySet:
    if state == NO_APPLICATION:
        return leases.filter(renewal_status__isnull=True)
    return leases.filter(renewal_status=state)


def with_windows(leases, ruleset: RuleSet, today: datetime.date) -> list[Lease]:
    """The leases with `window`, `window_state`, `days_left` (to the lease's end),
    `days_over` (past it), `state` and `state_label` set, for a page of a list."""
    rows = list(leases)
    for lease in rows:
        lease.window = window(lease, ruleset)
        lease.window_state = lease.window.state(today)
        lease.days_left = (lease.end - today).days
        lease.days_over = max(-lease.days_left, 0)
        lease.state = lease.renewal_status or NO_APPLICATION
        lease.state_label = STATE_LABELS[lease.state]
    return rows


# --- The pre-check, as the pages show it -------------------------------------------------


@dataclass(frozen=True)
class ShownVerdict:
    """A stored verdict read by the admission pre-check partial (the shape of its
    CriterionResult) and by the renewal pages."""

    code: str
    outcome: str
    actual: str
    limit: str
    evaluated_at: datetime.datetime | None = None

    def get_outcome_display(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def sentence(self) -> str:
        return verdict_sentence(
            {"code": self.code, "outcome": self.outcome, "actual": self.actual, "limit": self.limit}
        )


@dataclass
class Checked:
    """A renewal's pre-check split for display: `criteria` for the admission partial
    (it reads `precheck_met` and `priority_group` of the object passed as its
    "application"), then the housing criteria of renewal alone."""

    criteria: list[ShownVerdict]
    housing: list[ShownVerdict]
    passes: bool
    precheck_met: bool
    priority_group: None = None
    failed: list[ShownVerdict] = field(default_factory=list)


def checked(renewal: Renewal) -> Checked:
    shown = [
        ShownVerdict(
            v["code"], v["outcome"], v.get("actual", ""), v.get("limit", ""), renewal.applied_at
        )
        for v in renewal.verdicts
    ]
    criteria = [v for v in shown if v.code not in HOUSING_CODES]
    return Checked(
        criteria=criteria,
        housing=[v for v in shown if v.code in HOUSING_CODES],
        passes=passes(renewal.verdicts),
        precheck_met=all(v.outcome != Outcome.NOT_MET for v in criteria),
        failed=[v for v in shown if v.outcome == Outcome.NOT_MET],
    )


# --- One household --------------------------------------------------------------------


@dataclass
class HouseholdRenewal:
    """Where a household stands: its lease in force and that lease's window, the
    renewal of that lease (if any), and its latest renewal of any lease."""

    lease: Lease | None
    window: Window | None
    renewal: Renewal | None
    latest: Renewal | None
    today: datetime.date

    @property
    def window_state(self) -> str:
        return self.window.state(self.today) if self.window else ""

    @property
    def can_apply(self) -> bool:
        return bool(self.window and self.window.is_open(self.today) and self.renewal is None)

    @property
    def days_left(self) -> int | None:
        return (self.lease.end - self.today).days if self.lease else None


def household_renewal(household: Household, today: datetime.date) -> HouseholdRenewal:
    lease = (
        household.leases.filter(status=LeaseStatus.ACTIVE).select_related("unit__estate").first()
    )
    ruleset = RuleSet.objects.in_force(today)
    latest = (
        Renewal.objects.filter(household=household, status__in=TAKEN)
        .select_related("lease", "new_lease")
        .order_by("-applied_at")
        .first()
    )
    return HouseholdRenewal(
        lease=lease,
        window=window(lease, ruleset) if lease and ruleset else None,
        renewal=live_renewal(lease) if lease else None,
        latest=latest,
        today=today,
    )
