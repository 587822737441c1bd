"""Allocation rounds (配租批次): the units offered, the entrants frozen from the waiting
list, the committed lottery (摇号), the published result, and unit selection (选房) in
the drawn order.

A round moves open → closed → drawn → published → completed (ROUND_TRANSITIONS).
Closing fixes the entrant list, hashes it and commits to a secret seed; the draw reveals
the seed and applies `anju.admission.lottery`. A re-draw is announced first with a fresh
commitment and a reason, then drawn with its reason; every draw stays public.
docs/lottery.md explains the lottery to the public."""

from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import TimelineEntry
from anju.housing.models import Unit, UnitStatus

from .. import lottery
from ..models import (
    ROUND_TRANSITIONS,
    AllocationRound,
    CategoryRule,
    Draw,
    EntrantStatus,
    Flag,
    FlagStatus,
    RoundEntrant,
    RoundStatus,
    RoundUnit,
    Selection,
    WaitingEntry,
    WaitingStatus,
)
from ..selectors.allocation import (
    LIVE_SELECTION,
    entrants_with_a_choice,
)
from .waiting import ORDER as WAITING_ORDER

timeline.register("round.offered", gettext_lazy("Offered in allocation round %(round)s"))
timeline.register(
    "round.unit_withdrawn", gettext_lazy("No longer offered in allocation round %(round)s")
)
timeline.register(
    "round.entered",
    gettext_lazy(
        "Entered allocation round %(round)s with ticket %(ticket)s (priority tier %(tier)s)"
    ),
)
timeline.register("round.left", gettext_lazy("Taken out of allocation round %(round)s"))
timeline.register(
    "round.drawn",
    gettext_lazy("Drawn in round %(round)s: number %(order)s of %(count)s to choose"),
)
timeline.register(
    "round.redrawn",
    gettext_lazy("Round %(round)s drawn again (%(reason)s): now number %(order)s of %(count)s"),
)
BATCH = 2000


# --- Helpers --------------------------------------------------------------------------


def _move(rnd: AllocationRound, to: str) -> str:
    """Check the transition table; return the old status."""
    old = rnd.status
    if to not in ROUND_TRANSITIONS[old]:
        raise DomainError(
            _("A round cannot go from “%(old)s” to “%(new)s”.")
            % {"old": RoundStatus(old).label, "new": RoundStatus(to).label},
            code="bad_transition",
        )
    return old


def _locked(rnd: AllocationRound) -> AllocationRound:
    """The round's row, locked for this transaction, with the caller's copy refreshed:
    two officers pressing "draw" at once get one draw."""
    fresh = AllocationRound.objects.select_for_update().get(pk=rnd.pk)
    for field in (
        "status",
        "entrants_hash",
        "seed_commitment",
        "sealed_seed",
        "closed_at",
        "published_at",
    ):
        setattr(rnd, field, getattr(fresh, field))
    return rnd


