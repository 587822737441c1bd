"""Exchanges (调换): a household asks to move to another unit, with a reason; the
authority decides on three criteria, each shown with its numbers; a matching vacant
unit is offered and reserved; the move ends one lease and starts the next on the same
day, with a handover for each unit. An authority-initiated transfer (redevelopment,
major repair) is a request the authority makes itself, approved from the start.
Mutual exchanges (互换) are in `mutual`, which moves households with the pieces here.

The choices this module makes:

- **Eligibility** (`eligibility`): no valid tenant points (the Hong Kong scheme bars a
  household holding points from a voluntary transfer), no arrears, and the target size
  within the area standard of the rule set in force (the household's category rule,
  `max_area_for` its current members). Arrears are the household's *overdue open bills*
  of every kind (tenancy's `overdue_q`: open, not fully paid, due date passed). Not
  `arrears.standing_of`, which speaks only of households with overdue *rent* (an overdue
  fine or damage charge alone is no arrears to it); not `payments.balance_of`, which
  also counts bills not yet due (a month's rent issued before its due day) and would
  refuse a household that owes nothing yet.
- **The move** itself is in `moves`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.admission.models import CategoryRule, RuleSet
from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.numbering import next_number, with_fresh_number
from anju.households.models import Category, Household, Lease, LeaseStatus
from anju.housing.models import Estate, Unit, UnitStatus
from anju.housing.services import unit_set_status

from ..models import (
    AUTHORITY_REASONS,
    HOUSEHOLD_REASONS,
    MUTUAL_REASONS,
    OPEN_REQUEST,
    ExchangeChannel,
    ExchangeKind,
    ExchangeReason,
    ExchangeRequest,
    ExitCase,
    MutualPair,
    PairStatus,
    RequestStatus,
)

CENT = Decimal("0.01")
LIVE_PAIR = (PairStatus.PROPOSED, PairStatus.CONSENTED)
HANDOVER_KEYS = frozenset(
    {"checklist", "meter_readings", "keys", "cards", "photos", "charges", "unit_after", "note"}
)

timeline.register(
    "exchange.requested",
    gettext_lazy("Exchange request %(number)s (%(kind)s): %(reason)s"),
)
timeline.register(
    "exchange.decided",
    gettext_lazy("Exchange request %(number)s %(status)s: %(passed)s of %(total)s criteria met"),
)
timeline.register(
    "exchange.transfer",
    gettext_lazy("Transfer %(number)s ordered by the authority: %(reason)s"),
)
timeline.register(
    "exchange.offered", gettext_lazy("Unit %(unit)s offered under exchange request %(number)s")
)
timeline.register(
    "exchange.offer_declined",
    gettext_lazy("Offer of unit %(unit)s under exchange request %(number)s declined: %(why)s"),
)
timeline.register(
    "exchange.withdrawn", gettext_lazy("Exchange request %(number)s withdrawn: %(why)s")
)
timeline.register(
    "exchange.moved",
    gettext_lazy(
        "Moved from unit %(from_unit)s to unit %(to_unit)s on %(on)s (exchange request "
        "%(number)s; lease %(old)s → %(new)s)"
    ),
)


# --- Small pieces -----------------------------------------------------------------------


def active_lease(household: Household) -> Lease:
    lease = household.leases.filter(status=LeaseStatus.ACTIVE).select_related("unit").first()
    if lease is None:
        raise DomainError(
            _("Household %(h)s holds no lease in force.") % {"h": household.number},
            code="no_lease",
        )
    return lease


def household_size(household: Household) -> int:
    return household.members.filter(left_at__isnull=True).count()


@dataclass(frozen=True)
class AreaLimit:
    """The largest unit the area standard gives a household: `limit` is None when no
    rule set or category rule says."""

    size: int
    limit: Decimal | None
    category: str
    year: int | None

    def words(self) -> str:
        if self.limit is None:
            return _(
                "no area standard in force gives a size for a household of %(n)s (%(category)s)"
            ) % {"n": self.size, "category": Category(self.category).label}
        return _(
            "a household of %(n)s may have up to %(limit)s m² (%(category)s, %(year)s rules)"
        ) % {
            "n": self.size,
            "limit": self.limit,
            "category": Category(self.category).label,
            "year": self.year,
        }


def category_rules(on: datetime.date) -> tuple[RuleSet | None, dict[str, CategoryRule]]:
    ruleset = RuleSet.objects.in_force(on)
    if ruleset is None:
        return None, {}
    return ruleset, {rule.category: rule for rule in ruleset.categories.all()}


def area_limit_of(
    category: str, size: int, ruleset: RuleSet | None, rules: dict[str, CategoryRule]
) -> AreaLimit:
    rule = rules.get(category)
    limit = rule.max_area_for(size) if rule is not None else None
    return AreaLimit(size, limit, category, ruleset.year if ruleset else None)


def area_limit(household: Household, on: datetime.date) -> AreaLimit:
    ruleset, rules = category_rules(on)
    return area_limit_of(household.category, household_size(household), ruleset, rules)


def wanted_estate_ids(request: ExchangeRequest) -> set[int]:
    """The scope of choice: the estates asked for, else the household's own."""
    chosen = {e.pk for e in request.estates.all()}
    return chosen or {request.estate_id}


