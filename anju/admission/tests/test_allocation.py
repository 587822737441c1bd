"""Allocation rounds end to end through the services: offering units, freezing the
entrants, the committed draw and its re-run by scripts/verify-lottery, re-draws, and
unit selection with its rules and its database guarantees."""

import json
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from anju.admission import lottery
from anju.admission.models import (
    AllocationRound,
    Draw,
    EntrantStatus,
    RefusalConsequence,
    RoundEntrant,
    RoundStatus,
    RuleSet,
    Selection,
    WaitingEntry,
    WaitingStatus,
)
from anju.admission.selectors.allocation import (
    round_public_data,
    round_published_files,
    round_turn,
    units_choosable,
)
from anju.admission.services import allocation as svc
from anju.admission.services import applications as apps
from anju.admission.services import selection as choosing
from anju.admission.services.waiting import waiting_recompute
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.housing.models import Building, Unit, UnitStatus
from anju.housing.services import unit_set_status
from anju.testing.admission import make_ruleset

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify-lottery"
# The default area standard (services/rules.py): 1 person 40 m², 2 people 50, 3+ 60.


@pytest.fixture
def ruleset(cast):
    return make_ruleset(cast.officer)


def units(cast, *specs):
    """New vacant units in a new building of E1, one per (area, barrier-free) spec."""
    building = Building.objects.create(
        estate=cast.e1, number=f"X{Building.objects.count()}", floors=9, units_per_floor=9
    )
    return [
        Unit.objects.create(
            code=f"E1-{building.number}-{i:02d}",
            estate=cast.e1,
            building=building,
            floor=1 + i // 9,
            position=1 + i % 9,
            area_m2=Decimal(area),
            accessible=accessible,
        )
        for i, (area, accessible) in enumerate(specs)
    ]


def waiting(cast, ruleset, *specs):
    """Waiting households, one per (size, tier[, needs barrier-free]), each a day after
    the one before. The application goes through the real service; the waiting-list
    entry is written directly (reaching the list through review and public notice is
    tested elsewhere and takes a dozen services), then the positions are computed."""
    entries = []
    for i, (size, tier, *rest) in enumerate(specs, start=1):
        application = apps.application_create(
            actor=cast.community,
            community=cast.community_a,
            category="low_income",
            channel="counter",
            ruleset=ruleset,
        )
        entries.append(
            WaitingEntry(
                application=application,
                household=application.household,
                category="low_income",
                size=size,
                priority_group=tier,
                approved_on=date(2026, 1, i),
                joined_on=date(2026, 2, 1),
                needs_accessible=bool(rest and rest[0]),
            )
        )
    entries = WaitingEntry.objects.bulk_create(entries)
    waiting_recompute(reason="joined", detail={"entries": [e.pk for e in entries]})
    return entries


def open_round(cast, ruleset, offered, *people, title="Spring round"):
    rnd = svc.round_create(actor=cast.officer, title=title, ruleset=ruleset, units=offered)
    entries = waiting(cast, ruleset, *people)
    svc.round_add_entrants(rnd, actor=cast.officer, entries=entries)
    return rnd


def drawn(rnd, cast):
    svc.round_close(rnd, actor=cast.officer)
    svc.round_draw(rnd, actor=cast.officer)
    return rnd


def published(rnd, cast):
    drawn(rnd, cast)
    svc.round_publish(rnd, actor=cast.officer)
    return rnd


def in_order(rnd):
    return list(rnd.entrants.order_by("order"))