def _require_status(rnd: AllocationRound, *allowed: str, code: str = "round_status") -> None:
    if rnd.status not in allowed:
        raise DomainError(
            _("This cannot be done while the round is “%(status)s”.")
            % {"status": RoundStatus(rnd.status).label},
            code=code,
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason."), code="reason_required")
    return reason[:300]


def _live_round_units(units, *, exclude_round=None):
    """Units already offered in a round that is not finished."""
    busy = RoundUnit.objects.filter(unit__in=units).exclude(round__status=RoundStatus.COMPLETED)
    if exclude_round is not None:
        busy = busy.exclude(round=exclude_round)
    return busy


def _check_offerable(units, *, rnd=None) -> list[Unit]:
    units = list(units)
    if not units:
        raise DomainError(_("Choose at least one unit to offer."), code="no_units")
    not_vacant = [u.code for u in units if u.status != UnitStatus.VACANT]
    if not_vacant:
        raise DomainError(
            _("Only vacant units can be offered: %(codes)s") % {"codes": ", ".join(not_vacant)},
            code="unit_not_vacant",
        )
    busy = sorted(_live_round_units(units, exclude_round=rnd).values_list("unit__code", flat=True))
    if busy:
        raise DomainError(
            _("Already offered in another round: %(codes)s") % {"codes": ", ".join(busy)},
            code="unit_in_other_round",
        )
    return units


def _next_number() -> str:
    prefix = f"R{timezone.localdate().year}-"
    taken = AllocationRound.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    seqs = [int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(seqs, default=0) + 1:02d}"


def _entrant_rows(rnd: AllocationRound) -> list[tuple[int, str, int]]:
    return list(rnd.entrants.order_by().values_list("id", "ticket", "tier"))


def _pending_redraw(rnd: AllocationRound, last: Draw | None = None) -> bool:
    """A fresh commitment has been published for a re-draw that has not happened yet."""
    if rnd.status != RoundStatus.DRAWN:
        return False
    last = last or rnd.draws.order_by("-seq").first()
    return last is not None and last.seed_commitment != rnd.seed_commitment


def _entry(verb: str, *, actor, household_id: int, **data) -> TimelineEntry:
    """An unsaved timeline entry for a household known by id, for the bulk paths."""
    entry = timeline.build(verb, actor=actor, **data)
    entry.household_id = household_id
    return entry


def _bulk_timeline(entries: list[TimelineEntry]) -> None:
    timeline.add_many(entries)


# --- Setting up a round -----------------------------------------------------------------


def round_create(*, actor, title: str, ruleset, units) -> AllocationRound:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the round a title."), code="title_required")
    if ruleset.published_at is None:
        raise DomainError(
            _("A round follows published admission rules."), code="ruleset_unpublished"
        )
    units = _check_offerable(units)
    with transaction.atomic():
        try:
            with transaction.atomic():
                rnd = AllocationRound.objects.create(
                    number=_next_number(), title=title[:120], ruleset=ruleset, created_by=actor
                )
        except IntegrityError as exc:
            raise DomainError(
                _("Another round was created at the same moment; try again."), code="conflict"
            ) from exc
        RoundUnit.objects.bulk_create(RoundUnit(round=rnd, unit=u) for u in units)
        audit.record(
            actor=actor,
            action="round.create",
            target=rnd,
            changes={
                "number": rnd.number,
                "title": rnd.title,
                "ruleset": ruleset.year,
                "units": sorted(u.code for u in units),
            },
        )
        _bulk_timeline(
            [
                timeline.build("round.offered", actor=actor, for_unit=u, round=rnd.number)
                for u in units
            ]
        )
    return rnd


def round_add_units(rnd: AllocationRound, *, actor, units) -> int:
    _require_status(rnd, RoundStatus.OPEN, RoundStatus.CLOSED)
    units = _check_offerable(units, rnd=rnd)
    already = set(rnd.round_units.filter(unit__in=units).values_list("unit__code", flat=True))
    if already:
        raise DomainError(
            _("Already offered in this round: %(codes)s") % {"codes": ", ".join(sorted(already))},
            code="already_offered",
        )
    with transaction.atomic():
        RoundUnit.objects.bulk_create(RoundUnit(round=rnd, unit=u) for u in units)
        audit.record(
            actor=actor,
            action="round.add_units",
            target=rnd,
            changes={"units": sorted(u.code for u in units)},
        )
        _bulk_timeline(
            [
                timeline.build("round.offered", actor=actor, for_unit=u, round=rnd.number)
                for u in units
            ]
        )
    return len(units)


def round_remove_unit(rnd: AllocationRound, *, actor, unit: Unit) -> None:
    """Withdraw an offered unit (it went under repair, say) while nobody holds it."""
    _require_status(
        rnd, RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.DRAWN, RoundStatus.PUBLISHED
    )
    offer = rnd.round_units.filter(unit=unit).first()
    if offer is None:
        raise DomainError(_("This unit is not offered in the round."), code="unit_not_offered")
    if Selection.objects.filter(round=rnd, unit=unit, status__in=LIVE_SELECTION).exists():
        raise DomainError(
            _("A household has chosen this unit; it cannot be withdrawn."), code="unit_held"
        )
    with transaction.atomic():
        offer.delete()
        audit.record(
            actor=actor, action="round.remove_unit", target=rnd, changes={"unit": unit.code}
        )
        timeline.add("round.unit_withdrawn", actor=actor, for_unit=unit, round=rnd.number)


def _max_areas(ruleset) -> dict[str, CategoryRule]:
    return {rule.category: rule for rule in ruleset.categories.all()}


def _eligible_entries():
    """Waiting households free to enter a round: not in another unfinished round, and
    without an unresolved duplicate or ban flag."""
    busy = RoundEntrant.objects.filter(status=EntrantStatus.WAITING_TURN).exclude(
        round__status=RoundStatus.COMPLETED
    )
    flagged = Flag.objects.filter(status=FlagStatus.OPEN)
    return (
        WaitingEntry.objects.filter(status=WaitingStatus.WAITING)
        .exclude(household__in=busy.values("household"))
        .exclude(application__in=flagged.values("application"))
    )


def round_add_entrants(rnd: AllocationRound, *, actor, entries=None) -> int:
    """Freeze waiting-list entries into the round: ticket, tier (the entry's priority
    group), size, the need for a barrier-free unit and the largest area the round's
    rules allow for the household's category and size. Tickets follow waiting-list
    order. With no `entries`, every waiting household that one of the offered units can
    serve enters. Returns how many entered."""
    _require_status(rnd, RoundStatus.OPEN, code="round_not_open")
    areas = sorted(
        rnd.round_units.filter(unit__status=UnitStatus.VACANT).values_list(
            "unit__area_m2", flat=True
        )
    )
    if not areas:
        raise DomainError(_("Offer at least one vacant unit first."), code="no_units")
    smallest: Decimal = areas[0]
    rules = _max_areas(rnd.ruleset)
    order = [F("position").asc(nulls_last=True), *WAITING_ORDER]
    fields = ["id", "household_id", "category", "size", "priority_group", "needs_accessible"]
    eligible = _eligible_entries().exclude(household__round_entries__round=rnd)

    if entries is None:
        rows = list(eligible.order_by(*order).values(*fields))
    else:
        ids = [e.pk for e in entries]
        rows = list(eligible.filter(pk__in=ids).order_by(*order).values(*fields))
        if len(rows) != len(set(ids)):
            found = {r["id"] for r in rows}
            missing = WaitingEntry.objects.filter(pk__in=set(ids) - found).select_related(
                "household"
            )
            raise DomainError(
                _(
                    "These households cannot enter: %(numbers)s. A household enters only "
                    "while waiting, once, with no open flag, and in one round at a time."
                )
                % {"numbers": ", ".join(sorted(e.household.number for e in missing))},
                code="not_eligible",
            )

    def max_area(row):
        rule = rules.get(row["category"])
        return rule.max_area_for(row["size"]) if rule else None

    served = []
    for row in rows:
        limit = max_area(row)
        if limit is None or smallest <= limit:
            served.append((row, limit))
        elif entries is not None:
            raise DomainError(
                _("No offered unit is small enough for household size %(size)s.")
                % {"size": row["size"]},
                code="no_unit_fits",
            )
    if not served:
        return 0

    taken = rnd.entrants.values_list("ticket", flat=True)
    last = max((int(t.rsplit("-", 1)[1]) for t in taken), default=0)
    width = max(4, len(str(last + len(served))))
    new = [
        RoundEntrant(
            round=rnd,
            waiting_entry_id=row["id"],
            household_id=row["household_id"],
            ticket=f"{rnd.number}-{last + i:0{width}d}",
            tier=row["priority_group"],
            size=row["size"],
            needs_accessible=row["needs_accessible"],
            max_area=limit,
        )
        for i, (row, limit) in enumerate(served, start=1)
    ]
    with transaction.atomic():
        _locked(rnd)
        _require_status(rnd, RoundStatus.OPEN, code="round_not_open")
        try:
            with transaction.atomic():
                RoundEntrant.objects.bulk_create(new, batch_size=BATCH)
        except IntegrityError as exc:
            raise DomainError(
                _("Someone else changed the entrants meanwhile; try again."), code="conflict"
            ) from exc
        audit.record(
            actor=actor,
            action="round.add_entrants",
            target=rnd,
            changes={"count": len(new), "tickets": [new[0].ticket, new[-1].ticket]},
        )
        _bulk_timeline(
            [
                _entry(
                    "round.entered",
                    actor=actor,
                    household_id=e.household_id,
                    round=rnd.number,
                    ticket=e.ticket,
                    tier=e.tier,
                )
                for e in new
            ]
        )
    return len(new)


def round_remove_entrant(rnd: AllocationRound, *, actor, entrant: RoundEntrant) -> None:
    _require_status(rnd, RoundStatus.OPEN, code="round_not_open")
    if entrant.round_id != rnd.pk:
        raise DomainError(_("This household is not in the round."), code="not_in_round")
    with transaction.atomic():
        entrant.delete()
        audit.record(
            actor=actor,
            action="round.remove_entrant",
            target=rnd,
            changes={"ticket": entrant.ticket, "household": entrant.household_id},
        )
        timeline.add("round.left", actor=actor, for_household=entrant.household, round=rnd.number)


# --- Commitment and draw ------------------------------------------------------------------


def round_close(rnd: AllocationRound, *, actor) -> AllocationRound:
    """Fix the entrant list: hash it, and commit to a secret seed. The hash and the
    commitment are published now; the seed stays sealed until the draw."""
    with transaction.atomic():
        _locked(rnd)
        old = _move(rnd, RoundStatus.CLOSED)
        rows = _entrant_rows(rnd)
        if not rows:
            raise DomainError(_("The round has no entrants."), code="no_entrants")
        if not rnd.round_units.exists():
            raise DomainError(_("The round offers no unit."), code="no_units")
        seed = lottery.new_seed()
        rnd.entrants_hash = lottery.entrants_hash((ticket, tier) for _id, ticket, tier in rows)
        rnd.sealed_seed = seed
        rnd.seed_commitment = lottery.commit(seed)
        rnd.status = RoundStatus.CLOSED
        rnd.closed_at = timezone.now()
        rnd.save(
            update_fields=["status", "entrants_hash", "sealed_seed", "seed_commitment", "closed_at"]
        )
        # The seed is not in the audit entry: auditors may read it before the draw.
        audit.record(
            actor=actor,
            action="round.close",
            target=rnd,
            changes={
                "status": [old, rnd.status],
                "entrant_count": len(rows),
                "entrants_hash": rnd.entrants_hash,
                "seed_commitment": rnd.seed_commitment,
            },
        )
    return rnd


def round_reopen(rnd: AllocationRound, *, actor, reason: str) -> AllocationRound:
    """Back to open to change the entrants, before any draw. The published commitment
    is void; the audit log keeps it with the reason."""
    reason = _reason(reason)
    with transaction.atomic():
        _locked(rnd)
        old = _move(rnd, RoundStatus.OPEN)
        voided = {"entrants_hash": rnd.entrants_hash, "seed_commitment": rnd.seed_commitment}
        rnd.status = RoundStatus.OPEN
        rnd.entrants_hash = rnd.seed_commitment = rnd.sealed_seed = ""
        rnd.closed_at = None
        rnd.save(
            update_fields=["status", "entrants_hash", "sealed_seed", "seed_commitment", "closed_at"]
        )
        audit.record(
            actor=actor,
            action="round.reopen",
            target=rnd,
            changes={"status": [old, rnd.status], "reason": reason, "voided": voided},
        )
    return rnd


def round_announce_redraw(rnd: AllocationRound, *, actor, reason: str) -> AllocationRound:
    """The first step of a re-draw: seal a fresh seed and publish its commitment, with
    the reason. `round_draw` then reveals it. The earlier draw stays public."""
    reason = _reason(reason)
    with transaction.atomic():
        _locked(rnd)
        _require_status(rnd, RoundStatus.DRAWN)
        last = rnd.draws.order_by("-seq").first()
        if _pending_redraw(rnd, last):
            raise DomainError(_("A re-draw is already announced; draw it."), code="redraw_pending")
        seed = lottery.new_seed()
        rnd.sealed_seed = seed
        rnd.seed_commitment = lottery.commit(seed)
        rnd.save(update_fields=["sealed_seed", "seed_commitment"])
        audit.record(
            actor=actor,
            action="round.announce_redraw",
            target=rnd,
            changes={
                "reason": reason,
                "seed_commitment": rnd.seed_commitment,
                "replaces_draw": last.seq if last else None,
            },
        )
    return rnd


def round_draw(rnd: AllocationRound, *, actor, reason: str = "") -> Draw:
    """Reveal the sealed seed and draw: closed → drawn, or drawn → drawn for a re-draw
    announced with `round_announce_redraw`, which needs a reason. Refused if the
    entrants no longer hash to what was published when the round closed."""
    with transaction.atomic():
        _locked(rnd)
        last = rnd.draws.order_by("-seq").first()
        old = _move(rnd, RoundStatus.DRAWN)
        redraw = old == RoundStatus.DRAWN
        if redraw:
            reason = _reason(reason)
            if not _pending_redraw(rnd, last):
                raise DomainError(
                    _(
                        "Announce the re-draw first: its seed commitment must be public "
                        "before the seed is revealed."
                    ),
                    code="announce_first",
                )
        rows = list(rnd.entrants.order_by().values_list("id", "ticket", "tier", "household_id"))
        entrants = [(ticket, tier) for _id, ticket, tier, _hh in rows]
        current = lottery.entrants_hash(entrants)
        if current != rnd.entrants_hash:
            raise DomainError(
                _(
                    "The entrants changed after the seed was committed (their list now "
                    "hashes to %(now)s…, %(then)s… was published). No draw was made."
                )
                % {"now": current[:12], "then": rnd.entrants_hash[:12]},
                code="entrants_changed",
            )
        seed = rnd.sealed_seed
        if len(seed) != 64 or lottery.commit(seed) != rnd.seed_commitment:
            raise DomainError(
                _("The sealed seed does not match its commitment. No draw was made."),
                code="seed_mismatch",
            )
        result = lottery.draw(seed, entrants)
        now = timezone.now()
        rnd.draws.filter(superseded_at__isnull=True).update(superseded_at=now)
        draw = Draw.objects.create(
            round=rnd,
            seq=last.seq + 1 if last else 1,
            seed=seed,
            seed_commitment=rnd.seed_commitment,
            algorithm=lottery.ALGORITHM,
            entrants_hash=current,
            entrant_count=len(rows),
            reason=(reason or "").strip()[:300],
            drawn_by=actor,
            drawn_at=now,
        )
        pk_of = {ticket: (pk, hh) for pk, ticket, _tier, hh in rows}
        _write_order([(pk_of[d.ticket][0], d.draw_position, d.order) for d in result])
        rnd.status = RoundStatus.DRAWN
        rnd.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="round.redraw" if redraw else "round.draw",
            target=rnd,
            changes={
                "status": [old, rnd.status],
                "draw": draw.seq,
                "seed": seed,
                "seed_commitment": draw.seed_commitment,
                "algorithm": draw.algorithm,
                "entrants_hash": current,
                "entrant_count": len(rows),
                "reason": draw.reason,
            },
        )
        data = {"round": rnd.number, "count": len(rows)}
        if redraw:
            data["reason"] = draw.reason
        _bulk_timeline(
            [
                _entry(
                    "round.redrawn" if redraw else "round.drawn",
                    actor=actor,
                    household_id=pk_of[d.ticket][1],
                    order=d.order,
                    at=now,
                    **data,
                )
                for d in result
            ]
        )
    return draw


