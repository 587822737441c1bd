"""Mutual exchanges through their services: posting and the swap board, pairing (each
household must fit the other's unit: the area standard for its size, its floor, lift
and access, the other's estate in its scope of choice), idempotence, consent from both
sides, decline (never proposed again), and the owner's approval that swaps both
households the same day with four handovers."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, TimelineEntry
from anju.exits.models import Exchange, MutualPair, PairStatus, RequestStatus, UnitHandover
from anju.exits.selectors.exchanges import posted
from anju.exits.services import exchanges as svc
from anju.exits.services import mutual
from anju.exits.tests.matrix.exchanges import family, handover, mutual_request
from anju.households.models import Lease, LeaseStatus
from anju.housing.models import UnitStatus
from anju.supervision.models import PointRule
from anju.supervision.services.points import points_record
from anju.testing.admission import make_ruleset

D = datetime.date
TODAY = D(2026, 6, 10)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10)), tick=False):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def home(cast, number, estate=None, **extra):
    values = {"start": D(2025, 1, 1), "end": D(2028, 1, 1), "size": 2, "area": "45.00"}
    return family(estate or cast.e1, number, cast.officer, **(values | extra))


def post(cast, household, **extra):
    return mutual_request(household, cast.officer, **extra)


def four_handovers():
    return {
        "first": {"out": handover(), "in": handover()},
        "second": {"out": handover(), "in": handover(keys=3)},
    }


def test_a_posted_request_is_on_the_board_once_approved(cast, rules):
    household = home(cast, "MA")
    request = svc.exchange_request(
        household, actor=cast.officer, kind="mutual", reason="work", channel="portal"
    )
    assert list(posted()) == []
    request = svc.exchange_decide(request, actor=cast.officer, approve=True)
    [on_board] = posted()
    assert on_board == request and on_board.size == 2


def test_two_households_that_fit_each_others_unit_are_paired(cast, rules):
    a = post(cast, home(cast, "MA", area="45.00"))
    b = post(cast, home(cast, "MB", area="48.00"))
    assert mutual.pairs_propose(TODAY, actor=cast.officer) == 1
    pair = MutualPair.objects.get()
    assert (pair.first, pair.second, pair.status) == (a, b, PairStatus.PROPOSED)
    entry = TimelineEntry.objects.get(household=a.household, verb="exchange.pair_proposed")
    # Each side is told of the other's unit, never of the other household.
    assert entry.data == {
        "number": a.number,
        "estate": "康居苑",
        "building": b.unit.building.number,
        "floor": 1,
        "area": "48.00",
        "rooms": 1,
    }
    sms = Message.objects.get(household=a.household, template="exchange.pair.sms")
    assert "48.00 m²" in sms.body and "MB" not in sms.body
    assert list(posted()) == []  # both off the board while the pair is live


def test_pairing_is_idempotent(cast, rules):
    post(cast, home(cast, "MA"))
    post(cast, home(cast, "MB"))
    assert mutual.pairs_propose(TODAY) == 1
    assert mutual.pairs_propose(TODAY) == 0
    assert MutualPair.objects.count() == 1


def test_no_pair_when_one_household_does_not_fit_the_others_unit(cast, rules):
    # A household of one may have 40 m²: the 45 m² unit is too large for it, though its
    # own 38 m² unit would do for the household of two.
    post(cast, home(cast, "MA", size=2, area="45.00"))
    post(cast, home(cast, "MB", size=1, area="38.00"))
    assert mutual.pairs_propose(TODAY) == 0
    assert not MutualPair.objects.exists()


def _posted(cast, household, **wants):
    request = svc.exchange_request(
        household, actor=cast.officer, kind="mutual", reason="work", channel="counter", **wants
    )
    return svc.exchange_decide(request, actor=cast.officer, approve=True)


def test_no_pair_when_a_floor_lift_or_estate_want_is_not_met(cast, rules):
    _posted(cast, home(cast, "MA", floor=5, lift=False))  # fifth floor, up the stairs
    _posted(cast, home(cast, "MB"), needs_lift=True)
    assert mutual.pairs_propose(TODAY) == 0  # MB cannot climb to MA's unit
    _posted(cast, home(cast, "MC", estate=cast.e2))
    assert mutual.pairs_propose(TODAY) == 0  # MC looks only in E2, the others in E1
    _posted(cast, home(cast, "MD"), max_floor=4)
    # MD will not go above floor 4 (MA's is the fifth); MB's ground floor needs no
    # lift and MD's ground floor suits MB.
    assert mutual.pairs_propose(TODAY) == 1
    pair = MutualPair.objects.get()
    assert {pair.first.household.number, pair.second.household.number} == {"MB", "MD"}


def test_a_household_wanting_the_others_estate_can_swap_across_estates(cast, rules):
    a = post(cast, home(cast, "MA"), estates=[cast.e2])
    b = post(cast, home(cast, "MB", estate=cast.e2), estates=[cast.e1])
    assert mutual.pairs_propose(TODAY) == 1
    pair = MutualPair.objects.get()
    assert (pair.first, pair.second) == (a, b)
    operator = cast.users["operator"]  # E1's operator sees it through the first household
    assert list(MutualPair.objects.visible_to(operator)) == [pair]


def test_both_consents_make_the_pair_ready_for_approval(cast, rules):
    a = post(cast, home(cast, "MA"))
    b = post(cast, home(cast, "MB"))
    mutual.pairs_propose(TODAY)
    pair = MutualPair.objects.get()
    pair = mutual.pair_consent(pair, household=a.household, actor=cast.users["alice"])
    assert pair.status == PairStatus.PROPOSED and pair.first_consent_at is not None
    with pytest.raises(DomainError) as err:
        mutual.pair_consent(pair, household=a.household, actor=cast.officer)
    assert err.value.code == "already_consented"
    with pytest.raises(DomainError) as err:
        mutual.pair_consent(pair, household=cast.charlie_household, actor=cast.officer)
    assert err.value.code == "not_in_pair"
    with pytest.raises(DomainError) as err:
        mutual.pair_approve(pair, actor=cast.officer, on=TODAY, handovers=four_handovers())
    assert err.value.code == "bad_status"
    pair = mutual.pair_consent(pair, household=b.household, actor=cast.community)
    assert pair.status == PairStatus.CONSENTED


def test_a_declined_pair_is_not_proposed_again_and_both_stay_on_the_board(cast, rules):
    a = post(cast, home(cast, "MA"))
    b = post(cast, home(cast, "MB"))
    mutual.pairs_propose(TODAY)
    pair = MutualPair.objects.get()
    with pytest.raises(DomainError) as err:
        mutual.pair_decline(pair, actor=cast.officer, household=a.household, reason="")
    assert err.value.code == "reason"
    pair = mutual.pair_decline(
        pair, actor=cast.users["alice"], household=a.household, reason="The school fell through."
    )
    assert pair.status == PairStatus.DECLINED and pair.note == "The school fell through."
    assert set(posted()) == {a, b}
    assert mutual.pairs_propose(TODAY) == 0
    c = post(cast, home(cast, "MC"))
    assert mutual.pairs_propose(TODAY) == 1
    assert MutualPair.objects.get(status=PairStatus.PROPOSED).second == c


def consented(cast, **extra):
    a = post(cast, home(cast, "MA", area="45.00", **extra))
    b = post(cast, home(cast, "MB", area="48.00", rent="480.00"))
    mutual.pairs_propose(TODAY)
    pair = MutualPair.objects.get()
    for household in (a.household, b.household):
        pair = mutual.pair_consent(pair, household=household, actor=cast.officer)
    return pair, a, b


def test_the_owner_approves_and_both_households_swap_the_same_day(cast, rules):
    pair, a, b = consented(cast)
    unit_a, unit_b = a.unit, b.unit
    first, second = mutual.pair_approve(
        pair, actor=cast.officer, on=TODAY, handovers=four_handovers()
    )
    pair.refresh_from_db()
    assert pair.status == PairStatus.DONE and pair.decided_by == cast.officer
    for request in (a, b):
        request.refresh_from_db()
        assert request.status == RequestStatus.DONE
    old_a, old_b = Lease.objects.get(number="L-MA"), Lease.objects.get(number="L-MB")
    for old in (old_a, old_b):
        assert old.status == LeaseStatus.TERMINATED and old.ended_on == D(2026, 6, 9)
    new_a, new_b = Lease.objects.get(number="L-MA-HJ1"), Lease.objects.get(number="L-MB-HJ1")
    assert (new_a.unit, new_a.household, new_a.start) == (unit_b, a.household, TODAY)
    assert (new_b.unit, new_b.household, new_b.start) == (unit_a, b.household, TODAY)
    # Each rent is worked out for the unit moved into: 48 m² and 45 m² at ¥10 × 1.
    assert (new_a.monthly_rent, new_b.monthly_rent) == (Decimal("480.00"), Decimal("450.00"))
    for unit in (unit_a, unit_b):
        unit.refresh_from_db()
        assert unit.status == UnitStatus.OCCUPIED
    assert (first.pair, second.pair) == (pair, pair)
    assert (first.from_unit, first.to_unit) == (unit_a, unit_b)
    assert (second.from_unit, second.to_unit) == (unit_b, unit_a)
    handovers = UnitHandover.objects.filter(exchange__pair=pair)
    assert handovers.count() == 4
    assert set(handovers.values_list("lease__number", "direction")) == {
        ("L-MA", "out"),
        ("L-MA-HJ1", "in"),
        ("L-MB", "out"),
        ("L-MB-HJ1", "in"),
    }
    assert set(handovers.filter(direction="out").values_list("unit_after", flat=True)) == {"vacant"}
    for unit in (unit_a, unit_b):
        assert TimelineEntry.objects.filter(unit=unit, verb="exchange.moved").count() == 2
    assert AuditEntry.objects.filter(action="exchange.pair_approve").count() == 1


def test_approval_checks_the_criteria_again(cast, rules):
    pair, a, _b = consented(cast)
    rule = PointRule.objects.filter(active=True, warning_first=False).first()
    points_record(a.household, actor=cast.officer, rule=rule, occurred_on=D(2026, 6, 1))
    with pytest.raises(DomainError) as err:
        mutual.pair_approve(pair, actor=cast.officer, on=TODAY, handovers=four_handovers())
    assert err.value.code == "not_eligible" and "MA: Holds" in err.value.message
    pair.refresh_from_db()
    assert pair.status == PairStatus.CONSENTED and not Exchange.objects.exists()


def test_a_swap_handed_over_needing_repair_or_naming_a_wrong_unit_is_refused(cast, rules):
    pair, a, _b = consented(cast)
    handovers = four_handovers()
    handovers["first"]["out"]["unit_after"] = "under_repair"
    with pytest.raises(DomainError) as err:
        mutual.pair_approve(pair, actor=cast.officer, on=TODAY, handovers=handovers)
    assert err.value.code == "after"
    handovers = four_handovers()
    handovers["second"]["out"]["unit"] = cast.unit_c
    with pytest.raises(DomainError) as err:
        mutual.pair_approve(pair, actor=cast.officer, on=TODAY, handovers=handovers)
    assert err.value.code == "wrong_unit" and "never held unit" in err.value.message
    assert a.household.leases.get().status == LeaseStatus.ACTIVE
    assert not Exchange.objects.exists() and not UnitHandover.objects.exists()


def test_a_request_in_a_live_pair_cannot_be_withdrawn(cast, rules):
    a = post(cast, home(cast, "MA"))
    post(cast, home(cast, "MB"))
    mutual.pairs_propose(TODAY)
    with pytest.raises(DomainError) as err:
        svc.exchange_withdraw(a, actor=cast.officer, reason="Changed our mind.")
    assert err.value.code == "in_pair"


def test_a_mutual_request_is_not_offered_a_unit(cast, rules):
    from anju.exits.tests.matrix.exchanges import building_of, unit_in

    a = post(cast, home(cast, "MA"))
    unit = unit_in(building_of(cast.e1), "E1-FREE", area="45.00")
    with pytest.raises(DomainError) as err:
        svc.exchange_offer(a, actor=cast.officer, unit=unit)
    assert err.value.code == "mutual"
