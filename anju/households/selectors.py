"""Reads of households and members that more than one view (or the API) needs."""

from django.db.models import F, Prefetch

from anju.core.access import get_or_404
from anju.core.counting import count_of

from .models import Household, Lease, Member


def household_for_user(user, pk) -> Household:
    return get_or_404(
        Household.objects.visible_to(user).select_related(
            "head", "unit__building", "estate", "community__parent"
        ),
        pk=pk,
    )


def member_for_user(user, pk) -> Member:
    return get_or_404(Member.objects.visible_to(user).select_related("household"), pk=pk)


def household_list(user):
    return (
        Household.objects.visible_to(user)
        .select_related("head", "unit", "estate")
        .annotate(member_count=count_of(Member.objects.current(), "household"))
    )


def archive(household: Household) -> dict:
    """Everything the 一户一档 page shows, in a fixed number of queries."""
    members = list(
        household.members.order_by(F("left_at").asc(nulls_first=True), "id").prefetch_related(
            "credentials"
        )
    )
    leases = list(
        Lease.objects.filter(household=household).select_related("unit__estate").order_by("-start")
    )
    paper = getattr(household, "paper_file", None)
    loans = list(paper.loans.select_related("lent_by")[:20]) if paper else []
    return {
        "members": members,
        "leases": leases,
        "documents": list(household.documents.select_related("uploaded_by")),
        "paper": paper,
        "loans": loans,
        "open_loan": next((loan for loan in loans if loan.returned_at is None), None),
        "timeline": list(household.timeline.select_related("actor")[:200]),
    }


def members_prefetch():
    return Prefetch("members", queryset=Member.objects.current().order_by("id"))
