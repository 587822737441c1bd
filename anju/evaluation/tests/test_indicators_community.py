"""The community's and the street office's computed indicators on a hand-built first
quarter of 2026, each at its boundaries: a record on the first and the last day of
the quarter counts, one on the day before or after does not; in time exactly at the
deadline is in time; a party without records has no measure. Every value is traced:
the party's records reproduce it, and they are the party's own."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.admission.models import Application, Review, RuleSet
from anju.core.models import Organisation
from anju.evaluation.indicators.base import Measure, definition
from anju.helpdesk.models import Feedback, FeedbackStep, FeedbackStepKind
from anju.households.models import Household, Lease
from anju.supervision.models import InspectionPlan, InspectionTask, Tip
from anju.tenancy.models import Campaign, Declaration, RecertCase
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
Q1 = (D(2026, 1, 1), D(2026, 3, 31))
AFTER_Q1 = "2026-04-15 10:00 +08:00"


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day} {time}").replace(tzinfo=TZ)


def measure(code: str, party) -> Measure | None:
    return definition(code).compute(*Q1).get(party.pk)


def traced(code: str, party) -> list:
    """The party's records; they reproduce its measure and are all its own."""
    d = definition(code)
    rows = list(d.records(*Q1, party.pk))
    assert d.measure_of(rows) == d.compute(*Q1).get(party.pk, Measure(None))
    owners = set(d.records(*Q1, party.pk).values_list(d.party, flat=True))
    assert owners <= {party.pk}
    return rows


# --- The world ---------------------------------------------------------------------------


def _application(cast, ruleset, community, n):
    household = Household.objects.create(
        number=f"AP-{n}", category="low_income", status="applicant", community=community
    )
    return Application.objects.create(
        number=f"SQ2026{n:05d}",
        ruleset=ruleset,
        category="low_income",
        channel="counter",
        community=community,
        household=household,
    )


def _reviews(cast, ruleset):
    worker, street = cast.users["community"], cast.users["street"]
    app = _application(cast, ruleset, cast.community_a, 1)
    review = dict(application=app, decision="approve")
    made = {
        # First day, in time; last day, a day late; last day, on its deadline day.
        "first": Review.objects.create(
            **review,
            level="community",
            due_on=D(2026, 1, 1),
            at=at("2026-01-01", "00:30"),
            actor=worker,
        ),
        "late": Review.objects.create(
            **review,
            level="community",
            due_on=D(2026, 3, 30),
            at=at("2026-03-31", "23:30"),
            actor=worker,
        ),
        "deadline": Review.objects.create(
            **review, level="community", due_on=D(2026, 3, 31), at=at("2026-03-31"), actor=worker
        ),
        "street": Review.objects.create(
            **review, level="street", due_on=D(2026, 2, 10), at=at("2026-02-09"), actor=street
        ),
    }
    for when in (at("2025-12-31", "23:59"), at("2026-04-01", "00:00")):
        Review.objects.create(
            **review, level="community", due_on=D(2026, 6, 1), at=when, actor=worker
        )
    Review.objects.create(
        **review, level="community", due_on=None, at=at("2026-02-01"), actor=worker
    )
    return made


def _recertification(cast, ruleset):
    officer = cast.users["officer"]
    alice, charlie = cast.alice_household, cast.charlie_household
    leases = {h.pk: Lease.objects.get(household=h) for h in (alice, charlie)}

    def campaign(name, declare_by):
        c = Campaign.objects.create(
            year=2026,
            name=name,
            ruleset=ruleset,
            opened_on=declare_by - datetime.timedelta(30),
            declare_by=declare_by,
            created_by=officer,
        )
        c.estates.set([cast.e1, cast.e2])
        return c

    def case(c, household, declared_at=None, confirmed=False):
        declaration = None
        if declared_at:
            declaration = Declaration.objects.create(
                household=household,
                channel="counter",
                submitted_at=declared_at,
                submitted_by=officer,
                consent=True,
            )
        return RecertCase.objects.create(
            campaign=c,
            household=household,
            lease=leases[household.pk],
            estate=household.estate,
            declaration=declaration,
            status="confirmed" if confirmed else ("declared" if declaration else "awaiting"),
            confirmed_outcome="qualifies" if confirmed else "",
            confirmed_by=officer if confirmed else None,
            confirmed_at=at("2026-02-01") if confirmed else None,
        )

    first = campaign("2026年第一批", D(2026, 1, 1))
    last = campaign("2026年第二批", D(2026, 3, 31))
    # Alice declared on the deadline day of the first, a day late in the second; the
    # first is confirmed. Charlie never declared.
    case(first, alice, at("2026-01-01", "23:50"), confirmed=True)
    case(first, charlie)
    case(last, alice, at("2026-04-01", "00:10"))
    for declare_by in (D(2025, 12, 31), D(2026, 4, 1)):
        case(campaign(f"界外 {declare_by}", declare_by), alice, at("2025-11-01"), confirmed=True)


