"""Reads of allocation rounds: what the public page of a round shows, the files it
publishes for `scripts/verify-lottery`, whose turn it is, and which units a household
may choose."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Max, QuerySet
from django.utils import timezone

from anju.housing.models import Unit, UnitStatus

from .. import lottery
from ..models import (
    AllocationRound,
    EntrantStatus,
    RoundEntrant,
    RoundStatus,
    Selection,
    SelectionStatus,
)

LIVE_SELECTION = [SelectionStatus.HELD, SelectionStatus.SIGNED]


@dataclass(frozen=True)
class PublicDraw:
    seq: int
    seed: str
    seed_commitment: str
    algorithm: str
    entrants_hash: str
    entrant_count: int
    reason: str
    drawn_at: datetime
    superseded_at: datetime | None


@dataclass(frozen=True)
class RoundPublicData:
    """Everything the public page of a round shows; nothing else. Before the round
    closes it shows no entrant; before the draw, no seed and no order."""

    number: str
    title: str
    status: str
    status_label: str
    entrant_count: int
    entrants_hash: str
    # The commitment in force: the one the next draw will reveal, or the last one drawn.
    seed_commitment: str
    # A re-draw was announced with this commitment and has not been drawn yet.
    redraw_pending: bool
    draws: list[PublicDraw]
    units: QuerySet  # offered units: code, estate, floor, area, rooms, barrier-free
    entrants: QuerySet  # (ticket, tier) by ticket
    order: QuerySet  # (order, ticket, tier, draw_position, status) by order
    files: list[str]  # names of the published files, see round_published_files


def round_public_data(rnd: AllocationRound) -> RoundPublicData:
    draws = [
        PublicDraw(
            seq=d.seq,
            seed=d.seed,
            seed_commitment=d.seed_commitment,
            algorithm=d.algorithm,
            entrants_hash=d.entrants_hash,
            entrant_count=d.entrant_count,
            reason=d.reason,
            drawn_at=d.drawn_at,
            superseded_at=d.superseded_at,
        )
        for d in rnd.draws.order_by("seq")
    ]
    closed = rnd.status != RoundStatus.OPEN
    entrants = rnd.entrants.all() if closed else rnd.entrants.none()
    order = rnd.entrants.all() if draws else rnd.entrants.none()
    units = Unit.objects.filter(round_offers__round=rnd).order_by("code")
    return RoundPublicData(
        number=rnd.number,
        title=rnd.title,
        status=rnd.status,
        status_label=str(RoundStatus(rnd.status).label),
        entrant_count=rnd.entrants.count(),
        entrants_hash=rnd.entrants_hash,
        seed_commitment=rnd.seed_commitment,
        redraw_pending=bool(draws)
        and rnd.status == RoundStatus.DRAWN
        and draws[-1].seed_commitment != rnd.seed_commitment,
        draws=draws,
        units=units.values(
            "code", "estate__name", "floor", "area_m2", "rooms", "accessible", "status"
        ),
        entrants=entrants.order_by("ticket").values_list("ticket", "tier"),
        order=order.order_by("order").values_list(
            "order", "ticket", "tier", "draw_position", "status"
        ),
        files=list(_file_names(rnd, [d.seq for d in draws])) if closed else [],
    )


def _file_names(rnd: AllocationRound, seqs):
    yield f"{rnd.number}-entrants.csv"
    for seq in seqs:
        yield f"{rnd.number}-draw-{seq}.json"


def _local(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def round_published_files(rnd: AllocationRound) -> dict[str, str]:
    """The files a round publishes, by name: the entrant list once the round is closed,
    and the result of every draw, superseded ones too. These are exactly the formats
    `scripts/verify-lottery` reads (docs/lottery.md). The database keeps the order of
    the latest draw only; an earlier draw's order is recomputed from its seed."""
    if rnd.status == RoundStatus.OPEN:
        return {}
    entrants = list(rnd.entrants.order_by().values_list("ticket", "tier"))
    names = iter(_file_names(rnd, []))
    files = {next(names): lottery.entrants_csv(entrants)}
    draws = list(rnd.draws.order_by("seq"))
    for draw in draws:
        order: list = (
            list(
                rnd.entrants.order_by("order").values_list(
                    "ticket", "tier", "draw_position", "order"
                )
            )
            if draw.superseded_at is None
            else lottery.draw(draw.seed, entrants)
        )
        files[f"{rnd.number}-draw-{draw.seq}.json"] = lottery.result_json(
            round_number=rnd.number,
            title=rnd.title,
            draw_no=draw.seq,
            seed=draw.seed,
            seed_commitment=draw.seed_commitment,
            entrants_hash_published=draw.entrants_hash,
            drawn_at=_local(draw.drawn_at) or "",
            reason=draw.reason,
            superseded_at=_local(draw.superseded_at),
            order=order,
        )
    return files