def code_of(call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def verify(tmp_path, rnd, draw_no):
    for name, text in round_published_files(rnd).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(SCRIPT),
            str(tmp_path / f"{rnd.number}-entrants.csv"),
            str(tmp_path / f"{rnd.number}-draw-{draw_no}.json"),
            "--print-order",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- Setting up ------------------------------------------------------------------------


def test_a_round_offers_only_vacant_units_that_no_other_round_offers(cast, ruleset):
    offered = units(cast, ("48", False))
    assert code_of(
        svc.round_create, actor=cast.officer, title="A", ruleset=ruleset, units=[cast.unit_a]
    ) == ("unit_not_vacant")
    rnd = svc.round_create(actor=cast.officer, title="A", ruleset=ruleset, units=offered)
    assert rnd.number == f"R{date.today().year}-01" and rnd.status == RoundStatus.OPEN
    assert (
        code_of(svc.round_create, actor=cast.officer, title="B", ruleset=ruleset, units=offered)
        == "unit_in_other_round"
    )
    assert AuditEntry.objects.filter(action="round.create", target_id=str(rnd.pk)).exists()


def test_a_round_follows_published_rules(cast):
    draft = RuleSet.objects.create(
        year=2030, effective_from=date(2030, 1, 1), source="draft", created_by=cast.officer
    )
    offered = units(cast, ("48", False))
    assert (
        code_of(svc.round_create, actor=cast.officer, title="A", ruleset=draft, units=offered)
        == "ruleset_unpublished"
    )


def test_entrants_take_tickets_in_waiting_list_order_with_tier_and_area_frozen(cast, ruleset):
    rnd = svc.round_create(
        actor=cast.officer,
        title="A",
        ruleset=ruleset,
        units=units(cast, ("48", False), ("58", True)),
    )
    first, second, single = waiting(cast, ruleset, (2, 2), (3, 1, True), (1, 3))
    assert svc.round_add_entrants(rnd, actor=cast.officer) == 2
    rows = list(
        rnd.entrants.order_by("ticket").values_list(
            "ticket", "waiting_entry", "tier", "size", "needs_accessible", "max_area"
        )
    )
    # Priority group 1 is ahead of group 2 on the waiting list, so it takes ticket 1.
    assert rows == [
        (f"{rnd.number}-0001", second.pk, 1, 3, True, Decimal("60")),
        (f"{rnd.number}-0002", first.pk, 2, 2, False, Decimal("50")),
    ]
    # A single person may have 40 m²; no offered unit is that small, so they wait.
    assert not rnd.entrants.filter(waiting_entry=single).exists()
    assert TimelineEntry.objects.filter(household=first.household, verb="round.entered").exists()


def test_households_that_cannot_enter_are_named(cast, ruleset):
    rnd = svc.round_create(
        actor=cast.officer, title="A", ruleset=ruleset, units=units(cast, ("48", False))
    )
    pair, single = waiting(cast, ruleset, (2, 1), (1, 1))
    assert code_of(svc.round_add_entrants, rnd, actor=cast.officer, entries=[single]) == (
        "no_unit_fits"
    )
    WaitingEntry.objects.filter(pk=pair.pk).update(status=WaitingStatus.SUSPENDED)
    with pytest.raises(DomainError) as caught:
        svc.round_add_entrants(rnd, actor=cast.officer, entries=[pair])
    assert caught.value.code == "not_eligible" and pair.household.number in caught.value.message
    assert not rnd.entrants.exists()


def test_a_household_is_in_one_unfinished_round_at_a_time(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), (2, 1))
    other = svc.round_create(
        actor=cast.officer, title="B", ruleset=ruleset, units=units(cast, ("48", False))
    )
    entry = rnd.entrants.get().waiting_entry
    assert code_of(svc.round_add_entrants, other, actor=cast.officer, entries=[entry]) == (
        "not_eligible"
    )
    assert svc.round_add_entrants(other, actor=cast.officer) == 0


# --- Commitment and draw ---------------------------------------------------------------


def test_an_open_round_shows_no_entrant_and_publishes_no_file(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), (2, 1))
    public = round_public_data(rnd)
    assert public.entrant_count == 1
    assert list(public.entrants) == [] and public.files == []
    assert round_published_files(rnd) == {}


