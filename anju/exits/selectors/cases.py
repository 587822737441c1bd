"""Reads of exit cases that more than one page needs: the scoped list and its filters,
one case for a user (404 for a missing one and for one outside the user's estates
alike), the records a case is opened from (a “must vacate” listing, a violation case
that decided a recovery, a housed household), and what a case has raised: its bills,
its court steps, its handover and settlement, its history."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from anju.core.access import get_or_404
from anju.core.models import TimelineEntry
from anju.households.models import Household
from anju.supervision.models import ViolationCase
from anju.tenancy.models import Bill, BillKind, VacateListing

from ..models import (
    FINISHED,
    DepositSettlement,
    ExitCase,
    LegalStep,
    Stage,
    Track,
    UnitHandover,
)
from ..services.cases import track_for

# The verbs of a household's timeline that tell an exit's story.
HISTORY_VERBS = ("exit.", "handover.", "settlement.")
HISTORY_EXTRA = ("lease.ended", "credentials.revoked", "archive.closed")


def cases_for(user) -> QuerySet[ExitCase]:
    return ExitCase.objects.visible_to(user).select_related(
        "household__head", "estate", "unit", "lease", "opened_by", "decided_by"
    )


def case_for_user(user, pk) -> ExitCase:
    """One case in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(cases_for(user), pk=pk)


def step_for_user(user, pk, step) -> LegalStep:
    """A court step of a case in the user's scope, or 404."""
    return get_or_404(
        LegalStep.objects.visible_to(user).select_related("case"), case_id=pk, pk=step
    )


def listing_for_user(user, pk) -> VacateListing:
    return get_or_404(VacateListing.objects.visible_to(user).select_related("household"), pk=pk)


def violation_for_user(user, pk) -> ViolationCase:
    return get_or_404(ViolationCase.objects.visible_to(user).select_related("household"), pk=pk)


def household_for_exit(user, household) -> Household:
    """A housed household in the user's scope, named by the `household` query parameter
    of the counter form."""
    try:
        pk = int(household or "")
    except (TypeError, ValueError):
        raise Http404 from None
    return get_or_404(
        Household.objects.visible_to(user)
        .filter(unit__isnull=False)
        .select_related("head", "unit", "estate"),
        pk=pk,
    )


def household_or_none(user, pk) -> Household | None:
    return Household.objects.visible_to(user).select_related("head", "unit").filter(pk=pk).first()


def overdue_q(today: datetime.date | None = None) -> Q:
    """Live cases whose next deadline has passed."""
    today = today or timezone.localdate()
    return Q(due_on__lt=today) & ~Q(stage__in=FINISHED)


def case_list(
    user,
    *,
    stage: str = "",
    reason: str = "",
    estate=None,
    overdue: bool = False,
    q: str = "",
    household: int | None = None,
) -> QuerySet[ExitCase]:
    cases = cases_for(user)
    if stage == "live":
        cases = cases.exclude(stage__in=FINISHED)
    elif stage:
        cases = cases.filter(stage=stage)
    if reason:
        cases = cases.filter(reason=reason)
    if estate is not None:
        cases = cases.filter(estate=estate)
    if overdue:
        cases = cases.filter(overdue_q())
    if household:
        cases = cases.filter(household=household)
    if q:
        cases = cases.filter(
            Q(number__icontains=q)
            | Q(notice_number__icontains=q)
            | Q(household__number__icontains=q)
            | Q(unit__code__icontains=q)
        )
    return cases


def live_case_of(household) -> ExitCase | None:
    return ExitCase.objects.live().filter(household=household).first()


def case_bills(case: ExitCase) -> list[Bill]:
    """The bills of the case (moving-period rent, overstay at market rent, a court's
    award, damage at the handover), then the lease's rent bills from the decision on."""
    own = Bill.objects.filter(source_key__startswith=f"exit:{case.number}:")
    rent = Bill.objects.none()
    if case.decided_on:
        rent = Bill.objects.filter(
            lease=case.lease_id, kind=BillKind.RENT, period_end__gte=case.decided_on
        )
    bills = (own | rent).order_by("period_start", "due_on", "id")
    return list(bills)


def case_steps(case: ExitCase) -> list[LegalStep]:
    return list(case.legal_steps.select_related("recorded_by").order_by("on", "id"))


def case_handover(case: ExitCase) -> UnitHandover | None:
    return UnitHandover.objects.filter(exit_case=case).first()


def case_settlement(case: ExitCase) -> DepositSettlement | None:
    return DepositSettlement.objects.filter(case=case).first()


def case_history(case: ExitCase) -> list[TimelineEntry]:
    """The household's timeline entries about this exit, from its opening on."""
    verbs = Q()
    for prefix in HISTORY_VERBS:
        verbs |= Q(verb__startswith=prefix)
    verbs |= Q(verb__in=HISTORY_EXTRA)
    entries = TimelineEntry.objects.filter(verbs, household=case.household_id)
    entries = entries.filter(at__gte=case.created_at - datetime.timedelta(minutes=1))
    if case.closed_on:
        entries = entries.filter(at__date__lte=case.closed_on + datetime.timedelta(days=1))
    return list(entries.select_related("actor").order_by("at", "id"))


# --- The stage strip ----------------------------------------------------------------------


def stage_strip(case: ExitCase) -> list[dict]:
    """The stages of this case's path, each marked done, current or to come. The path
    runs open → decided → moving period → handed over → closed; an overstay at market
    rent and the court appear once the case has reached them, and before that the step
    after the moving period says which of them the decision chose."""
    stage = Stage(case.stage)
    first_track = track_for(case.reason, case.has_other_housing)
    path = [Stage.OPEN, Stage.DECIDED, Stage.MOVING]
    overstayed = stage == Stage.OVERSTAY or (
        case.overstay_from is not None and first_track == Track.MARKET_RENT
    )
    in_court = stage == Stage.LITIGATION or (
        case.overstay_from is not None and case.track == Track.LITIGATION
    )
    if overstayed:
        path.append(Stage.OVERSTAY)
    if in_court:
        path.append(Stage.LITIGATION)
    path += [Stage.HANDED_OVER, Stage.CLOSED]
    current = path.index(stage) if stage in path else -1
    return [
        {
            "stage": s,
            "label": s.label,
            "done": stage != Stage.WITHDRAWN and i < current,
            "current": i == current,
        }
        for i, s in enumerate(path)
    ]