def _inspections(cast):
    officer = cast.users["officer"]
    plan = InspectionPlan.objects.create(
        estate=cast.e1, year=2026, inspector=officer, created_by=officer
    )
    n = iter(range(1, 100))

    def task(due_on, status="open", closed_at=None, on_plan=True):
        return InspectionTask.objects.create(
            number=f"XC2026{next(n):05d}",
            kind="routine" if on_plan else "flag",
            estate=cast.e1,
            unit=cast.unit_a,
            household=cast.alice_household,
            plan=plan if on_plan else None,
            assigned_to=officer,
            due_on=due_on,
            status=status,
            finding="no_issue" if status == "done" else "",
            closed_at=closed_at,
        )

    return {
        "first_done": task(D(2026, 1, 1), "done", at("2026-01-05")),
        "last_done": task(D(2026, 3, 31), "done", at("2026-03-31", "23:00")),
        "done_late": task(D(2026, 3, 31), "done", at("2026-04-01", "00:10")),
        "open": task(D(2026, 2, 10)),
        "_cancelled": task(D(2026, 2, 10), "cancelled", at("2026-02-01")),
        "_before": task(D(2025, 12, 31), "done", at("2025-12-30")),
        "_after": task(D(2026, 4, 1), "done", at("2026-03-30")),
        "_not_planned": task(D(2026, 2, 10), "done", at("2026-02-10"), on_plan=False),
    }


def _tips(cast):
    officer = cast.users["officer"]
    n = iter(range(1, 100))

    def tip(received_at, triaged_at=None, estate=cast.e1):
        i = next(n)
        return Tip.objects.create(
            number=f"JB2026{i:05d}",
            tracking_code=f"TIPCODE{i:03d}",
            source="public",
            category="sublet",
            estate=estate,
            unit=cast.unit_a if estate else None,
            place="1-101",
            text="有陌生人住",
            received_at=received_at,
            status="closed" if triaged_at else "new",
            triaged_by=officer if triaged_at else None,
            triaged_at=triaged_at,
            closed_reason="查无此事" if triaged_at else "",
        )

    return {
        # The deadline is five days: triaged on the fifth day, in time; on the sixth, late.
        "in_time": tip(at("2026-01-01", "00:10"), at("2026-01-06", "23:00")),
        "late": tip(at("2026-03-31", "23:00"), at("2026-04-06", "09:00")),
        "waiting": tip(at("2026-02-01")),
        "recent": tip(at("2026-03-31", "08:00")),
        "_before": tip(at("2025-12-31", "23:59"), at("2026-01-01")),
        "_after": tip(at("2026-04-01", "00:00"), at("2026-04-01")),
        "_no_estate": tip(at("2026-02-01"), estate=None),
    }


