"""Mutual exchanges (互换): tenants may swap units with each other for work or school,
with the owner's consent (the national rule). A household posts that it wants to swap
(`exchanges.exchange_request(kind="mutual")`); once the authority finds it eligible on
points and arrears (`exchange_decide`), it is on the swap board. Anju proposes pairs
where each household fits the other's unit: within the area standard for its size, the
floor, lift and access it asked for, and the other's estate in its scope of choice.
Both households consent (on the portal, or recorded at the counter), then the owner
approves and both move the same day: both leases end first, then both new ones start,
with four handovers. A pair that is declined is never proposed again; its households
stay on the board for other pairs."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.households.models import Household

from ..models import (
    Direction,
    Exchange,
    ExchangeKind,
    ExchangeRequest,
    MutualPair,
    PairStatus,
    RequestStatus,
    UnitAfter,
)
from .exchanges import (
    LIVE_PAIR,
    area_limit_of,
    category_rules,
    eligibility,
    failed_words,
    unit_misfits,
    wanted_estate_ids,
)
from .moves import (
    check_handovers,
    check_named_unit,
    checked_handover,
    move_end_old,
    move_plan,
    move_record,
    move_start_new,
)

timeline.register(
    "exchange.pair_proposed",
    gettext_lazy(
        "Mutual exchange proposed for request %(number)s: a unit in %(estate)s, building "
        "%(building)s, floor %(floor)s, %(area)s m², rooms: %(rooms)s"
    ),
)
timeline.register(
    "exchange.pair_consented",
    gettext_lazy("Consent to the mutual exchange of request %(number)s recorded"),
)
timeline.register(
    "exchange.pair_declined",
    gettext_lazy("The mutual exchange proposed for request %(number)s was declined: %(why)s"),
)
timeline.register(
    "exchange.pair_approved",
    gettext_lazy("The owner approved the mutual exchange of request %(number)s on %(on)s"),
)

notify.register(
    "exchange.pair.sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household_number}: a household wants to swap "
        "with you: a unit in {estate}, building {building}, floor {floor}, {area} m². Log in "
        "to the tenant portal to see it and consent or decline."
    ),
)


# --- Pairing ------------------------------------------------------------------------------


def _estates_wanted(ids: list[int]) -> dict[int, set[int]]:
    through = ExchangeRequest.estates.through
    wanted: dict[int, set[int]] = defaultdict(set)
    for request_id, estate_id in through.objects.filter(exchangerequest_id__in=ids).values_list(
        "exchangerequest_id", "estate_id"
    ):
        wanted[request_id].add(estate_id)
    return wanted


def pairs_propose(on: datetime.date | None = None, *, actor=None) -> int:
    """Propose every pair of posted mutual exchanges where each household fits the
    other's unit and neither is in a live pair; returns how many were proposed. The
    candidates are read in one query (and their estates wanted in one more), the
    pairing is done here, oldest request first. A pair once proposed is never proposed
    again, so running it twice proposes nothing new."""
    from ..selectors.exchanges import posted

    on = on or timezone.localdate()
    candidates = list(posted().order_by("created_at", "pk"))
    if len(candidates) < 2:
        return 0
    ids = [r.pk for r in candidates]
    wanted = _estates_wanted(ids)
    scope = {r.pk: wanted.get(r.pk) or {r.estate_id} for r in candidates}
    ruleset, rules = category_rules(on)
    limits = {
        r.pk: area_limit_of(r.household.category, r.size, ruleset, rules)  # type: ignore[attr-defined]
        for r in candidates
    }
    seen = set(
        MutualPair.objects.filter(first__in=ids, second__in=ids).values_list("first", "second")
    )

    def fits(a, b) -> bool:
        return not unit_misfits(a, b.unit, limits[a.pk], estates=scope[a.pk])

    taken: set[int] = set()
    made = 0
    for i, a in enumerate(candidates):
        if a.pk in taken:
            continue
        for b in candidates[i + 1 :]:
            if b.pk in taken or (min(a.pk, b.pk), max(a.pk, b.pk)) in seen:
                continue
            if fits(a, b) and fits(b, a) and _pair_create(a, b, actor=actor) is not None:
                taken |= {a.pk, b.pk}
                made += 1
                break
    return made


def _pair_create(a: ExchangeRequest, b: ExchangeRequest, *, actor) -> MutualPair | None:
    first, second = (a, b) if a.pk < b.pk else (b, a)
    try:
        with transaction.atomic():
            # Two runs at once: the second waits, then sees the first's pairs.
            locked = list(
                ExchangeRequest.objects.select_for_update()
                .filter(pk__in=[first.pk, second.pk], status=RequestStatus.APPROVED)
                .order_by("pk")
            )
            live = MutualPair.objects.filter(status__in=LIVE_PAIR)
            if len(locked) < 2 or (
                live.filter(first__in=locked).exists() or live.filter(second__in=locked).exists()
            ):
                return None
            pair = MutualPair.objects.create(first=first, second=second)
            audit.record(
                actor=actor,
                action="exchange.pair_propose",
                target=pair,
                changes={"first": first.number, "second": second.number},
            )
            for mine, other in ((first, second), (second, first)):
                unit = other.unit
                facts = {
                    "estate": unit.estate.name,
                    "building": unit.building.number,
                    "floor": unit.floor,
                    "area": str(unit.area_m2),
                    "rooms": unit.rooms,
                }
                timeline.add(
                    "exchange.pair_proposed",
                    actor=actor,
                    for_household=mine.household,
                    number=mine.number,
                    **facts,
                )
                notify.queue(
                    "exchange.pair.sms",
                    key=f"exchange:pair:{pair.pk}:{mine.number}:sms",
                    household=mine.household,
                    context={"household_number": mine.household.number, **facts},
                )
        return pair
    except IntegrityError:
        return None


# --- Consent, decline, approval ---------------------------------------------------------------


def _locked_pair(pair: MutualPair) -> MutualPair:
    return (
        MutualPair.objects.select_for_update(of=("self",))
        .select_related("first__household", "second__household")
        .get(pk=pair.pk)
    )


def _side(pair: MutualPair, household: Household) -> str:
    if pair.first.household_id == household.pk:
        return "first"
    if pair.second.household_id == household.pk:
        return "second"
    raise DomainError(
        _("Household %(h)s is not in this mutual exchange.") % {"h": household.number},
        code="not_in_pair",
    )


def _check_pair_status(pair: MutualPair, *allowed: str) -> None:
    if pair.status not in allowed:
        raise DomainError(
            _("This mutual exchange is “%(status)s”: not possible now.")
            % {"status": pair.get_status_display()},
            code="bad_status",
        )


def pair_consent(pair: MutualPair, *, household: Household, actor) -> MutualPair:
    """One household consents (from the portal, or recorded at the counter); with both
    consents the pair waits for the owner's approval."""
    with transaction.atomic():
        pair = _locked_pair(pair)
        _check_pair_status(pair, PairStatus.PROPOSED)
        side = _side(pair, household)
        field = f"{side}_consent_at"
        if getattr(pair, field) is not None:
            raise DomainError(
                _("Household %(h)s has already consented.") % {"h": household.number},
                code="already_consented",
            )
        setattr(pair, field, timezone.now())
        fields = [field]
        if pair.first_consent_at and pair.second_consent_at:
            pair.status = PairStatus.CONSENTED
            fields.append("status")
        pair.save(update_fields=fields)
        request = getattr(pair, side)
        audit.record(
            actor=actor,
            action="exchange.pair_consent",
            target=pair,
            changes={"household": household.number, "status": pair.status},
        )
        timeline.add(
            "exchange.pair_consented",
            actor=actor,
            for_household=request.household,
            number=request.number,
        )
    return pair