def unit_misfits(request: ExchangeRequest, unit: Unit, limit: AreaLimit, estates=None) -> list:
    """Why `unit` does not suit `request` (its own wants and the area standard), in
    words; empty when it does. `estates` is the scope of choice when already known."""
    estates = wanted_estate_ids(request) if estates is None else estates
    out = []
    if unit.estate_id not in estates:
        out.append(_("%(u)s is outside the estates asked for") % {"u": unit.code})
    if limit.limit is None:
        out.append(limit.words())
    elif unit.area_m2 > limit.limit:
        out.append(
            _("%(u)s has %(area)s m², more than the %(limit)s m² the standard allows")
            % {"u": unit.code, "area": unit.area_m2, "limit": limit.limit}
        )
    if request.min_rooms and unit.rooms < request.min_rooms:
        out.append(
            _("%(u)s has %(rooms)s rooms, fewer than %(min)s")
            % {"u": unit.code, "rooms": unit.rooms, "min": request.min_rooms}
        )
    if request.max_floor is not None and unit.floor > request.max_floor:
        out.append(
            _("%(u)s is on floor %(floor)s, above %(max)s")
            % {"u": unit.code, "floor": unit.floor, "max": request.max_floor}
        )
    # A ground-floor unit needs no lift.
    if request.needs_lift and unit.floor > 1 and not unit.building.has_lift:
        out.append(_("%(u)s is up the stairs of a building without a lift") % {"u": unit.code})
    if request.needs_accessible and not unit.accessible:
        out.append(_("%(u)s is not barrier-free") % {"u": unit.code})
    return out


def live_pair_of(request: ExchangeRequest) -> MutualPair | None:
    return (
        MutualPair.objects.filter(Q(first=request) | Q(second=request), status__in=LIVE_PAIR)
        .select_related("first__unit__building", "second__unit__building")
        .first()
    )


def _reason_allowed(kind: str, reason: str) -> None:
    allowed = {
        ExchangeKind.EXCHANGE: HOUSEHOLD_REASONS,
        ExchangeKind.MUTUAL: MUTUAL_REASONS,
        ExchangeKind.TRANSFER: AUTHORITY_REASONS,
    }[ExchangeKind(kind)]
    if reason not in allowed:
        labels = ", ".join(str(ExchangeReason(r).label) for r in ExchangeReason if r in allowed)
        raise DomainError(
            _("“%(reason)s” is not a reason for a %(kind)s; the reasons are: %(allowed)s.")
            % {
                "reason": ExchangeReason(reason).label
                if reason in ExchangeReason.values
                else reason,
                "kind": ExchangeKind(kind).label,
                "allowed": labels,
            },
            code="reason",
        )


# --- Eligibility -------------------------------------------------------------------------


