"""The "must vacate" list. Services of arrears, renewal and recertification list a
household with the reason and the evidence; listing is idempotent while the listing
is open. The exits issue turns each listing into an exit case."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from ..models import LEGAL_BASIS, ListingStatus, VacateListing

timeline.register("vacate.listed", gettext_lazy("Put on the “must vacate” list: %(reason)s"))
timeline.register("vacate.withdrawn", gettext_lazy("Taken off the “must vacate” list: %(why)s"))


def listing_add(
    household,
    *,
    actor,
    reason: str,
    evidence: dict,
    lease=None,
    on: datetime.date | None = None,
) -> tuple[VacateListing, bool]:
    """List the household for `reason` (a VacateReason) with `evidence` ({label: value},
    plain strings a reviewer can check). Returns the listing and whether it is new: an
    open listing for the same reason is returned unchanged."""
    if reason not in LEGAL_BASIS:
        raise DomainError(_("Unknown reason."), code="reason")
    existing = VacateListing.objects.filter(
        household=household, reason=reason, status=ListingStatus.LISTED
    ).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        listing = VacateListing.objects.create(
            household=household,
            lease=lease or household.leases.filter(status="active").first(),
            reason=reason,
            evidence=[[str(k), str(v)] for k, v in evidence.items()],
            listed_on=on or timezone.localdate(),
            listed_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="vacate.list",
            target=listing,
            changes={"reason": reason, "evidence": listing.evidence},
        )
        timeline.add(
            "vacate.listed",
            actor=actor,
            for_household=household,
            reason=listing.get_reason_display(),
        )
    return listing, True


def listing_withdraw(listing: VacateListing, *, actor, reason: str) -> VacateListing:
    """Take a household off the list (arrears paid, a decision reversed), with why."""
    if listing.status != ListingStatus.LISTED:
        raise DomainError(_("Only a listed household can be taken off."), code="not_listed")
    if not reason.strip():
        raise DomainError(_("Give the reason."), code="reason")
    with transaction.atomic():
        listing.status, listing.withdrawn_reason = ListingStatus.WITHDRAWN, reason.strip()[:300]
        listing.save(update_fields=["status", "withdrawn_reason"])
        audit.record(
            actor=actor, action="vacate.withdraw", target=listing, changes={"reason": reason}
        )
        timeline.add(
            "vacate.withdrawn", actor=actor, for_household=listing.household, why=reason.strip()
        )
    return listing