def _feedback(cast):
    n = iter(range(1, 100))

    def feedback(org, received_at, answer_by, answered_at=None, estate=cast.e1):
        i = next(n)
        f = Feedback.objects.create(
            number=f"FK2026{i:05d}",
            tracking_code=f"FBCODE{i:04d}",
            kind="complaint",
            topic="community",
            channel="portal",
            estate=estate,
            text="活动太少",
            received_at=received_at,
            status="answered" if answered_at else "acknowledged",
            organisation=org,
            acknowledge_by=received_at + datetime.timedelta(days=1),
            answer_by=answer_by,
            acknowledged_at=received_at,
            answered_at=answered_at,
            answer="已处理" if answered_at else "",
        )
        FeedbackStep.objects.create(
            feedback=f, kind=FeedbackStepKind.RECEIVED, at=received_at, to_org=org
        )
        return f

    community, street = cast.community_a, cast.street_a
    made = {
        # Answered at the very moment of its deadline: on time.
        "on_time": feedback(
            community,
            at("2026-01-01", "09:00"),
            at("2026-01-08", "09:00"),
            at("2026-01-08", "09:00"),
        ),
        # Missed by the community: escalated to the street, which answered in time.
        "escalated": feedback(
            street, at("2026-03-31", "20:00"), at("2026-04-07", "20:00"), at("2026-04-03")
        ),
        # Passed on to the operator: not the community's.
        "passed_on": feedback(
            cast.operator_1, at("2026-02-01"), at("2026-02-08"), at("2026-02-03")
        ),
        # Still within its deadline when the quarter is computed: not settled yet.
        "_pending": feedback(community, at("2026-03-30"), at("2026-04-20")),
        "_before": feedback(
            community, at("2025-12-31", "23:59"), at("2026-01-07"), at("2026-01-02")
        ),
        "_after": feedback(
            community, at("2026-04-01", "00:00"), at("2026-04-08"), at("2026-04-02")
        ),
        "street": feedback(street, at("2026-02-01"), at("2026-02-08"), at("2026-02-07")),
    }
    FeedbackStep.objects.create(
        feedback=made["escalated"],
        kind=FeedbackStepKind.ESCALATED,
        at=at("2026-04-01", "20:00"),
        from_org=community,
        to_org=street,
    )
    made["escalated"].level = 1
    made["escalated"].save(update_fields=["level"])
    FeedbackStep.objects.create(
        feedback=made["passed_on"],
        kind=FeedbackStepKind.PASSED_ON,
        at=at("2026-02-01", "11:00"),
        from_org=community,
        to_org=cast.operator_1,
    )
    return made


def build():
    cast = build_cast()
    ruleset = RuleSet.objects.create(
        year=2026, effective_from=D(2026, 1, 1), source="测试", created_by=cast.users["officer"]
    )
    reviews = _reviews(cast, ruleset)
    _recertification(cast, ruleset)
    tasks = _inspections(cast)
    tips = _tips(cast)
    feedback = _feedback(cast)
    return cast, reviews, tasks, tips, feedback


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(world_once, db):
    with time_machine.travel(AFTER_Q1, tick=False), translation.override("en"):
        yield world_once


def pks(rows):
    return {row.pk for row in rows}


# --- Reviews -----------------------------------------------------------------------------


def test_review_timeliness_counts_the_quarters_reviews_at_the_communitys_level(world):
    cast, reviews, *_ = world
    m = measure("community.review_timeliness", cast.community_a)
    assert (str(m.value), m.count, m.hits) == ("66.67", 3, 2)
    rows = traced("community.review_timeliness", cast.community_a)
    assert pks(rows) == {reviews["first"].pk, reviews["late"].pk, reviews["deadline"].pk}
    late = {row.pk: row.contribution for row in rows}
    assert late == {
        reviews["first"].pk: True,
        reviews["late"].pk: False,
        reviews["deadline"].pk: True,
    }


def test_the_street_is_timed_on_its_own_level_and_a_party_without_reviews_has_no_measure(world):
    cast, reviews, *_ = world
    m = measure("street.review_timeliness", cast.street_a)
    assert (str(m.value), m.count, m.hits) == ("100.00", 1, 1)
    assert pks(traced("street.review_timeliness", cast.street_a)) == {reviews["street"].pk}
    assert measure("community.review_timeliness", cast.community_b) is None
    assert measure("street.review_timeliness", cast.street_b) is None
    assert traced("street.review_timeliness", cast.street_b) == []


# --- Recertification ---------------------------------------------------------------------