def test_closing_publishes_the_hash_and_commitment_and_keeps_the_seed_sealed(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), (2, 1), (2, 2), (3, 2))
    svc.round_close(rnd, actor=cast.officer)
    rnd.refresh_from_db()
    entrants = list(rnd.entrants.values_list("ticket", "tier"))
    assert rnd.status == RoundStatus.CLOSED
    assert rnd.entrants_hash == lottery.entrants_hash(entrants)
    assert rnd.seed_commitment == lottery.commit(rnd.sealed_seed)
    public = round_public_data(rnd)
    assert list(public.entrants) == sorted(entrants)
    assert public.seed_commitment == rnd.seed_commitment and public.draws == []
    assert list(public.order) == []
    assert rnd.sealed_seed not in json.dumps(round_published_files(rnd))
    closing = AuditEntry.objects.get(action="round.close", target_id=str(rnd.pk))
    assert rnd.sealed_seed not in json.dumps(closing.changes)
    assert closing.changes["seed_commitment"] == rnd.seed_commitment
    assert code_of(svc.round_add_entrants, rnd, actor=cast.officer) == "round_not_open"


def test_the_draw_reveals_the_committed_seed_and_orders_every_entrant(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), *[(2, 1 + i % 3) for i in range(9)])
    svc.round_close(rnd, actor=cast.officer)
    commitment = AllocationRound.objects.get(pk=rnd.pk).seed_commitment
    draw = svc.round_draw(rnd, actor=cast.officer)
    assert lottery.commit(draw.seed) == commitment == draw.seed_commitment
    assert (draw.seq, draw.algorithm, draw.entrant_count) == (1, lottery.ALGORITHM, 9)
    entrants = list(rnd.entrants.values_list("ticket", "tier"))
    expected = [(d.ticket, d.draw_position, d.order) for d in lottery.draw(draw.seed, entrants)]
    assert [(e.ticket, e.draw_position, e.order) for e in in_order(rnd)] == expected
    assert TimelineEntry.objects.filter(verb="round.drawn").count() == 9
    assert round_public_data(rnd).draws[0].seed == draw.seed


def test_the_standalone_script_reruns_a_real_round(cast, ruleset, tmp_path):
    rnd = published(
        open_round(cast, ruleset, units(cast, ("48", False)), *[(2, 1 + i % 2) for i in range(7)]),
        cast,
    )
    done = verify(tmp_path, rnd, 1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "OK"
    printed = done.stdout.split("order,ticket,tier,draw_position\n")[1].splitlines()[:-1]
    assert printed == [f"{e.order},{e.ticket},{e.tier},{e.draw_position}" for e in in_order(rnd)]


def test_a_published_order_changed_after_the_draw_fails_the_script(cast, ruleset, tmp_path):
    rnd = drawn(open_round(cast, ruleset, units(cast, ("48", False)), (2, 1), (2, 1), (2, 1)), cast)
    first, second = in_order(rnd)[:2]
    RoundEntrant.objects.filter(pk=first.pk).update(order=second.order)
    RoundEntrant.objects.filter(pk=second.pk).update(order=first.order)
    done = verify(tmp_path, rnd, 1)
    assert done.returncode == 1
    assert f"MISMATCH order 1: recomputed {first.ticket}" in done.stdout


def test_the_draw_is_refused_when_the_entrants_changed_after_the_commitment(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), (2, 2), (2, 2))
    svc.round_close(rnd, actor=cast.officer)
    # Anything that bypasses the services: here a tier raised in the database.
    RoundEntrant.objects.filter(pk=rnd.entrants.first().pk).update(tier=1)
    assert code_of(svc.round_draw, rnd, actor=cast.officer) == "entrants_changed"
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED and not Draw.objects.exists()
    assert not rnd.entrants.filter(order__isnull=False).exists()


