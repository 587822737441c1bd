"""The objection flow: the party itself objects, with reasons, while the period is
disclosed and within its window; one pending objection per indicator; the authority
resolves it: upheld with a corrected value, the score, total, draft grade and ranks
follow and the value before is kept; rejected, nothing changes; a resolution is final.
The other side hears of each step."""

import datetime
from decimal import Decimal

import pytest

from anju.core.errors import DomainError
from anju.core.models import Message, TimelineEntry
from anju.evaluation.models import Grade, ObjectionStatus, Score
from anju.evaluation.services.objections import objection_raise, objection_resolve

from . import period_world
from .period_world import AFTER_Q2, at, card, computed, disclosed

pytestmark = pytest.mark.django_db
world_once = period_world.world_once
world = period_world.world
definitions = period_world.definitions
LATE = AFTER_Q2 + datetime.timedelta(days=8)  # 18 July, the window closed on the 17th


def units(evaluation) -> Score:
    return Score.objects.get(evaluation=evaluation, line__indicator__code="test.units_low")


def raise_(evaluation, actor, *, when=AFTER_Q2, score=None, reasons="三层单元已改造为底层商铺"):
    with at(when):
        return objection_raise(evaluation, actor=actor, reasons=reasons, score=score)


def test_the_party_objects_within_the_window_and_the_officers_hear_of_it(
    world, django_capture_on_commit_callbacks
):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    with django_capture_on_commit_callbacks(execute=True):
        objection = raise_(p1, world.propmgr, score=units(p1))
    assert objection.status == ObjectionStatus.PENDING and objection.raised_by == world.propmgr
    message = Message.objects.get(template="evaluation.objection.in_app")
    assert message.user == world.officer and world.property_1.name in message.body


def test_a_tenant_objects_for_its_own_household_on_its_timeline(world):
    period = disclosed(world)
    objection = raise_(card(period, world.alice_household), world.alice)
    assert objection.evaluation.household == world.alice_household
    assert TimelineEntry.objects.filter(
        household=world.alice_household, verb="evaluation.objected"
    ).exists()


@pytest.mark.parametrize("who", ["charlie", "officer", "operator", "repairer"])
def test_nobody_but_the_party_may_object(world, who):
    period = disclosed(world)
    target = {
        "charlie": card(period, world.alice_household),
        "officer": card(period, world.property_1),
        "operator": card(period, world.property_1),  # another organisation's staff
        "repairer": card(period, world.property_1),  # its own staff, but not answering for it
    }[who]
    with pytest.raises(DomainError) as error:
        raise_(target, world.users[who])
    assert error.value.code == "not_party"


def test_no_objection_after_the_window_or_before_disclosure(world):
    period = computed(world)
    with pytest.raises(DomainError) as error:
        raise_(card(period, world.property_1), world.propmgr)
    assert error.value.code == "bad_status"
    period_world.score_all_manual(period, world)
    from anju.evaluation.services.periods import period_disclose

    with at(AFTER_Q2):
        period_disclose(period, actor=world.officer)
    raise_(card(period, world.property_1), world.propmgr, when=AFTER_Q2 + datetime.timedelta(7))
    with pytest.raises(DomainError) as error:
        raise_(card(period, world.property_2), world.propmgr, when=LATE)
    assert error.value.code in ("window_closed", "not_party")
    with pytest.raises(DomainError) as error:
        raise_(card(period, world.alice_household), world.alice, when=LATE)
    assert error.value.code == "window_closed"


def test_reasons_are_required_and_one_objection_per_indicator_waits(world):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    with pytest.raises(DomainError) as error:
        raise_(p1, world.propmgr, reasons="  ")
    assert error.value.code == "reasons_required"
    raise_(p1, world.propmgr, score=units(p1))
    with pytest.raises(DomainError) as error:
        raise_(p1, world.propmgr, score=units(p1))
    assert error.value.code == "pending"
    raise_(p1, world.propmgr)  # the whole scorecard is another matter


def test_upholding_with_a_new_value_changes_the_score_total_grade_and_ranks(
    world, django_capture_on_commit_callbacks
):
    period = disclosed(world)
    p1, p2 = card(period, world.property_1), card(period, world.property_2)
    assert (p1.total, p1.grade, p1.rank, p2.rank) == (Decimal("76.00"), Grade.PASS, 1, 1)
    objection = raise_(p1, world.propmgr, score=units(p1))
    with at(AFTER_Q2), django_capture_on_commit_callbacks(execute=True):
        objection_resolve(
            objection,
            actor=world.officer,
            upheld=True,
            resolution="核实三层两套为底层商铺改造，计入底层。",
            new_value="100",
        )
    objection.refresh_from_db()
    score = units(p1)
    assert (objection.status, objection.old_value, objection.new_value) == (
        ObjectionStatus.UPHELD,
        Decimal("66.67"),
        Decimal("100.00"),
    )
    assert (score.value, score.score, score.adjusted) == (
        Decimal("100.00"),
        Decimal("100.00"),
        True,
    )
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert (p1.total, p1.grade, p1.rank, p2.rank) == (Decimal("96.00"), Grade.EXCELLENT, 1, 2)
    message = Message.objects.get(template="evaluation.resolved.in_app")
    assert message.user == world.propmgr


def test_rejecting_changes_nothing_and_a_resolution_is_final(world):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    objection = raise_(p1, world.propmgr, score=units(p1))
    with at(AFTER_Q2):
        objection_resolve(objection, actor=world.officer, upheld=False, resolution="数据无误。")
    p1.refresh_from_db()
    assert (p1.total, p1.grade, units(p1).value) == (Decimal("76.00"), Grade.PASS, Decimal("66.67"))
    with pytest.raises(DomainError) as error:
        objection_resolve(objection, actor=world.officer, upheld=True, resolution="改判")
    assert error.value.code == "resolved"


def test_a_resolution_needs_its_reasons_and_a_rejection_corrects_nothing(world):
    period = disclosed(world)
    p1 = card(period, world.property_1)
    objection = raise_(p1, world.propmgr, score=units(p1))
    for kwargs, code in (
        ({"upheld": True, "resolution": ""}, "resolution_required"),
        ({"upheld": False, "resolution": "驳回", "new_value": "90"}, "value_on_rejection"),
    ):
        with pytest.raises(DomainError) as error:
            objection_resolve(objection, actor=world.officer, **kwargs)
        assert error.value.code == code
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_a_tenants_resolution_reaches_the_portal(world, django_capture_on_commit_callbacks):
    period = disclosed(world)
    objection = raise_(card(period, world.alice_household), world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        objection_resolve(objection, actor=world.officer, upheld=False, resolution="成员登记无误。")
    message = Message.objects.get(template="evaluation.resolved.portal")
    assert message.household == world.alice_household and "成员登记无误" in message.body