def _write_order(numbers: list[tuple[int, int, int]]) -> None:
    """Write (id, draw position, order) for every entrant in one set-based statement:
    an UPDATE from arrays on PostgreSQL, one prepared UPDATE run over all the rows on
    SQLite (no round trips there). The ORM's bulk_update builds a CASE expression per
    row in Python, several hundred times slower at 100,000 rows (bench/lottery.py)."""
    q = connection.ops.quote_name
    table, position, order = q(RoundEntrant._meta.db_table), q("draw_position"), q("order")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, positions, orders = (list(column) for column in zip(*numbers, strict=True))
            cursor.execute(
                f"UPDATE {table} AS e SET {position} = v.p, {order} = v.o "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::integer[], %s::integer[]) AS v(id, p, o) "
                "WHERE e.id = v.id",
                [ids, positions, orders],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {position} = %s, {order} = %s WHERE id = %s",  # noqa: S608
                [(p, o, pk) for pk, p, o in numbers],
            )


def round_publish(rnd: AllocationRound, *, actor) -> AllocationRound:
    """Publish the order of choosing: drawn → published. Selection can start."""
    with transaction.atomic():
        _locked(rnd)
        old = _move(rnd, RoundStatus.PUBLISHED)
        if _pending_redraw(rnd):
            raise DomainError(
                _("A re-draw is announced; draw it before publishing."), code="redraw_pending"
            )
        rnd.status = RoundStatus.PUBLISHED
        rnd.published_at = timezone.now()
        rnd.save(update_fields=["status", "published_at"])
        audit.record(
            actor=actor,
            action="round.publish",
            target=rnd,
            changes={"status": [old, rnd.status], "published_at": rnd.published_at},
        )
    return rnd


