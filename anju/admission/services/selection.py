"""Unit selection (选房) in a published round: the household whose turn it is chooses
an offered unit, declines (a refusal, counted unless its reason is valid), or leaves the
round when no unit suits it. The rounds themselves are in `allocation`."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.housing.models import Unit, UnitStatus
from anju.housing.services import unit_set_status

from ..models import (
    AllocationRound,
    EntrantStatus,
    Refusal,
    RefusalConsequence,
    RoundEntrant,
    RoundStatus,
    RuleSet,
    Selection,
    WaitingEntry,
    WaitingStatus,
)
from ..selectors.allocation import LIVE_SELECTION, accessible_blocked, units_choosable
from .allocation import _reason, _require_status
from .waiting import waiting_recompute, waiting_remove, waiting_suspend

timeline.register("round.chose", gettext_lazy("Chose unit %(unit)s in round %(round)s"))
timeline.register(
    "round.refused",
    gettext_lazy("Refused to choose in round %(round)s without a valid reason: %(reason)s"),
)
timeline.register(
    "round.refused_valid",
    gettext_lazy("Refused to choose in round %(round)s for a valid reason: %(reason)s"),
)
timeline.register(
    "round.refusal_limit",
    gettext_lazy(
        "%(count)s refusals without a valid reason, more than the %(limit)s the rules allow: "
        "%(consequence)s"
    ),
)
timeline.register("round.no_unit", gettext_lazy("No suitable unit was left in round %(round)s"))


def _turn(rnd: AllocationRound) -> RoundEntrant | None:
    return (
        rnd.entrants.filter(status=EntrantStatus.WAITING_TURN).order_by("order", "ticket").first()
    )


def _lock_waiting(entrant: RoundEntrant) -> RoundEntrant:
    """The entrant's row, locked, with its round fresh; still waiting for its turn in a
    published round, or a domain error."""
    entrant = (
        RoundEntrant.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=entrant.pk)
    )
    _require_status(entrant.round, RoundStatus.PUBLISHED, code="round_not_published")
    if entrant.status != EntrantStatus.WAITING_TURN:
        raise DomainError(
            _("Ticket %(ticket)s is no longer waiting to choose (%(status)s).")
            % {"ticket": entrant.ticket, "status": EntrantStatus(entrant.status).label},
            code="not_waiting_turn",
        )
    return entrant


def selection_choose(entrant: RoundEntrant, *, actor, unit: Unit) -> Selection:
    """The entrant whose turn it is chooses one offered unit. The unit's row is locked
    (on PostgreSQL), and the database allows one live selection per unit and one per
    household, so two clerks can never hand out the same unit."""
    _require_status(entrant.round, RoundStatus.PUBLISHED, code="round_not_published")
    with transaction.atomic():
        # Lock the entrant first, then the unit, always in that order.
        entrant = _lock_waiting(entrant)
        rnd = entrant.round
        turn = _turn(rnd)
        if turn is None or turn.pk != entrant.pk:
            raise DomainError(
                _("It is not this household's turn; ticket %(ticket)s chooses now.")
                % {"ticket": turn.ticket if turn else "—"},
                code="not_your_turn",
            )
        if not rnd.round_units.filter(unit=unit).exists():
            raise DomainError(
                _("Unit %(unit)s is not offered in this round.") % {"unit": unit.code},
                code="unit_not_offered",
            )
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        taken = DomainError(
            _("Unit %(unit)s has just been chosen by another household.") % {"unit": unit.code},
            code="unit_taken",
        )
        if Selection.objects.filter(unit=unit, status__in=LIVE_SELECTION).exists():
            raise taken
        if unit.status != UnitStatus.VACANT:
            raise DomainError(
                _("Unit %(unit)s is not available (%(status)s).")
                % {"unit": unit.code, "status": UnitStatus(unit.status).label},
                code="unit_unavailable",
            )
        if entrant.max_area is not None and unit.area_m2 > entrant.max_area:
            raise DomainError(
                _("Unit %(unit)s has %(area)s m²; this household may have at most %(max)s m².")
                % {"unit": unit.code, "area": unit.area_m2, "max": entrant.max_area},
                code="unit_too_large",
            )
        if unit.accessible and not entrant.needs_accessible and accessible_blocked(unit, rnd):
            raise DomainError(
                _(
                    "Unit %(unit)s is barrier-free and kept for the households that need "
                    "one while any of them is still waiting to choose."
                )
                % {"unit": unit.code},
                code="unit_kept_for_accessible",
            )
        try:
            with transaction.atomic():
                selection = Selection.objects.create(
                    round=rnd,
                    entrant=entrant,
                    household_id=entrant.household_id,
                    unit=unit,
                    chosen_by=actor,
                )
        except IntegrityError as exc:
            if Selection.objects.filter(
                household_id=entrant.household_id, status__in=LIVE_SELECTION
            ).exists():
                raise DomainError(
                    _("This household already holds a unit."), code="already_holds"
                ) from exc
            raise taken from exc
        unit_set_status(
            unit,
            actor=actor,
            status=UnitStatus.RESERVED,
            reason=_("Chosen in round %(round)s by ticket %(ticket)s")
            % {"round": rnd.number, "ticket": entrant.ticket},
        )
        entrant.status = EntrantStatus.CHOSE
        entrant.save(update_fields=["status"])
        WaitingEntry.objects.filter(pk=entrant.waiting_entry_id).update(
            status=WaitingStatus.ALLOCATED, status_reason=f"{rnd.number} {unit.code}"
        )
        waiting_recompute(
            reason="allocated", detail={"entry": entrant.waiting_entry_id, "round": rnd.number}
        )
        audit.record(
            actor=actor,
            action="selection.choose",
            target=selection,
            changes={"round": rnd.number, "ticket": entrant.ticket, "unit": unit.code},
        )
        timeline.add(
            "round.chose",
            actor=actor,
            for_household=entrant.household,
            for_unit=unit,
            round=rnd.number,
            unit=unit.code,
        )
    return selection


def _refusal_consequence(entry: WaitingEntry, consequence: str, *, actor, limit: int) -> None:
    """What the rule set says follows too many refusals, through the waiting list's own
    services so that positions, history and the application follow too."""
    if consequence == RefusalConsequence.BACK_OF_LIST:
        entry.moved_back_at = timezone.now()
        entry.save(update_fields=["moved_back_at"])
        waiting_recompute(reason="moved_back", detail={"entry": entry.pk})
        return
    why = _("%(count)s refusals without a valid reason, more than the %(limit)s allowed") % {
        "count": entry.refusals,
        "limit": limit,
    }
    if consequence == RefusalConsequence.SUSPENDED:
        waiting_suspend(entry, actor=actor, reason=why)
    else:
        waiting_remove(entry, actor=actor, reason=why)


def entrant_refuse(entrant: RoundEntrant, *, actor, reason: str, valid: bool) -> Refusal:
    """The household declines to choose. A refusal without a valid reason is counted on
    its waiting-list entry; past the rule set's limit the rule set's consequence
    follows: back of the list, suspended, or removed."""
    reason = _reason(reason)
    _require_status(entrant.round, RoundStatus.PUBLISHED, code="round_not_published")
    with transaction.atomic():
        entrant = _lock_waiting(entrant)
        rnd = entrant.round
        ruleset = RuleSet.objects.get(pk=rnd.ruleset_id)
        refusal = Refusal.objects.create(
            entrant=entrant, reason=reason, valid=valid, recorded_by=actor
        )
        entrant.status = EntrantStatus.REFUSED
        entrant.save(update_fields=["status"])
        changes: dict = {
            "round": rnd.number,
            "ticket": entrant.ticket,
            "reason": reason,
            "valid": valid,
        }
        consequence = None
        if not valid:
            entry = WaitingEntry.objects.select_for_update().get(pk=entrant.waiting_entry_id)
            entry.refusals += 1
            entry.save(update_fields=["refusals"])
            if entry.refusals > ruleset.refusal_limit and entry.status == WaitingStatus.WAITING:
                consequence = ruleset.refusal_consequence
                _refusal_consequence(entry, consequence, actor=actor, limit=ruleset.refusal_limit)
            changes["refusals"] = entry.refusals
            changes["consequence"] = consequence
        audit.record(actor=actor, action="round.refuse", target=entrant, changes=changes)
        timeline.add(
            "round.refused_valid" if valid else "round.refused",
            actor=actor,
            for_household=entrant.household,
            round=rnd.number,
            reason=reason,
        )
        if consequence:
            timeline.add(
                "round.refusal_limit",
                actor=actor,
                for_household=entrant.household,
                count=changes["refusals"],
                limit=ruleset.refusal_limit,
                consequence=consequence,
            )
    return refusal


def entrant_skip_no_unit(entrant: RoundEntrant, *, actor) -> RoundEntrant:
    """No offered unit left suits this household: it leaves the round and keeps its
    place on the waiting list."""
    _require_status(entrant.round, RoundStatus.PUBLISHED, code="round_not_published")
    with transaction.atomic():
        entrant = _lock_waiting(entrant)
        rnd = entrant.round
        left = list(units_choosable(entrant).values_list("code", flat=True)[:5])
        if left:
            raise DomainError(
                _("Units this household can still choose: %(codes)s") % {"codes": ", ".join(left)},
                code="unit_available",
            )
        entrant.status = EntrantStatus.NO_UNIT
        entrant.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="round.no_unit",
            target=entrant,
            changes={"round": rnd.number, "ticket": entrant.ticket},
        )
        timeline.add(
            "round.no_unit", actor=actor, for_household=entrant.household, round=rnd.number
        )
    return entrant