def _points_criterion(household: Household, on: datetime.date) -> dict:
    from anju.supervision.services.points import valid_points, voluntary_exchange_blocked

    blocked = voluntary_exchange_blocked(household, on)
    if blocked:
        detail = _(
            "Holds %(n)s valid tenant points on %(on)s: a household holding points may not "
            "apply for a voluntary exchange."
        ) % {"n": valid_points(household, on), "on": on.isoformat()}
    else:
        detail = _("No valid tenant points on %(on)s.") % {"on": on.isoformat()}
    return {"code": "points", "passed": not blocked, "detail": detail}


def _arrears_criterion(household: Household, on: datetime.date) -> dict:
    from anju.tenancy.models import Bill
    from anju.tenancy.selectors.arrears import overdue_q

    row = Bill.objects.filter(overdue_q(on), household=household).aggregate(
        n=Count("pk"), owed=Sum(F("amount") - F("settled"))
    )
    if row["n"]:
        owed = Decimal(row["owed"] or 0).quantize(CENT)
        detail = _("%(n)s overdue bills on %(on)s, ¥%(owed)s in all.") % {
            "n": row["n"],
            "on": on.isoformat(),
            "owed": f"{owed:,.2f}",
        }
        return {"code": "arrears", "passed": False, "detail": detail}
    return {
        "code": "arrears",
        "passed": True,
        "detail": _("No overdue bill on %(on)s.") % {"on": on.isoformat()},
    }


def _sentence(text: str) -> str:
    """A clause made a sentence, in the language it is in: a capital and a full stop
    in English, 。 in Chinese."""
    text = str(text)
    text = text[:1].upper() + text[1:]
    if text.endswith((".", "。")):
        return text
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return text + ("。" if chinese else ".")


def _area_criterion(request: ExchangeRequest, on: datetime.date, partner=None) -> dict:
    ruleset, rules = category_rules(on)
    mine = area_limit_of(
        request.household.category, household_size(request.household), ruleset, rules
    )
    if mine.limit is None:
        return {"code": "area", "passed": False, "detail": _sentence(mine.words())}
    if request.kind == ExchangeKind.MUTUAL:
        if partner is None:
            detail = _(
                "%(mine)s; each household of a pair must fit the other's unit, which is "
                "checked when a pair is proposed."
            ) % {"mine": mine.words()}
            return {"code": "area", "passed": True, "detail": _sentence(detail)}
        theirs = area_limit_of(
            partner.household.category, household_size(partner.household), ruleset, rules
        )
        fits_me = partner.unit.area_m2 <= mine.limit
        fits_them = theirs.limit is not None and request.unit.area_m2 <= theirs.limit
        detail = _(
            "The other unit has %(their_area)s m², and %(mine)s. This unit has %(my_area)s m², "
            "and for the other household %(theirs)s."
        ) % {
            "their_area": partner.unit.area_m2,
            "mine": mine.words(),
            "my_area": request.unit.area_m2,
            "theirs": theirs.words(),
        }
        return {"code": "area", "passed": fits_me and fits_them, "detail": detail}
    target = request.target_unit
    if target is not None:
        passed = target.area_m2 <= mine.limit
        detail = _("Unit %(u)s has %(area)s m²; %(mine)s.") % {
            "u": target.code,
            "area": target.area_m2,
            "mine": mine.words(),
        }
        return {"code": "area", "passed": passed, "detail": detail}
    detail = _("%(mine)s: only units within it are offered.") % {"mine": mine.words()}
    return {"code": "area", "passed": True, "detail": _sentence(detail)}


def eligibility(request: ExchangeRequest, on: datetime.date, *, partner=None) -> list[dict]:
    """One entry per criterion, each {code, passed, detail}: no valid tenant points, no
    arrears, and the target size within the area standard. For a mutual exchange in a
    live pair (or with `partner`, the other request), the area criterion checks both
    ways: each household must fit the other's unit."""
    household = request.household
    if partner is None and request.kind == ExchangeKind.MUTUAL and request.pk:
        pair = live_pair_of(request)
        if pair is not None:
            partner = pair.second if pair.first_id == request.pk else pair.first
    return [
        _points_criterion(household, on),
        _arrears_criterion(household, on),
        _area_criterion(request, on, partner),
    ]