def round_complete(rnd: AllocationRound, *, actor) -> AllocationRound:
    """Close the selection: published → completed. Refused while a waiting household
    can still choose a unit; the ones no unit suits leave the round as "no unit"."""
    with transaction.atomic():
        _locked(rnd)
        old = _move(rnd, RoundStatus.COMPLETED)
        able = entrants_with_a_choice(rnd)
        if able:
            raise DomainError(
                _(
                    "%(count)s households can still choose a unit (next: ticket %(ticket)s). "
                    "Record their choice or refusal first."
                )
                % {"count": len(able), "ticket": able[0]},
                code="entrants_can_choose",
            )
        waiting = rnd.entrants.filter(status=EntrantStatus.WAITING_TURN)
        left = list(waiting.values_list("household_id", flat=True))
        waiting.update(status=EntrantStatus.NO_UNIT)
        rnd.status = RoundStatus.COMPLETED
        rnd.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="round.complete",
            target=rnd,
            changes={
                "status": [old, rnd.status],
                "chose": rnd.entrants.filter(status=EntrantStatus.CHOSE).count(),
                "no_unit": len(left),
            },
        )
        _bulk_timeline(
            [_entry("round.no_unit", actor=actor, household_id=hh, round=rnd.number) for hh in left]
        )
    return rnd