def test_declaration_and_decision_rates_read_the_campaigns_due_in_the_quarter(world):
    cast, *_ = world
    declared = measure("community.recert_declaration_rate", cast.community_a)
    decided = measure("community.recert_decision_rate", cast.community_a)
    assert (str(declared.value), declared.count) == ("100.00", 2)
    assert (str(decided.value), decided.hits) == ("50.00", 1)
    charlie = measure("community.recert_declaration_rate", cast.community_b)
    assert (str(charlie.value), charlie.count) == ("0.00", 1)
    for code in ("recert_declaration_rate", "recert_decision_rate"):
        for party in (cast.community_a, cast.community_b):
            rows = traced(f"community.{code}", party)
            assert {r.campaign.declare_by for r in rows} <= set(Q1)
        assert measure(f"street.{code}", cast.street_a) == measure(
            f"community.{code}", cast.community_a
        )
        traced(f"street.{code}", cast.street_a)


# --- Inspection plans --------------------------------------------------------------------


def test_plan_visits_count_when_done_by_the_quarters_last_day(world):
    cast, _reviews, tasks, *_ = world
    m = measure("community.inspection_plans_done", cast.community_a)
    assert (str(m.value), m.count, m.hits) == ("50.00", 4, 2)
    rows = traced("community.inspection_plans_done", cast.community_a)
    assert pks(rows) == {t.pk for k, t in tasks.items() if not k.startswith("_")}
    assert {r.pk for r in rows if r.contribution} == {
        tasks["first_done"].pk,
        tasks["last_done"].pk,
    }
    assert measure("street.inspection_plans_done", cast.street_a) == m
    assert measure("community.inspection_plans_done", cast.community_b) is None


# --- Tips --------------------------------------------------------------------------------


def test_tips_are_in_time_up_to_the_deadline_day(world):
    cast, _reviews, _tasks, tips, _feedback = world
    m = measure("community.tips_triaged", cast.community_a)
    assert (str(m.value), m.count, m.hits) == ("25.00", 4, 1)
    rows = traced("community.tips_triaged", cast.community_a)
    assert pks(rows) == {t.pk for k, t in tips.items() if not k.startswith("_")}
    assert {r.pk for r in rows if r.contribution} == {tips["in_time"].pk}
    traced("street.tips_triaged", cast.street_a)


def test_a_tip_still_within_its_deadline_is_not_counted_yet(world):
    cast, _reviews, _tasks, tips, _feedback = world
    with time_machine.travel("2026-04-03 10:00 +08:00", tick=False):
        m = measure("community.tips_triaged", cast.community_a)
        rows = traced("community.tips_triaged", cast.community_a)
    assert (m.count, m.hits) == (3, 1)
    assert tips["recent"].pk not in pks(rows)


# --- Feedback ----------------------------------------------------------------------------


def test_feedback_is_the_community_s_until_it_escalates_or_is_passed_on(world):
    cast, _reviews, _tasks, _tips, feedback = world
    m = measure("community.feedback_on_time", cast.community_a)
    assert (str(m.value), m.count, m.hits) == ("50.00", 2, 1)
    rows = traced("community.feedback_on_time", cast.community_a)
    assert {r.pk: r.contribution for r in rows} == {
        feedback["on_time"].pk: True,
        feedback["escalated"].pk: False,
    }
    street = measure("street.feedback_on_time", cast.street_a)
    assert (str(street.value), street.count) == ("100.00", 1)
    assert pks(traced("street.feedback_on_time", cast.street_a)) == {feedback["street"].pk}
    assert measure("community.feedback_on_time", cast.community_b) is None


def test_every_party_id_is_an_organisation_of_the_indicators_kind(world):
    for code in (
        "community.review_timeliness",
        "community.recert_declaration_rate",
        "community.inspection_plans_done",
        "community.tips_triaged",
        "community.feedback_on_time",
    ):
        for kind, prefix in (("community", "community"), ("street", "street")):
            name = code.replace("community.", f"{prefix}.")
            ids = set(definition(name).compute(*Q1))
            assert ids <= set(Organisation.objects.filter(kind=kind).values_list("pk", flat=True))
