"""Carrying consequences through to done: the authority decides a proposed
termination; the party reports its rectification and the authority verifies it; the
community or the operator records an interview held or a referral made; the authority
cancels; the daily sweep ends the standings whose term has run out. Each step only for
those who may take it."""

import datetime
from dataclasses import dataclass

import pytest
import time_machine

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, Task, TaskStatus, TimelineEntry
from anju.evaluation.models import Consequence, ConsequenceState, Evaluation, Grade, PartyKind
from anju.evaluation.services import consequences as svc
from anju.evaluation.services.consequence_sweeps import consequences_expire
from anju.evaluation.tasks.consequences import consequences_expire_task
from anju.testing.cast import Cast, build_cast
from anju.testing.shared_world import shared_world

from .test_consequences import (
    DAY,
    PARTY_RULES,
    TENANT_RULES,
    K,
    evaluate,
    period,
    quarter,
    scheme,
)

S = ConsequenceState


@dataclass
class World:
    cast: Cast
    alice: Evaluation  # excellent: standing, discount, title
    charlie: Evaluation  # fail: interview, referral
    p1: Evaluation  # fail twice: rectification, deduction, termination
    p2: Evaluation  # excellent


def build() -> World:
    cast = build_cast()
    tenants = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    parties = scheme(PartyKind.PROPERTY, rules=PARTY_RULES)
    before = period(cast.officer, quarter(3))
    evaluate(before, parties, cast.property_1, Grade.FAIL)
    now = period(cast.officer, quarter(4))
    world = World(
        cast=cast,
        alice=evaluate(now, tenants, cast.alice_household, Grade.EXCELLENT),
        charlie=evaluate(now, tenants, cast.charlie_household, Grade.FAIL),
        p1=evaluate(now, parties, cast.property_1, Grade.FAIL),
        p2=evaluate(now, parties, cast.property_2, Grade.EXCELLENT),
    )
    svc.raise_for_period(now, actor=cast.officer)
    return world


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def w(world_once, db):
    return world_once


def of(evaluation, kind) -> Consequence:
    return evaluation.consequences.get(kind=kind)


def test_the_authority_confirms_a_proposed_termination(w):
    termination = of(w.p1, K.TERMINATION)
    assert termination.state == S.PROPOSED
    with pytest.raises(DomainError) as error:
        svc.consequence_confirm(termination, actor=w.cast.propmgr)
    assert error.value.code == "forbidden"
    svc.consequence_confirm(termination, actor=w.cast.officer)
    termination.refresh_from_db()
    assert termination.state == S.IN_EFFECT and termination.decided_by == w.cast.officer
    # P1's staff hear of it; the authority's task to decide is closed.
    assert Message.objects.filter(
        template="evaluation.termination.confirmed", user=w.cast.propmgr
    ).exists()
    assert Task.objects.get(kind="evaluation.termination").status == TaskStatus.DONE
    with pytest.raises(DomainError):
        svc.consequence_confirm(termination, actor=w.cast.officer)
    # Done when the contract ends.
    svc.consequence_done(termination, actor=w.cast.officer, note="合同于6月30日解除")
    assert Consequence.objects.get(pk=termination.pk).state == S.DONE


def test_the_authority_may_decide_against_a_termination_with_a_reason(w):
    termination = of(w.p1, K.TERMINATION)
    with pytest.raises(DomainError) as error:
        svc.consequence_reject(termination, actor=w.cast.officer, reason=" ")
    assert error.value.code == "required"
    svc.consequence_reject(termination, actor=w.cast.officer, reason="整改到位，暂不解除")
    termination.refresh_from_db()
    assert termination.state == S.CANCELLED and "整改到位" in termination.note
    assert AuditEntry.objects.filter(
        action="evaluation.consequence.reject", target_id=str(termination.pk)
    ).exists()


def test_the_party_reports_its_rectification_and_the_authority_verifies_it(w):
    rectification = of(w.p1, K.RECTIFICATION)
    # Not the authority, not another company, not someone of P1 without the right.
    for user in (w.cast.officer, w.cast.operator, w.cast.repairer):
        with pytest.raises(DomainError):
            svc.consequence_report(rectification, actor=user, note="已整改")
    svc.consequence_report(rectification, actor=w.cast.propmgr, note="已更换全部楼道灯")
    rectification.refresh_from_db()
    assert rectification.state == S.IN_EFFECT and "已更换全部楼道灯" in rectification.note
    verify = Task.objects.get(kind="evaluation.rectification_reported")
    assert verify.organisation == w.cast.authority and verify.status == TaskStatus.OPEN
    # Reporting again while the check is open raises no second task.
    svc.consequence_report(rectification, actor=w.cast.propmgr, note="补充照片")
    assert Task.objects.filter(kind="evaluation.rectification_reported").count() == 1
    # The community may not verify it; the authority does.
    with pytest.raises(DomainError):
        svc.consequence_done(rectification, actor=w.cast.community, note="核实")
    svc.consequence_done(rectification, actor=w.cast.officer, note="现场核实通过")
    rectification.refresh_from_db()
    assert rectification.state == S.DONE and rectification.done_by == w.cast.officer
    assert not Task.objects.filter(
        kind__in=["evaluation.rectification", "evaluation.rectification_reported"],
        status=TaskStatus.OPEN,
    ).exists()