def test_reopening_voids_the_commitment_and_needs_a_reason(cast, ruleset):
    rnd = open_round(cast, ruleset, units(cast, ("48", False)), (2, 2))
    svc.round_close(rnd, actor=cast.officer)
    old = rnd.seed_commitment
    assert code_of(svc.round_reopen, rnd, actor=cast.officer, reason=" ") == "reason_required"
    svc.round_reopen(rnd, actor=cast.officer, reason="An approved household was left out")
    rnd.refresh_from_db()
    assert (rnd.status, rnd.seed_commitment, rnd.sealed_seed) == (RoundStatus.OPEN, "", "")
    audit = AuditEntry.objects.get(action="round.reopen", target_id=str(rnd.pk))
    assert audit.changes["voided"]["seed_commitment"] == old
    waiting(cast, ruleset, (3, 1))
    assert svc.round_add_entrants(rnd, actor=cast.officer) == 1
    svc.round_close(rnd, actor=cast.officer)
    assert rnd.seed_commitment not in ("", old)


def test_a_redraw_is_announced_with_a_reason_and_both_draws_stay_public(cast, ruleset, tmp_path):
    rnd = drawn(
        open_round(cast, ruleset, units(cast, ("48", False)), *[(2, 1 + i % 2) for i in range(6)]),
        cast,
    )
    first = Draw.objects.get(round=rnd)
    assert code_of(svc.round_draw, rnd, actor=cast.officer) == "reason_required"
    assert code_of(svc.round_draw, rnd, actor=cast.officer, reason="x") == "announce_first"
    assert code_of(svc.round_announce_redraw, rnd, actor=cast.officer, reason="") == (
        "reason_required"
    )

    reason = "The projector failed during the public draw"
    svc.round_announce_redraw(rnd, actor=cast.officer, reason=reason)
    public = round_public_data(rnd)
    assert public.redraw_pending and public.seed_commitment != first.seed_commitment
    assert public.draws[-1].seed == first.seed  # the new seed is still sealed
    assert code_of(svc.round_publish, rnd, actor=cast.officer) == "redraw_pending"
    assert code_of(svc.round_announce_redraw, rnd, actor=cast.officer, reason="again") == (
        "redraw_pending"
    )

    second = svc.round_draw(rnd, actor=cast.officer, reason=reason)
    first.refresh_from_db()
    assert second.seq == 2 and second.reason == reason
    assert second.seed_commitment == public.seed_commitment == lottery.commit(second.seed)
    assert first.superseded_at == second.drawn_at
    public = round_public_data(rnd)
    assert [(d.seq, d.reason) for d in public.draws] == [(1, ""), (2, reason)]
    assert not public.redraw_pending
    assert AuditEntry.objects.filter(action="round.redraw", target_id=str(rnd.pk)).exists()
    assert TimelineEntry.objects.filter(verb="round.redrawn").count() == 6
    for draw_no in (1, 2):
        done = verify(tmp_path, rnd, draw_no)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "superseded by a later draw" in verify(tmp_path, rnd, 1).stdout
    svc.round_publish(rnd, actor=cast.officer)


def test_tiers_are_served_in_order_within_one_permutation(cast, ruleset):
    rnd = drawn(
        open_round(
            cast, ruleset, units(cast, ("48", False)), *[(2, tier) for tier in (3, 1, 2, 1, 3, 2)]
        ),
        cast,
    )
    rows = in_order(rnd)
    assert [e.tier for e in rows] == [1, 1, 2, 2, 3, 3]
    for tier in (1, 2, 3):
        positions = [e.draw_position for e in rows if e.tier == tier]
        assert positions == sorted(positions)
    assert sorted(e.draw_position for e in rows) == list(range(1, 7))


# --- Choosing ---------------------------------------------------------------------------


def test_only_the_entrant_whose_turn_it_is_chooses(cast, ruleset):
    a, b = units(cast, ("48", False), ("48", False))
    rnd = svc.round_create(actor=cast.officer, title="A", ruleset=ruleset, units=[a, b])
    svc.round_add_entrants(rnd, actor=cast.officer, entries=waiting(cast, ruleset, (2, 2), (2, 1)))
    assert code_of(choosing.selection_choose, rnd.entrants.first(), actor=cast.officer, unit=a) == (
        "round_not_published"
    )
    published(rnd, cast)
    first, second = in_order(rnd)
    assert first.tier == 1 and round_turn(rnd) == first
    assert code_of(choosing.selection_choose, second, actor=cast.officer, unit=a) == "not_your_turn"
    choosing.selection_choose(first, actor=cast.officer, unit=a)
    assert round_turn(rnd) == second
    assert code_of(choosing.selection_choose, second, actor=cast.officer, unit=a) == "unit_taken"
    choosing.selection_choose(second, actor=cast.officer, unit=b)
    assert round_turn(rnd) is None