def failed_words(criteria: list[dict]) -> str:
    return " ".join(str(c["detail"]) for c in criteria if not c["passed"])


# --- Requests ------------------------------------------------------------------------------


def _checked_wants(estates, min_rooms, max_floor) -> list[Estate]:
    estates = list(estates or ())
    if any(not isinstance(e, Estate) for e in estates):
        raise DomainError(_("Choose the estates from the list."), code="estates")
    if min_rooms is not None and not 1 <= int(min_rooms) <= 9:
        raise DomainError(_("Rooms: a number from 1 to 9."), code="min_rooms")
    if max_floor is not None and not 1 <= int(max_floor) <= 99:
        raise DomainError(_("Floor: a number from 1 to 99."), code="max_floor")
    return estates


def _request_create(
    household: Household,
    *,
    actor,
    kind: str,
    reason: str,
    channel: str,
    note: str,
    estates,
    min_rooms,
    max_floor,
    needs_lift: bool,
    needs_accessible: bool,
    approved: bool = False,
) -> ExchangeRequest:
    estates = _checked_wants(estates, min_rooms, max_floor)
    lease = active_lease(household)
    live = ExitCase.objects.live().filter(household=household).first()
    if live is not None:
        raise DomainError(
            _("Household %(h)s is leaving under exit case %(n)s: it cannot move to another unit.")
            % {"h": household.number, "n": live.number},
            code="exit_open",
        )
    if ExchangeRequest.objects.open().filter(household=household).exists():
        raise DomainError(
            _("Household %(h)s already has an exchange request in progress.")
            % {"h": household.number},
            code="already_open",
        )
    today = timezone.localdate()
    unit = lease.unit

    def write() -> ExchangeRequest:
        request = ExchangeRequest.objects.create(
            number=next_number(ExchangeRequest, f"DH{today.year}", width=5),
            kind=kind,
            household=household,
            lease=lease,
            unit=unit,
            estate=unit.estate,
            reason=reason,
            channel=channel,
            note=(note or "").strip()[:2000],
            min_rooms=min_rooms,
            max_floor=max_floor,
            needs_lift=bool(needs_lift),
            needs_accessible=bool(needs_accessible),
            status=RequestStatus.APPROVED if approved else RequestStatus.SUBMITTED,
            decided_by=actor if approved else None,
            decided_on=today if approved else None,
            decision_note=(note or "").strip()[:300] if approved else "",
            requested_by=actor if getattr(actor, "pk", None) else None,
        )
        if estates:
            request.estates.set(estates)
        audit.record(
            actor=actor,
            action="exchange.transfer" if approved else "exchange.request",
            target=request,
            changes=audit.snapshot(
                request,
                [
                    "kind",
                    "household",
                    "lease",
                    "unit",
                    "reason",
                    "channel",
                    "note",
                    "min_rooms",
                    "max_floor",
                    "needs_lift",
                    "needs_accessible",
                    "status",
                ],
            )
            | {"estates": [e.code for e in estates]},
        )
        timeline.add(
            "exchange.transfer" if approved else "exchange.requested",
            actor=actor,
            for_household=household,
            number=request.number,
            kind=kind,
            reason=reason,
        )
        return request

    try:
        return with_fresh_number(write)
    except IntegrityError:
        # Two clerks entered the same household's request at once (the second finds
        # the first), or took the same number on every try.
        raise DomainError(
            _("Household %(h)s already has an exchange request in progress.")
            % {"h": household.number},
            code="already_open",
        ) from None


def exchange_request(
    household: Household,
    *,
    actor,
    kind: str,
    reason: str,
    channel: str,
    note: str = "",
    estates=(),
    min_rooms: int | None = None,
    max_floor: int | None = None,
    needs_lift: bool = False,
    needs_accessible: bool = False,
) -> ExchangeRequest:
    """A household asks to move (调换) or posts that it wants to swap (互换), from the
    portal or at the counter, with its reason and what the unit must have. Mutual
    exchanges are only for work or school (the national rule)."""
    if kind not in (ExchangeKind.EXCHANGE, ExchangeKind.MUTUAL):
        raise DomainError(_("A household asks for an exchange or a mutual exchange."), code="kind")
    if channel not in (ExchangeChannel.PORTAL, ExchangeChannel.COUNTER):
        raise DomainError(_("Unknown channel."), code="channel")
    _reason_allowed(kind, reason)
    return _request_create(
        household,
        actor=actor,
        kind=kind,
        reason=reason,
        channel=channel,
        note=note,
        estates=estates,
        min_rooms=min_rooms,
        max_floor=max_floor,
        needs_lift=needs_lift,
        needs_accessible=needs_accessible,
    )


