"""Reads of exchanges that more than one page needs: the scoped lists and one record
for a user, the units that match a request, the swap board, and a household's own
request and pair for the portal."""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from anju.core.access import get_or_404
from anju.core.models import TimelineEntry
from anju.households.models import Household, Member
from anju.housing.models import Unit, UnitStatus

from ..models import (
    OPEN_REQUEST,
    Exchange,
    ExchangeKind,
    ExchangeReason,
    ExchangeRequest,
    MutualPair,
    RequestStatus,
)
from ..services.exchanges import LIVE_PAIR, area_limit, wanted_estate_ids

# --- Matching ----------------------------------------------------------------------------


def matching_units(request: ExchangeRequest, on: datetime.date) -> QuerySet[Unit]:
    """Vacant units in the request's scope of choice (the estates it asks for, else the
    household's own) with the rooms, floor, lift and barrier-free access it needs and
    within the area standard for the household on `on`. The household's own estate
    comes first; then, for a household that needs a lower floor or access, the lowest
    floor, otherwise the largest unit the standard allows; one query."""
    limit = area_limit(request.household, on)
    if limit.limit is None:
        return Unit.objects.none()
    units = Unit.objects.filter(
        status=UnitStatus.VACANT,
        estate_id__in=wanted_estate_ids(request),
        area_m2__lte=limit.limit,
    ).exclude(pk=request.unit_id)
    if request.min_rooms:
        units = units.filter(rooms__gte=request.min_rooms)
    if request.max_floor is not None:
        units = units.filter(floor__lte=request.max_floor)
    if request.needs_lift:  # a ground-floor unit needs no lift
        units = units.filter(Q(building__has_lift=True) | Q(floor__lte=1))
    if request.needs_accessible:
        units = units.filter(accessible=True)
    own_first = Case(
        When(estate_id=request.estate_id, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    if request.reason in (ExchangeReason.LOWER_FLOOR, ExchangeReason.ACCESSIBLE):
        fit = ("floor", "-area_m2")
    else:
        fit = ("-area_m2", "floor")
    return units.select_related("estate", "building").order_by(own_first, *fit, "code")


# --- Requests ------------------------------------------------------------------------------


def requests_for(user) -> QuerySet[ExchangeRequest]:
    """The requests `user` sees, each marked `good_standing` when its household holds
    an evaluation's good-conduct standing today (it gives priority in exchanges)."""
    from anju.evaluation.models import ConsequenceKind
    from anju.evaluation.selectors.consequences import in_effect_exists

    return (
        ExchangeRequest.objects.visible_to(user)
        .select_related(
            "household__head", "unit__building", "estate", "target_unit__estate", "decided_by"
        )
        .annotate(good_standing=in_effect_exists(ConsequenceKind.GOOD_STANDING))
    )


def request_for_user(user, pk) -> ExchangeRequest:
    """One request in the user's scope, or 404 (the same answer as a missing one)."""
    return get_or_404(requests_for(user), pk=pk)


def request_list(user, *, kind="", status="", estate=None, q="") -> QuerySet[ExchangeRequest]:
    requests = requests_for(user)
    if kind:
        requests = requests.filter(kind=kind)
    if status == "open":
        requests = requests.filter(status__in=OPEN_REQUEST)
    elif status:
        requests = requests.filter(status=status)
    if estate is not None:
        requests = requests.filter(estate=estate)
    if q:
        requests = requests.filter(
            Q(number__icontains=q) | Q(household__number__icontains=q) | Q(unit__code__icontains=q)
        )
    # Households with a good-conduct standing come first (priority in exchanges).
    # (`good_standing` is the annotation of `requests_for`.)
    return requests.order_by(F("good_standing").desc(), "-created_at", "-id")


def household_for_request(user, pk) -> Household:
    """A housed household in the user's scope that a request can be entered for."""
    return get_or_404(
        Household.objects.visible_to(user)
        .filter(unit__isnull=False)
        .select_related("head", "unit__building", "estate"),
        pk=pk,
    )


def request_history(request: ExchangeRequest) -> list[TimelineEntry]:
    entries = TimelineEntry.objects.filter(
        household=request.household_id, verb__startswith="exchange.", data__number=request.number
    ).select_related("actor")
    return list(entries.order_by("at", "id"))


def request_exchanges(request: ExchangeRequest) -> list[Exchange]:
    return list(
        Exchange.objects.filter(request=request)
        .select_related("from_unit", "to_unit", "from_lease", "to_lease", "done_by")
        .prefetch_related("handovers__unit")
    )


# --- The swap board -------------------------------------------------------------------------


def _size():
    return Coalesce(
        Subquery(
            Member.objects.filter(household=OuterRef("household"), left_at__isnull=True)
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def in_live_pair_q() -> Q:
    return Q(pairs_first__status__in=LIVE_PAIR) | Q(pairs_second__status__in=LIVE_PAIR)


def posted(requests: QuerySet[ExchangeRequest] | None = None) -> QuerySet[ExchangeRequest]:
    """Mutual exchanges on the swap board: approved, in no live pair, with the household
    still in the unit it offers; each with its household's size."""
    requests = ExchangeRequest.objects.all() if requests is None else requests
    live = MutualPair.objects.filter(status__in=LIVE_PAIR)
    return (
        requests.filter(kind=ExchangeKind.MUTUAL, status=RequestStatus.APPROVED)
        .exclude(pk__in=live.values("first"))
        .exclude(pk__in=live.values("second"))
        .filter(household__unit=F("unit"))
        .annotate(size=_size())
        .select_related("household__head", "unit__building", "estate")
    )


def board(user) -> QuerySet[ExchangeRequest]:
    return posted(ExchangeRequest.objects.visible_to(user)).order_by("created_at", "pk")


def pairs_for(user) -> QuerySet[MutualPair]:
    return MutualPair.objects.visible_to(user).select_related(
        "first__household__head",
        "first__unit__building",
        "first__estate",
        "second__household__head",
        "second__unit__building",
        "second__estate",
        "decided_by",
    )


def pair_for_user(user, pk) -> MutualPair:
    return get_or_404(pairs_for(user), pk=pk)


def pair_list(user, *, status="") -> QuerySet[MutualPair]:
    pairs = pairs_for(user)
    if status == "live":
        pairs = pairs.filter(status__in=LIVE_PAIR)
    elif status:
        pairs = pairs.filter(status=status)
    return pairs.order_by("-proposed_at", "-id")


def pair_history(pair: MutualPair) -> list[TimelineEntry]:
    numbers = [pair.first.number, pair.second.number]
    entries = TimelineEntry.objects.filter(
        household__in=[pair.first.household_id, pair.second.household_id],
        verb__startswith="exchange.",
        data__number__in=numbers,
    ).select_related("actor")
    return list(entries.order_by("at", "id"))


# --- The portal -------------------------------------------------------------------------------


def household_request(household: Household) -> ExchangeRequest | None:
    """The household's open request, else its latest one."""
    requests = ExchangeRequest.objects.filter(household=household).select_related(
        "unit__building", "estate", "target_unit__building", "target_unit__estate"
    )
    return (
        requests.filter(status__in=OPEN_REQUEST).first()
        or requests.order_by("-created_at", "-id").first()
    )


def household_pair(household: Household, request: ExchangeRequest | None) -> MutualPair | None:
    """The pair of the household's mutual exchange: the live one, else the latest."""
    if request is None or request.kind != ExchangeKind.MUTUAL:
        return None
    pairs = MutualPair.objects.filter(Q(first=request) | Q(second=request)).select_related(
        "first__unit__building",
        "first__estate",
        "second__unit__building",
        "second__estate",
    )
    return pairs.filter(status__in=LIVE_PAIR).first() or pairs.order_by("-proposed_at").first()


def own_pair(household: Household, pk) -> MutualPair:
    """A pair the household is in, or 404."""
    return get_or_404(
        MutualPair.objects.filter(
            Q(first__household=household) | Q(second__household=household)
        ).select_related("first__household", "second__household"),
        pk=pk,
    )