def pair_decline(
    pair: MutualPair, *, actor, household: Household | None = None, reason: str
) -> MutualPair:
    """A household declines the pair, or (with no household) the owner refuses it. The
    two requests stay on the swap board for other pairs; this pair is not proposed
    again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for declining."), code="reason")
    with transaction.atomic():
        pair = _locked_pair(pair)
        _check_pair_status(pair, *LIVE_PAIR)
        if household is not None:
            _side(pair, household)
        old = pair.status
        pair.status, pair.note = PairStatus.DECLINED, reason[:300]
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save(update_fields=["status", "note", "decided_by", "decided_at"])
        audit.record(
            actor=actor,
            action="exchange.pair_decline",
            target=pair,
            changes={
                "status": [old, PairStatus.DECLINED],
                "by": household.number if household is not None else "owner",
                "reason": reason,
            },
        )
        for request in (pair.first, pair.second):
            timeline.add(
                "exchange.pair_declined",
                actor=actor,
                for_household=request.household,
                number=request.number,
                why=reason[:200],
            )
    return pair


def _handovers_of(handovers: dict, side: str) -> tuple[dict, dict]:
    mine = (handovers or {}).get(side) or {}
    label = _("First household") if side == "first" else _("Second household")
    out = dict(mine.get("out") or {})
    # The other household moves in the same day: the unit is handed over ready to let.
    out.setdefault("unit_after", UnitAfter.VACANT)
    if out["unit_after"] != UnitAfter.VACANT:
        raise DomainError(
            _(
                "%(which)s: in a mutual exchange the other household moves in the same day, so "
                "the unit is handed over ready to let."
            )
            % {"which": label},
            code="after",
        )
    return (
        checked_handover(out, label=f"{label} · {_('Move-out')}", unit_after=True),
        checked_handover(mine.get("in"), label=f"{label} · {_('Move-in')}", unit_after=False),
    )


def pair_approve(
    pair: MutualPair, *, actor, on: datetime.date, handovers: dict
) -> tuple[Exchange, Exchange]:
    """The owner approves a pair both households consented to, and both swap on `on`:
    both leases end the day before (both first, so each unit is free), then both new
    leases start, with two Exchange rows and four handovers. `handovers` is
    {"first": {"out": {...}, "in": {...}}, "second": {...}}, each as `exchange_carry_out`
    takes them (the move-out's unit is ready to let: the other household moves in).
    Eligibility and the fit both ways are checked again first."""
    out_first, in_first = _handovers_of(handovers, "first")
    out_second, in_second = _handovers_of(handovers, "second")
    first_label, second_label = _("First household"), _("Second household")
    check_handovers(
        (out_first, f"{first_label} · {_('Move-out')}"),
        (in_first, f"{first_label} · {_('Move-in')}"),
        (out_second, f"{second_label} · {_('Move-out')}"),
        (in_second, f"{second_label} · {_('Move-in')}"),
    )
    with transaction.atomic():
        pair = _locked_pair(pair)
        _check_pair_status(pair, PairStatus.CONSENTED)
        first, second = (
            ExchangeRequest.objects.select_for_update(of=("self",))
            .select_related("household", "unit__building", "unit__estate", "lease")
            .get(pk=pk)
            for pk in (pair.first_id, pair.second_id)
        )
        for request in (first, second):
            if request.status != RequestStatus.APPROVED or request.kind != ExchangeKind.MUTUAL:
                raise DomainError(
                    _("Exchange request %(n)s is “%(status)s”: the pair cannot be approved.")
                    % {"n": request.number, "status": request.get_status_display()},
                    code="bad_status",
                )
        problems = []
        ruleset, rules = category_rules(on)
        for mine, other in ((first, second), (second, first)):
            criteria = eligibility(mine, on, partner=other)
            if not all(c["passed"] for c in criteria):
                problems.append(f"{mine.household.number}: {failed_words(criteria)}")
            size = mine.household.members.filter(left_at__isnull=True).count()
            limit = area_limit_of(mine.household.category, size, ruleset, rules)
            misfits = unit_misfits(mine, other.unit, limit, estates=wanted_estate_ids(mine))
            if misfits:
                problems.append(f"{mine.household.number}: " + "; ".join(str(m) for m in misfits))
        if problems:
            raise DomainError(
                _("The pair cannot be approved: %(why)s") % {"why": " ".join(problems)},
                code="not_eligible",
            )
        move_a = move_plan(first, second.unit, on)
        move_b = move_plan(second, first.unit, on)
        for move, out, into in ((move_a, out_first, in_first), (move_b, out_second, in_second)):
            check_named_unit(out["unit"], move.from_unit, move=move, direction=Direction.OUT)
            check_named_unit(into["unit"], move.to_unit, move=move, direction=Direction.IN)
        # Both leases end first: each unit is vacant before the other household moves in.
        move_end_old(move_a, actor=actor, on=on, unit_after=UnitAfter.VACANT)
        move_end_old(move_b, actor=actor, on=on, unit_after=UnitAfter.VACANT)
        new_a = move_start_new(move_a, actor=actor, on=on)
        new_b = move_start_new(move_b, actor=actor, on=on)
        exchange_a = move_record(
            move_a,
            new_a,
            actor=actor,
            on=on,
            out_handover=out_first,
            in_handover=in_first,
            pair=pair,
        )
        exchange_b = move_record(
            move_b,
            new_b,
            actor=actor,
            on=on,
            out_handover=out_second,
            in_handover=in_second,
            pair=pair,
        )
        pair.status = PairStatus.DONE
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            actor=actor,
            action="exchange.pair_approve",
            target=pair,
            changes={
                "status": [PairStatus.CONSENTED, PairStatus.DONE],
                "on": on,
                "exchanges": [exchange_a.pk, exchange_b.pk],
            },
        )
        for request in (first, second):
            timeline.add(
                "exchange.pair_approved",
                actor=actor,
                for_household=request.household,
                number=request.number,
                on=on.isoformat(),
            )
    return exchange_a, exchange_b