def transfer_order(
    household: Household,
    *,
    actor,
    reason: str,
    note: str,
    estates=(),
    min_rooms: int | None = None,
    max_floor: int | None = None,
    needs_lift: bool = False,
    needs_accessible: bool = False,
) -> ExchangeRequest:
    """The authority moves a household (redevelopment, major repair): approved from the
    start, with no eligibility test; its points and history move with it."""
    _reason_allowed(ExchangeKind.TRANSFER, reason)
    if not (note or "").strip():
        raise DomainError(_("Say why the household must move."), code="note")
    return _request_create(
        household,
        actor=actor,
        kind=ExchangeKind.TRANSFER,
        reason=reason,
        channel=ExchangeChannel.AUTHORITY,
        note=note,
        estates=estates,
        min_rooms=min_rooms,
        max_floor=max_floor,
        needs_lift=needs_lift,
        needs_accessible=needs_accessible,
        approved=True,
    )


def locked(request: ExchangeRequest) -> ExchangeRequest:
    return (
        ExchangeRequest.objects.select_for_update(of=("self",))
        .select_related("household", "unit__building", "target_unit__building", "lease")
        .get(pk=request.pk)
    )


def check_status(request: ExchangeRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise DomainError(
            _("Exchange request %(n)s is “%(status)s”: not possible now.")
            % {"n": request.number, "status": request.get_status_display()},
            code="bad_status",
        )


def offered_unit(request: ExchangeRequest) -> Unit:
    """The unit of a request in OFFERED, which always has one."""
    unit = request.target_unit
    if unit is None:
        raise DomainError(_("No unit is offered under this request."), code="bad_status")
    return unit


def exchange_decide(
    request: ExchangeRequest,
    *,
    actor,
    approve: bool,
    note: str = "",
    on: datetime.date | None = None,
) -> ExchangeRequest:
    """The authority decides a request on its criteria, which are kept on it: approval
    only when every one passes; a refusal says why. An approved mutual exchange goes on
    the swap board."""
    on = on or timezone.localdate()
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("Say why the request is refused."), code="note")
    with transaction.atomic():
        request = locked(request)
        check_status(request, RequestStatus.SUBMITTED)
        criteria = eligibility(request, on)
        if approve and not all(c["passed"] for c in criteria):
            raise DomainError(
                _("Not every criterion is met, so the request cannot be approved: %(why)s")
                % {"why": failed_words(criteria)},
                code="not_eligible",
            )
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
        request.eligibility = criteria
        request.decided_by, request.decided_on = actor, on
        request.decision_note = note[:300]
        request.save(
            update_fields=["status", "eligibility", "decided_by", "decided_on", "decision_note"]
        )
        audit.record(
            actor=actor,
            action="exchange.decide",
            target=request,
            changes={"status": request.status, "eligibility": criteria, "note": note},
        )
        timeline.add(
            "exchange.decided",
            actor=actor,
            for_household=request.household,
            number=request.number,
            status=request.status,
            passed=sum(1 for c in criteria if c["passed"]),
            total=len(criteria),
        )
    return request