def test_choosing_reserves_the_unit_and_allocates_the_household(cast, ruleset):
    small, large = units(cast, ("48", False), ("58", False))
    rnd = published(open_round(cast, ruleset, [small, large], (2, 1)), cast)
    entrant = rnd.entrants.get()
    outside = units(cast, ("45", False))[0]
    assert code_of(choosing.selection_choose, entrant, actor=cast.officer, unit=outside) == (
        "unit_not_offered"
    )
    # Two people may have 50 m² under the area standard.
    assert code_of(choosing.selection_choose, entrant, actor=cast.officer, unit=large) == (
        "unit_too_large"
    )
    assert list(units_choosable(entrant)) == [small]
    selection = choosing.selection_choose(entrant, actor=cast.operator, unit=small)
    small.refresh_from_db()
    entrant.refresh_from_db()
    assert small.status == UnitStatus.RESERVED and entrant.status == EntrantStatus.CHOSE
    assert (selection.status, selection.chosen_by) == ("held", cast.operator)
    assert entrant.waiting_entry.status == WaitingStatus.ALLOCATED
    assert TimelineEntry.objects.filter(
        household=entrant.household, unit=small, verb="round.chose"
    ).exists()
    assert AuditEntry.objects.filter(action="selection.choose").count() == 1


def test_a_unit_that_went_under_repair_cannot_be_chosen(cast, ruleset):
    offered = units(cast, ("48", False))[0]
    rnd = published(open_round(cast, ruleset, [offered], (2, 1)), cast)
    unit_set_status(offered, actor=cast.operator, status=UnitStatus.UNDER_REPAIR, reason="leak")
    entrant = rnd.entrants.get()
    assert code_of(choosing.selection_choose, entrant, actor=cast.officer, unit=offered) == (
        "unit_unavailable"
    )
    assert list(units_choosable(entrant)) == []


def test_barrier_free_units_go_first_to_households_that_need_them(cast, ruleset):
    ramp, plain = units(cast, ("48", True), ("48", False))
    rnd = published(open_round(cast, ruleset, [ramp, plain], (2, 1), (2, 2, True)), cast)
    walker, wheelchair = in_order(rnd)
    assert not walker.needs_accessible and wheelchair.needs_accessible
    assert code_of(choosing.selection_choose, walker, actor=cast.officer, unit=ramp) == (
        "unit_kept_for_accessible"
    )
    assert list(units_choosable(walker)) == [plain]
    choosing.selection_choose(walker, actor=cast.officer, unit=plain)
    choosing.selection_choose(wheelchair, actor=cast.officer, unit=ramp)


def test_a_barrier_free_unit_is_open_to_all_once_nobody_who_needs_one_could_take_it(cast, ruleset):
    ramp_a, ramp_b, big_ramp = units(cast, ("48", True), ("48", True), ("58", True))
    rnd = published(
        open_round(cast, ruleset, [ramp_a, ramp_b, big_ramp], (2, 1, True), (2, 2), (3, 3)), cast
    )
    needer, pair, family = in_order(rnd)
    choosing.selection_choose(needer, actor=cast.officer, unit=ramp_a)
    assert set(units_choosable(pair)) == {ramp_b}
    choosing.selection_choose(pair, actor=cast.officer, unit=ramp_b)
    choosing.selection_choose(family, actor=cast.officer, unit=big_ramp)


def test_a_needer_too_large_for_a_barrier_free_unit_does_not_hold_it_back(cast, ruleset):
    # The household needing a barrier-free unit may have 50 m²; the ramp unit has 58.
    plain, big_ramp = units(cast, ("48", False), ("58", True))
    rnd = published(open_round(cast, ruleset, [plain, big_ramp], (3, 1), (2, 2, True)), cast)
    family, needer = in_order(rnd)
    assert set(units_choosable(family)) == {plain, big_ramp}
    choosing.selection_choose(family, actor=cast.officer, unit=big_ramp)


