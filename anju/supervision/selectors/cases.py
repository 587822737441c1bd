"""Reads of violation cases that more than one page needs: the scoped list and its
filters, one case for a user, the household a case is opened from, and what a case
has raised (bills, bad-conduct records, points)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from anju.core.access import get_or_404
from anju.households.models import BadConductRecord, Household

from ..models import CaseStatus, PointEntry, ViolationCase


def cases_for(user) -> QuerySet[ViolationCase]:
    return ViolationCase.objects.visible_to(user).select_related(
        "household__head", "estate", "unit", "opened_by", "decided_by"
    )


def case_for_user(user, pk) -> ViolationCase:
    """One case in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(cases_for(user), pk=pk)


def household_for_case(user, pk) -> Household:
    """A housed household in the user's scope that a case can be opened against."""
    return get_or_404(
        Household.objects.visible_to(user)
        .filter(unit__isnull=False)
        .select_related("head", "unit", "estate"),
        pk=pk,
    )


def overdue_q(today: datetime.date | None = None) -> Q:
    """Cases whose notice's deadline has passed with no statement: ready to decide."""
    today = today or timezone.localdate()
    return Q(status=CaseStatus.NOTICE_ISSUED, respond_by__lt=today)


def case_list(user, *, type="", status="", estate=None, overdue=False, q=""):
    cases = cases_for(user)
    if type:
        cases = cases.filter(type=type)
    if status == "active":
        cases = cases.exclude(status=CaseStatus.CLOSED)
    elif status:
        cases = cases.filter(status=status)
    if estate is not None:
        cases = cases.filter(estate=estate)
    if overdue:
        cases = cases.filter(overdue_q())
    if q:
        cases = cases.filter(
            Q(number__icontains=q) | Q(household__number__icontains=q) | Q(unit__code__icontains=q)
        )
    return cases.order_by("-opened_at", "-id")


def case_bills(case: ViolationCase):
    from anju.tenancy.models import Bill

    return list(Bill.objects.filter(source_key__startswith=f"case:{case.number}:").order_by("id"))


def case_conduct_records(case: ViolationCase):
    return list(
        BadConductRecord.objects.filter(
            household=case.household_id, details__startswith=case.number
        ).order_by("id")
    )


def case_points(case: ViolationCase):
    return list(PointEntry.objects.filter(case=case).select_related("rule").order_by("id"))


def household_cases(household) -> QuerySet[ViolationCase]:
    return ViolationCase.objects.filter(household=household).order_by("-opened_at", "-id")