def exchange_withdraw(request: ExchangeRequest, *, actor, reason: str) -> ExchangeRequest:
    """The household (or the authority, for a transfer) withdraws a request still open;
    a unit offered is released. A request in a live pair is declined there first."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for withdrawing."), code="reason")
    with transaction.atomic():
        request = locked(request)
        check_status(request, *OPEN_REQUEST)
        if live_pair_of(request) is not None:
            raise DomainError(
                _("The request is in a proposed mutual exchange: decline the pair first."),
                code="in_pair",
            )
        old = request.status
        if request.target_unit is not None:
            unit_set_status(
                request.target_unit,
                actor=actor,
                status=UnitStatus.VACANT,
                reason=_("Exchange request %(n)s withdrawn") % {"n": request.number},
            )
        request.status, request.target_unit, request.offered_on = (
            RequestStatus.WITHDRAWN,
            None,
            None,
        )
        request.save(update_fields=["status", "target_unit", "offered_on"])
        audit.record(
            actor=actor,
            action="exchange.withdraw",
            target=request,
            changes={"status": [old, RequestStatus.WITHDRAWN], "reason": reason},
        )
        timeline.add(
            "exchange.withdrawn",
            actor=actor,
            for_household=request.household,
            number=request.number,
            why=reason[:200],
        )
    return request


# --- Offering a unit ------------------------------------------------------------------------


def exchange_offer(request: ExchangeRequest, *, actor, unit: Unit) -> ExchangeRequest:
    """Offer a matching vacant unit to an approved exchange or transfer: the unit is
    reserved for the household until it moves or declines."""
    from ..selectors.exchanges import matching_units

    today = timezone.localdate()
    with transaction.atomic():
        request = locked(request)
        if request.kind == ExchangeKind.MUTUAL:
            raise DomainError(
                _("A mutual exchange is not offered a unit: it is paired with another household."),
                code="mutual",
            )
        check_status(request, RequestStatus.APPROVED)
        unit = Unit.objects.select_related("building").get(pk=unit.pk)
        if unit.status != UnitStatus.VACANT:
            raise DomainError(
                _("Unit %(u)s is not vacant (%(status)s): it cannot be offered.")
                % {"u": unit.code, "status": unit.get_status_display()},
                code="not_vacant",
            )
        if not matching_units(request, today).filter(pk=unit.pk).exists():
            misfits = unit_misfits(request, unit, area_limit(request.household, today))
            raise DomainError(
                _("Unit %(u)s does not suit this request: %(why)s.")
                % {"u": unit.code, "why": "; ".join(str(m) for m in misfits) or unit.code},
                code="unsuitable",
            )
        unit_set_status(
            unit,
            actor=actor,
            status=UnitStatus.RESERVED,
            reason=_("Offered under exchange request %(n)s") % {"n": request.number},
        )
        request.status, request.target_unit, request.offered_on = (
            RequestStatus.OFFERED,
            unit,
            today,
        )
        request.save(update_fields=["status", "target_unit", "offered_on"])
        audit.record(
            actor=actor,
            action="exchange.offer",
            target=request,
            changes={"status": [RequestStatus.APPROVED, RequestStatus.OFFERED], "unit": unit.code},
        )
        for target in ({"for_household": request.household}, {"for_unit": unit}):
            timeline.add(
                "exchange.offered", actor=actor, number=request.number, unit=unit.code, **target
            )
    return request


def offer_decline(request: ExchangeRequest, *, actor, reason: str) -> ExchangeRequest:
    """The household turns the unit down: the unit is vacant again and the request waits
    for another."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason the offer is declined."), code="reason")
    with transaction.atomic():
        request = locked(request)
        check_status(request, RequestStatus.OFFERED)
        unit = offered_unit(request)
        unit_set_status(
            unit,
            actor=actor,
            status=UnitStatus.VACANT,
            reason=_("Offer under exchange request %(n)s declined") % {"n": request.number},
        )
        request.status, request.target_unit, request.offered_on = (
            RequestStatus.APPROVED,
            None,
            None,
        )
        request.save(update_fields=["status", "target_unit", "offered_on"])
        audit.record(
            actor=actor,
            action="exchange.offer_decline",
            target=request,
            changes={
                "status": [RequestStatus.OFFERED, RequestStatus.APPROVED],
                "unit": unit.code,
                "reason": reason,
            },
        )
        for target in ({"for_household": request.household}, {"for_unit": unit}):
            timeline.add(
                "exchange.offer_declined",
                actor=actor,
                number=request.number,
                unit=unit.code,
                why=reason[:200],
                **target,
            )
    return request