def test_the_database_allows_one_live_selection_per_unit_and_per_household(cast, ruleset):
    a, b = units(cast, ("48", False), ("48", False))
    rnd = published(open_round(cast, ruleset, [a, b], (2, 1), (2, 2)), cast)
    first, second = in_order(rnd)
    choosing.selection_choose(first, actor=cast.officer, unit=a)
    for entrant, unit in ((second, a), (first, b)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Selection.objects.create(
                round=rnd,
                entrant=entrant,
                household=entrant.household,
                unit=unit,
                chosen_by=cast.officer,
            )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_selections_of_one_unit_exactly_one_wins(cast, ruleset, monkeypatch):
    """Two clerks record a choice of the same unit for the household whose turn it is,
    at the same moment. On PostgreSQL the two run in two threads on two connections,
    and the first holds its row locks for a while, so the second really waits for it.
    SQLite has no row locks and its in-memory test database one writer at a time: there
    the two run one after the other, and exactly one must still win."""
    unit = units(cast, ("48", False))[0]
    rnd = published(open_round(cast, ruleset, [unit], (2, 1), (2, 2)), cast)
    entrant = round_turn(rnd)
    real = choosing.unit_set_status

    def slow(*args, **kwargs):
        time.sleep(0.3)  # keep the locks while the other clerk tries
        return real(*args, **kwargs)

    monkeypatch.setattr(choosing, "unit_set_status", slow)
    outcomes = {}

    def choose(clerk, barrier=None):
        if barrier:
            barrier.wait(timeout=10)
        began = time.monotonic()
        try:
            choosing.selection_choose(
                RoundEntrant.objects.get(pk=entrant.pk),
                actor=clerk,
                unit=Unit.objects.get(pk=unit.pk),
            )
            outcomes[clerk.username] = ("won", time.monotonic() - began)
        except DomainError as exc:
            outcomes[clerk.username] = (exc.code, time.monotonic() - began)

    clerks = [cast.officer, cast.operator]
    concurrent = connection.vendor == "postgresql"
    if concurrent:
        barrier = threading.Barrier(len(clerks))

        def in_thread(clerk):
            try:
                choose(clerk, barrier)
            finally:
                connection.close()

        threads = [threading.Thread(target=in_thread, args=(clerk,)) for clerk in clerks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        for clerk in clerks:
            choose(clerk)

    codes = sorted(code for code, _ in outcomes.values())
    assert len(codes) == 2 and codes.count("won") == 1, outcomes
    assert set(codes) - {"won"} <= {"not_waiting_turn", "unit_taken", "already_holds"}
    if concurrent:
        # The two really overlapped: the loser had to wait for the winner's locks.
        (waited,) = [seconds for code, seconds in outcomes.values() if code != "won"]
        assert waited >= 0.25, outcomes
    assert Selection.objects.filter(unit=unit, status="held").count() == 1
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.RESERVED


# --- Refusals, no unit, completion ------------------------------------------------------


@pytest.mark.parametrize(
    ("consequence", "status"),
    [
        (RefusalConsequence.BACK_OF_LIST, WaitingStatus.WAITING),
        (RefusalConsequence.SUSPENDED, WaitingStatus.SUSPENDED),
        (RefusalConsequence.REMOVED, WaitingStatus.REMOVED),
    ],
)
def test_too_many_refusals_without_a_valid_reason_have_the_rule_sets_consequence(
    cast, ruleset, consequence, status
):
    # Rule sets have no edit service yet; the numbers are set as an officer would.
    RuleSet.objects.filter(pk=ruleset.pk).update(refusal_limit=1, refusal_consequence=consequence)
    offered = units(cast, ("48", False))
    rnd = published(open_round(cast, ruleset, offered, (2, 1)), cast)
    entry = rnd.entrants.get().waiting_entry
    choosing.entrant_refuse(
        rnd.entrants.get(), actor=cast.officer, reason="Too far from work", valid=False
    )
    entry.refresh_from_db()
    assert (entry.refusals, entry.status, entry.moved_back_at) == (1, "waiting", None)
    svc.round_complete(rnd, actor=cast.officer)

    waiting(cast, ruleset, (2, 5))  # behind them on the list, until they are moved back
    again = svc.round_create(actor=cast.officer, title="B", ruleset=ruleset, units=offered)
    svc.round_add_entrants(again, actor=cast.officer, entries=[entry])
    published(again, cast)
    with translation.override("en"):  # the reason is written in the actor's language
        choosing.entrant_refuse(
            again.entrants.get(), actor=cast.officer, reason="Floor too high", valid=False
        )
    entry.refresh_from_db()
    assert entry.refusals == 2 and entry.status == status
    assert (entry.moved_back_at is not None) == (consequence == RefusalConsequence.BACK_OF_LIST)
    note = TimelineEntry.objects.get(household=entry.household, verb="round.refusal_limit")
    assert note.data == {"count": 2, "limit": 1, "consequence": consequence}
    # The waiting list's own services did the rest: positions and their history.
    if status == WaitingStatus.WAITING:
        assert entry.position == 2
        assert entry.position_history.filter(reason="moved_back", old=1, new=2).exists()
    else:
        assert entry.position is None
        assert "refusals without a valid reason" in entry.status_reason


def test_a_refusal_with_a_valid_reason_is_not_counted(cast, ruleset):
    rnd = published(open_round(cast, ruleset, units(cast, ("48", False)), (2, 1)), cast)
    entrant = rnd.entrants.get()
    assert code_of(choosing.entrant_refuse, entrant, actor=cast.officer, reason="", valid=True) == (
        "reason_required"
    )
    refusal = choosing.entrant_refuse(
        entrant, actor=cast.officer, reason="In hospital on the day", valid=True
    )
    assert refusal.valid and entrant.waiting_entry.refusals == 0
    entrant.refresh_from_db()
    assert entrant.status == EntrantStatus.REFUSED
    assert code_of(
        choosing.entrant_refuse, entrant, actor=cast.officer, reason="x", valid=False
    ) == ("not_waiting_turn")


def test_a_household_leaves_with_no_unit_only_when_none_suits_it(cast, ruleset):
    small, large = units(cast, ("48", False), ("58", False))
    rnd = published(open_round(cast, ruleset, [small, large], (2, 1), (2, 2)), cast)
    first, second = in_order(rnd)
    assert code_of(choosing.entrant_skip_no_unit, second, actor=cast.officer) == "unit_available"
    choosing.selection_choose(first, actor=cast.officer, unit=small)
    # 58 m² is above the 50 m² a pair may have: nothing suits the second household.
    choosing.entrant_skip_no_unit(second, actor=cast.officer)
    second.refresh_from_db()
    assert second.status == EntrantStatus.NO_UNIT
    assert second.waiting_entry.status == WaitingStatus.WAITING


def test_a_round_completes_once_nobody_can_still_choose(cast, ruleset):
    offered = units(cast, ("48", False))
    rnd = published(open_round(cast, ruleset, offered, (2, 1), (2, 2), (3, 3)), cast)
    first, *rest = in_order(rnd)
    assert code_of(svc.round_complete, rnd, actor=cast.officer) == "entrants_can_choose"
    choosing.selection_choose(first, actor=cast.officer, unit=offered[0])
    svc.round_complete(rnd, actor=cast.officer)
    assert rnd.status == RoundStatus.COMPLETED
    assert {e.status for e in rnd.entrants.filter(pk__in=[e.pk for e in rest])} == {"no_unit"}
    assert TimelineEntry.objects.filter(verb="round.no_unit").count() == 2
    assert svc.round_create(
        actor=cast.officer, title="Next", ruleset=ruleset, units=units(cast, ("48", False))
    )
