"""Reads of leases and their amendments for the staff pages and the portal. Every
lookup goes through the models' `visible_to(user)`; a lease out of scope is missing."""

from __future__ import annotations

from anju.core.access import get_or_404
from anju.households.models import Lease, LeaseRent, Member

from ..models import AmendmentStatus, LeaseAmendment


def lease_list(user):
    return Lease.objects.visible_to(user).select_related(
        "unit__estate", "household__head", "previous"
    )


def lease_for_user(user, pk) -> Lease:
    return get_or_404(
        Lease.objects.visible_to(user).select_related(
            "unit__estate",
            "unit__building",
            "household__head",
            "household__community",
            "signed_document",
            "previous",
        ),
        pk=pk,
    )


def rent_history(lease: Lease) -> list[LeaseRent]:
    """The rent rows of a lease, newest first, with who recorded each."""
    return list(lease.rents.select_related("created_by").order_by("-effective_from"))


def renewal_chain(lease: Lease) -> list[Lease]:
    """Every lease of the chain this lease belongs to, oldest first: the leases it
    renews, itself, and the leases that renew it. A chain is a handful of leases (one
    per term of at most five years), so it is walked one link at a time."""
    before, seen = [], {lease.pk}
    link = lease.previous
    while link is not None and link.pk not in seen:
        before.append(link)
        seen.add(link.pk)
        link = link.previous
    after = []
    link = Lease.objects.filter(previous=lease).first()
    while link is not None and link.pk not in seen:
        after.append(link)
        seen.add(link.pk)
        link = Lease.objects.filter(previous=link).first()
    return [*reversed(before), lease, *after]


def lease_amendments(lease: Lease) -> list[LeaseAmendment]:
    return list(
        lease.amendments.select_related("requested_by", "decided_by", "document").order_by(
            "-requested_at", "-id"
        )
    )


def current_members(lease: Lease) -> list[Member]:
    return list(Member.objects.current().filter(household_id=lease.household_id).order_by("id"))


def amendment_list(user):
    return LeaseAmendment.objects.visible_to(user).select_related(
        "lease__unit__estate", "lease__household__head", "requested_by", "decided_by"
    )


def amendment_for_user(user, pk) -> LeaseAmendment:
    return get_or_404(
        LeaseAmendment.objects.visible_to(user).select_related(
            "lease__unit__estate",
            "lease__household__head",
            "requested_by",
            "decided_by",
            "document",
        ),
        pk=pk,
    )


def pending_count(user) -> int:
    """Pending amendments in the user's scope, for the queue's tab."""
    return LeaseAmendment.objects.visible_to(user).filter(status=AmendmentStatus.PENDING).count()