def test_the_community_records_the_interview_held(w):
    interview = of(w.charlie, K.INTERVIEW)
    with pytest.raises(DomainError):
        svc.consequence_done(interview, actor=w.cast.propmgr, note="约谈")
    svc.consequence_done(interview, actor=w.cast.community, note="5月3日约谈户主")
    interview.refresh_from_db()
    assert interview.state == S.DONE and interview.done_by == w.cast.community
    assert Task.objects.get(kind="evaluation.interview").status == TaskStatus.DONE
    assert TimelineEntry.objects.filter(
        household=w.cast.charlie_household, verb="evaluation.consequence.done"
    ).exists()


def test_the_operator_records_the_referral_made(w):
    referral = of(w.charlie, K.POINTS_REFERRAL)
    svc.consequence_done(referral, actor=w.cast.operator, note="已移交复核")
    assert Consequence.objects.get(pk=referral.pk).state == S.DONE


def test_a_standing_is_not_recorded_done_but_cancelled_by_the_authority(w):
    standing = of(w.alice, K.GOOD_STANDING)
    with pytest.raises(DomainError) as error:
        svc.consequence_done(standing, actor=w.cast.officer, note="x")
    assert error.value.code == "not_recorded"
    with pytest.raises(DomainError):
        svc.consequence_cancel(standing, actor=w.cast.community, reason="x")
    svc.consequence_cancel(standing, actor=w.cast.officer, reason="违规转借，撤销")
    standing.refresh_from_db()
    assert standing.state == S.CANCELLED
    assert TimelineEntry.objects.filter(
        household=w.cast.alice_household, verb="evaluation.consequence.cancelled"
    ).exists()
    with pytest.raises(DomainError) as error:
        svc.consequence_cancel(standing, actor=w.cast.officer, reason="again")
    assert error.value.code == "closed"


def test_the_fee_adjustment_is_recorded_applied_by_the_authority(w):
    deduction = of(w.p1, K.FEE_ADJUSTMENT)
    with pytest.raises(DomainError):
        svc.consequence_done(deduction, actor=w.cast.operator, note="x")
    svc.consequence_done(deduction, actor=w.cast.officer, note="第二季度服务费扣减5%")
    assert Consequence.objects.get(pk=deduction.pk).state == S.DONE


def test_the_sweep_ends_what_has_run_its_term(w):
    discount = of(w.alice, K.RENT_DISCOUNT)  # 90 days
    standing = of(w.alice, K.GOOD_STANDING)  # 365 days
    title = of(w.alice, K.HARMONIOUS_TITLE)  # open-ended
    last = DAY + datetime.timedelta(days=90)
    assert consequences_expire(last) == 0  # valid through its last day
    assert consequences_expire(last + datetime.timedelta(days=1)) == 1
    discount.refresh_from_db()
    assert discount.state == S.DONE and discount.done_by is None
    assert consequences_expire(last + datetime.timedelta(days=1)) == 0
    assert Consequence.objects.get(pk=standing.pk).state == S.IN_EFFECT
    assert Consequence.objects.get(pk=title.pk).state == S.IN_EFFECT
    # The interview's deadline is not a term: it stays open, overdue.
    interview = of(w.charlie, K.INTERVIEW)
    assert Consequence.objects.get(pk=interview.pk).state == S.IN_EFFECT
    assert interview.is_overdue(DAY + datetime.timedelta(days=15))
    assert (
        Consequence.objects.overdue(DAY + datetime.timedelta(days=15))
        .filter(pk=interview.pk)
        .exists()
    )


def test_the_daily_task_is_one_call_to_the_sweep(w):
    Consequence.objects.filter(kind=K.RENT_DISCOUNT).update(valid_until=DAY)
    with time_machine.travel(datetime.datetime(2026, 4, 20, 1, 0, tzinfo=datetime.UTC)):
        assert consequences_expire_task.call_local() == 1
