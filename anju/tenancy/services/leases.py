"""Leases from one term to the next: the renewal lease an approved renewal makes, and
the nightly roll-over that puts it in force the day after the old one ends, or, when
nobody applied to renew, puts the household on the "must vacate" list (art. 30)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.admission.models import RuleSet
from anju.admission.services.lease import add_years
from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.households.models import Lease, LeaseStatus
from anju.households.services import RENT_FIELDS, lease_rent_first

from ..models import VacateListing, VacateReason
from .renewal import TAKEN, no_renewal_evidence
from .rent import rent_in_force
from .vacate import listing_add

timeline.register(
    "lease.rolled",
    gettext_lazy("Lease %(old)s ended on %(end)s; lease %(new)s is in force from %(start)s"),
)

_RENEWED = re.compile(r"^(?P<base>.+)-R(?P<n>\d+)$")
# Copied from the old lease to its renewal besides the rent in force.
CARRIED_TERMS = ("area_m2", "deposit", "billing_day")


def renewal_number(number: str) -> str:
    """The next lease's number: L-7 → L-7-R1, L-7-R1 → L-7-R2 (skipping a number
    already taken)."""
    match = _RENEWED.match(number)
    base, n = (match["base"], int(match["n"])) if match else (number, 0)
    while True:
        n += 1
        candidate = f"{base}-R{n}"
        if not Lease.objects.filter(number=candidate).exists():
            return candidate


def lease_renew(lease: Lease, *, actor, years: int) -> Lease:
    """The renewal of `lease`: the same household and unit, the rent terms in force on
    its last day, from the day after it ends for `years` years (ending on the same day
    of the month, as a first lease does), signed and not yet started. Its first rent
    row is written with it. Part of the renewal's approval, which writes the timeline."""
    if Lease.objects.filter(previous=lease).exists():
        raise DomainError(
            _("Lease %(n)s already has a renewal lease.") % {"n": lease.number},
            code="renewed",
        )
    if years < 1:
        raise DomainError(_("A lease runs for at least one year."), code="term_too_short")
    start = lease.end + datetime.timedelta(days=1)
    rent = rent_in_force(lease, lease.end)
    terms = {f: getattr(rent if rent is not None else lease, f) for f in RENT_FIELDS}
    terms.update({f: getattr(lease, f) for f in CARRIED_TERMS})
    with transaction.atomic():
        new = Lease.objects.create(
            number=renewal_number(lease.number),
            household_id=lease.household_id,
            unit_id=lease.unit_id,
            start=start,
            end=add_years(start, years),
            status=LeaseStatus.UPCOMING,
            previous=lease,
            **terms,
        )
        lease_rent_first(new, actor=actor)
        audit.record(
            actor=actor,
            action="lease.renew",
            target=new,
            changes={
                "previous": lease.number,
                **audit.snapshot(new, ["household", "unit", "start", "end", *RENT_FIELDS]),
            },
        )
    return new


@dataclass(frozen=True)
class RollResult:
    started: int
    listed: int


def _lease_rolled(old: Lease, new: Lease, *, actor) -> None:
    with transaction.atomic():
        # Ending the old lease first keeps one active lease per unit and household.
        old.status = LeaseStatus.ENDED
        old.save(update_fields=["status"])
        new.status = LeaseStatus.ACTIVE
        new.save(update_fields=["status"])
        audit.record_many(
            actor=actor,
            items=[
                ("lease.roll", old, {"status": [LeaseStatus.ACTIVE, LeaseStatus.ENDED]}),
                ("lease.roll", new, {"status": [LeaseStatus.UPCOMING, LeaseStatus.ACTIVE]}),
            ],
        )
        for target in ({"for_household": old.household}, {"for_unit": old.unit}):
            timeline.add(
                "lease.rolled",
                actor=actor,
                old=old.number,
                end=str(old.end),
                new=new.number,
                start=str(new.start),
                **target,
            )


def leases_roll(today: datetime.date, *, actor=None) -> RollResult:
    """The nightly roll-over of leases in force whose term ended before `today`:
    - a renewal lease that has started takes over (the old lease ends);
    - with no renewal applied for, the household goes on the "must vacate" list, once
      per lease, with the window and the reminders as evidence. The old lease stays in
      force: the household still lives there until its exit.
    A lease whose renewal is still being decided waits. Running it again changes
    nothing."""
    ended = Lease.objects.filter(status=LeaseStatus.ACTIVE, end__lt=today)
    started = 0
    for renewal_lease in (
        Lease.objects.filter(previous__in=ended, status=LeaseStatus.UPCOMING, start__lte=today)
        .select_related("previous__household", "previous__unit")
        .order_by("pk")
    ):
        old = renewal_lease.previous
        if old is not None:  # always: the query follows `previous`
            _lease_rolled(old, renewal_lease, actor=actor)
            started += 1
    listed_before = VacateListing.objects.filter(
        reason=VacateReason.NO_RENEWAL, lease__isnull=False
    ).values("lease_id")
    unrenewed = (
        ended.exclude(renewals__status__in=TAKEN)
        .exclude(pk__in=listed_before)
        .select_related("household")
        .order_by("pk")
    )
    listed = 0
    for lease in unrenewed:
        _listing, added = listing_add(
            lease.household,
            actor=actor,
            reason=VacateReason.NO_RENEWAL,
            lease=lease,
            evidence=no_renewal_evidence(lease, RuleSet.objects.in_force(lease.end)),
            on=today,
        )
        listed += int(added)
    return RollResult(started=started, listed=listed)