def round_turn(rnd: AllocationRound) -> RoundEntrant | None:
    """The entrant whose turn it is to choose: the lowest order still waiting."""
    if rnd.status != RoundStatus.PUBLISHED:
        return None
    return (
        rnd.entrants.filter(status=EntrantStatus.WAITING_TURN)
        .select_related("household")
        .order_by("order", "ticket")
        .first()
    )


def _needers(rnd: AllocationRound):
    return rnd.entrants.filter(status=EntrantStatus.WAITING_TURN, needs_accessible=True)


def accessible_blocked(unit: Unit, rnd: AllocationRound) -> bool:
    """A barrier-free unit is kept while a waiting entrant who needs one could take it
    (its area within their standard)."""
    needers = _needers(rnd)
    return (
        needers.filter(max_area__isnull=True).exists()
        or needers.filter(max_area__gte=unit.area_m2).exists()
    )


def units_choosable(entrant: RoundEntrant) -> QuerySet:
    """The offered units this entrant may choose now: vacant, not held, within the
    household's area standard, and barrier-free ones only if it needs one or no waiting
    entrant who needs one could take it."""
    rnd = entrant.round
    held = Selection.objects.filter(status__in=LIVE_SELECTION).values("unit")
    units = Unit.objects.filter(round_offers__round=rnd, status=UnitStatus.VACANT).exclude(
        pk__in=held
    )
    if entrant.max_area is not None:
        units = units.filter(area_m2__lte=entrant.max_area)
    if not entrant.needs_accessible:
        needers = _needers(rnd).exclude(pk=entrant.pk)
        if needers.filter(max_area__isnull=True).exists():
            units = units.filter(accessible=False)
        else:
            top = needers.aggregate(top=Max("max_area"))["top"]
            if top is not None:
                units = units.exclude(accessible=True, area_m2__lte=top)
    return units.select_related("estate").order_by("code")


def entrants_with_a_choice(rnd: AllocationRound) -> list[str]:
    """Tickets, in order, of the waiting entrants for whom some unit is still free: the
    rule of `units_choosable` for the whole round in one pass."""
    held = Selection.objects.filter(status__in=LIVE_SELECTION).values("unit")
    units = list(
        Unit.objects.filter(round_offers__round=rnd, status=UnitStatus.VACANT)
        .exclude(pk__in=held)
        .values_list("area_m2", "accessible")
    )
    if not units:
        return []
    waiting = list(
        rnd.entrants.filter(status=EntrantStatus.WAITING_TURN)
        .order_by("order", "ticket")
        .values_list("ticket", "max_area", "needs_accessible")
    )
    infinite = Decimal("Infinity")
    needer_limits = [infinite if m is None else m for _t, m, needs in waiting if needs]
    top = max(needer_limits, default=None)
    plain = min((a for a, acc in units if not acc), default=None)
    accessible = min((a for a, acc in units if acc), default=None)
    open_accessible = min((a for a, acc in units if acc and (top is None or a > top)), default=None)

    def fits(limit, smallest):
        return smallest is not None and (limit is None or smallest <= limit)

    return [
        ticket
        for ticket, limit, needs in waiting
        if fits(limit, plain) or fits(limit, accessible if needs else open_accessible)
    ]
