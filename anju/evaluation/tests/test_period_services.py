"""Evaluation periods through their services: opening (the calendar, no future, no
duplicate, a scheme in force), computing (scorecards for every party, values with their
counts, totals, draft grades and ranks; a rerun changes nothing and keeps manual
scores; a party gone loses its scorecard unless scored by hand), the background job,
disclosing (computed, every manual score entered, the objection window, messages) and
publishing (window passed, no objection pending, then the consequences)."""

import datetime
from decimal import Decimal

import pytest

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, JobStatus, Message, MessageChannel
from anju.evaluation.models import (
    Evaluation,
    Grade,
    PartyKind,
    PeriodKind,
    PeriodStatus,
    Scheme,
    Score,
)
from anju.evaluation.services.manual_scores import score_enter
from anju.evaluation.services.objections import objection_raise
from anju.evaluation.services.period_compute import period_compute, period_compute_start
from anju.evaluation.services.periods import period_disclose, period_open, period_publish

from . import period_world
from .period_world import (
    AFTER_Q2,
    Q2,
    at,
    card,
    computed,
    disclosed,
    manual,
    pdf,
    schemes,
    score_all_manual,
)

pytestmark = pytest.mark.django_db
D = datetime.date


world_once = period_world.world_once
world = period_world.world
definitions = period_world.definitions


@pytest.fixture
def cast(world):
    return world


def opened(cast):
    with at(AFTER_Q2):
        return period_open(actor=cast.officer, kind=PeriodKind.QUARTER, starts_on=Q2)


# --- Opening ----------------------------------------------------------------------------


def test_a_quarter_opens_with_its_end_and_name_and_is_audited(world):
    period = opened(world)
    assert (period.name, period.ends_on, period.status) == ("2026 Q2", D(2026, 6, 30), "open")
    assert AuditEntry.objects.filter(
        action="evaluation.period_opened", target_id=period.pk
    ).exists()


@pytest.mark.parametrize(
    ("kind", "starts_on", "code"),
    [
        (PeriodKind.QUARTER, D(2026, 5, 1), "bad_start"),
        (PeriodKind.QUARTER, D(2026, 4, 2), "bad_start"),
        (PeriodKind.YEAR, D(2026, 4, 1), "bad_start"),
        (PeriodKind.QUARTER, D(2026, 10, 1), "future"),
    ],
)
def test_a_period_must_start_on_its_calendar_day_and_not_in_the_future(
    world, kind, starts_on, code
):
    with at(AFTER_Q2), pytest.raises(DomainError) as error:
        period_open(actor=world.officer, kind=kind, starts_on=starts_on)
    assert error.value.code == code


def test_a_period_that_has_not_ended_may_be_opened_and_a_year_ends_in_december(world):
    with at(AFTER_Q2):
        quarter = period_open(actor=world.officer, kind=PeriodKind.QUARTER, starts_on=D(2026, 7, 1))
    assert (quarter.name, quarter.ends_on) == ("2026 Q3", D(2026, 9, 30))
    with at(AFTER_Q2):
        schemes(period_kind=PeriodKind.YEAR)
        year = period_open(actor=world.officer, kind=PeriodKind.YEAR, starts_on=D(2026, 1, 1))
    assert (year.name, year.ends_on) == ("2026", D(2026, 12, 31))


def test_the_same_period_cannot_be_opened_twice(world):
    opened(world)
    with pytest.raises(DomainError) as error:
        opened(world)
    assert error.value.code == "duplicate"


def test_a_period_needs_a_published_scheme_in_force(world):
    Scheme.objects.update(effective_from=D(2026, 7, 1))  # in force only from Q3
    with at(AFTER_Q2), pytest.raises(DomainError) as error:
        period_open(actor=world.officer, kind=PeriodKind.QUARTER, starts_on=Q2)
    assert error.value.code == "no_scheme"
    assert "2026-04-01" in error.value.message
    Scheme.objects.update(effective_from=D(2025, 1, 1), published_at=None)  # drafts only
    with at(AFTER_Q2), pytest.raises(DomainError):
        period_open(actor=world.officer, kind=PeriodKind.QUARTER, starts_on=Q2)


# --- Computing ---------------------------------------------------------------------------


def test_compute_scores_every_party_with_counts_totals_grades_and_ranks(world):
    period = computed(world)
    assert period.computed_at is not None
    p1, p2 = card(period, world.property_1), card(period, world.property_2)
    units = Score.objects.get(evaluation=p1, line__indicator__code="test.units_low")
    assert (units.value, units.count, units.hits, units.score) == (
        Decimal("66.67"),
        6,
        4,
        Decimal("66.67"),
    )
    assert manual(period, world.property_1).value is None  # waiting for the evaluator
    # The manual line has no score yet, so the total is the computed line's alone.
    assert (p1.total, p1.grade) == (Decimal("66.67"), Grade.PASS)
    assert p1.rank == p2.rank == 1  # equal totals share a rank
    alice, charlie = card(period, world.alice_household), card(period, world.charlie_household)
    assert (charlie.total, charlie.grade, charlie.rank) == (Decimal("100.00"), Grade.EXCELLENT, 1)
    assert (alice.total, alice.grade, alice.rank) == (Decimal("50.00"), Grade.FAIL, 2)
    assert alice.estate == world.e1 and charlie.estate == world.e2
    # Only the kinds with a scheme are scored.
    assert set(period.evaluations.values_list("party_kind", flat=True)) == {
        PartyKind.PROPERTY,
        PartyKind.TENANT,
    }


def test_computing_again_changes_nothing_and_keeps_a_manual_score(world):
    period = computed(world)
    score_all_manual(period, world, value=100)
    before = list(Score.objects.order_by("pk").values_list("pk", "value", "score", "count", "hits"))
    cards = list(Evaluation.objects.order_by("pk").values_list("pk", "total", "grade", "rank"))
    with at(AFTER_Q2):
        period_compute(period)
    assert (
        list(Score.objects.order_by("pk").values_list("pk", "value", "score", "count", "hits"))
        == before
    )
    assert (
        list(Evaluation.objects.order_by("pk").values_list("pk", "total", "grade", "rank")) == cards
    )
    p1 = card(period, world.property_1)
    assert (p1.total, p1.grade) == (Decimal("80.00"), Grade.GOOD)  # 0.6 × 66.67 + 0.4 × 100


def test_computing_again_follows_the_records(world):
    period = computed(world)
    world.e2.units.filter(floor=3).update(floor=0)  # P2's units are all low now
    with at(AFTER_Q2):
        period_compute(period)
    p1, p2 = card(period, world.property_1), card(period, world.property_2)
    assert (p2.total, p2.rank, p1.rank) == (Decimal("100.00"), 1, 2)


def test_a_party_gone_loses_its_scorecard_unless_it_was_scored_by_hand(world):
    period = computed(world)
    with at(AFTER_Q2):
        score_enter(
            manual(period, world.property_1),
            actor=world.officer,
            value=70,
            comment="整改及时",
            evidence=[pdf()],
        )
    world.property_1.__class__.objects.filter(
        pk__in=[world.property_1.pk, world.property_2.pk]
    ).update(is_active=False)
    with at(AFTER_Q2):
        period_compute(period)
    kept = set(
        period.evaluations.filter(party_kind=PartyKind.PROPERTY).values_list(
            "organisation", flat=True
        )
    )
    assert kept == {world.property_1.pk}
    assert manual(period, world.property_1).value == Decimal("70.00")


def test_the_background_job_computes_and_keeps_its_progress(
    world, django_capture_on_commit_callbacks
):
    period = opened(world)
    with at(AFTER_Q2), django_capture_on_commit_callbacks(execute=True):
        job = period_compute_start(period, actor=world.officer)
    job.refresh_from_db()
    period.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    # One step per party kind and one per line: property 1 + 2, tenants 1 + 1.
    assert (job.done, job.total) == (5, 5)
    assert job.result["counts"] == {"property": 2, "tenant": 2}
    assert period.job == job and period.computed_at is not None


def test_a_running_job_blocks_another_until_it_is_an_hour_old(world):
    period = opened(world)
    with at(AFTER_Q2):
        first = period_compute_start(period, actor=world.officer)  # never run
        with pytest.raises(DomainError) as error:
            period_compute_start(period, actor=world.officer)
        assert error.value.code == "running"
    with at(AFTER_Q2 + datetime.timedelta(minutes=61)):
        second = period_compute_start(period, actor=world.officer)
    first.refresh_from_db()
    period.refresh_from_db()
    assert first.status == JobStatus.FAILED and first.finished_at is not None
    assert period.job == second and second.status == JobStatus.QUEUED


def test_a_disclosed_periods_scores_are_frozen(world):
    period = computed(world)
    score_all_manual(period, world)
    with at(AFTER_Q2):
        period_disclose(period, actor=world.officer)
    for attempt in (
        lambda: period_compute(period),
        lambda: period_compute_start(period, actor=world.officer),
    ):
        with pytest.raises(DomainError) as error:
            attempt()
        assert error.value.code == "bad_status"


# --- Disclosing ----------------------------------------------------------------------------


def test_disclosing_needs_the_scores_computed(world):
    period = opened(world)
    with at(AFTER_Q2), pytest.raises(DomainError) as error:
        period_disclose(period, actor=world.officer)
    assert error.value.code == "not_computed"


def test_disclosing_lists_the_manual_scores_still_empty(world):
    period = computed(world)
    with at(AFTER_Q2), pytest.raises(DomainError) as error:
        period_disclose(period, actor=world.officer)
    assert error.value.code == "manual_missing"
    assert world.property_1.name in error.value.message
    assert world.property_2.name in error.value.message


def test_disclosing_opens_the_objection_window_and_tells_every_party_once(
    world, django_capture_on_commit_callbacks
):
    period = computed(world)
    score_all_manual(period, world)
    with at(AFTER_Q2), django_capture_on_commit_callbacks(execute=True):
        period_disclose(period, actor=world.officer)
    period.refresh_from_db()
    assert period.status == PeriodStatus.DISCLOSED
    assert period.objections_until == D(2026, 7, 17)
    in_app = Message.objects.filter(template="evaluation.disclosed.in_app")
    assert set(in_app.values_list("user__username", flat=True)) == {"propmgr"}
    portal = Message.objects.filter(template="evaluation.disclosed.portal")
    assert set(portal.values_list("household", flat=True)) == {
        world.alice_household.pk,
        world.charlie_household.pk,
    }
    assert all(m.channel == MessageChannel.PORTAL for m in portal)
    assert "2026-07-17" in portal.get(household=world.alice_household).body
    from anju.evaluation.services.periods import notify_parties

    assert notify_parties(period, "disclosed") == 0  # the keys make it idempotent


# --- Publishing ----------------------------------------------------------------------------


def test_publishing_waits_for_the_objection_window_to_pass(world):
    period = disclosed(world)
    with at(AFTER_Q2 + datetime.timedelta(days=7)), pytest.raises(DomainError) as error:
        period_publish(period, actor=world.officer)  # 17 July: the window's last day
    assert error.value.code == "window_open"


def test_publishing_refuses_a_pending_objection(world):
    period = disclosed(world)
    with at(AFTER_Q2):
        objection_raise(
            card(period, world.property_1), actor=world.propmgr, reasons="底层单元统计有误"
        )
    with at(AFTER_Q2 + datetime.timedelta(days=8)), pytest.raises(DomainError) as error:
        period_publish(period, actor=world.officer)
    assert error.value.code == "objections_pending"


def test_publishing_makes_the_grades_final_and_tells_the_parties(
    world, django_capture_on_commit_callbacks
):
    period = disclosed(world)
    grades = list(Evaluation.objects.order_by("pk").values_list("total", "grade", "rank"))
    with (
        at(AFTER_Q2 + datetime.timedelta(days=8)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        period_publish(period, actor=world.officer)
    period.refresh_from_db()
    assert period.status == PeriodStatus.PUBLISHED
    assert period.published_by == world.officer and period.published_at is not None
    assert list(Evaluation.objects.order_by("pk").values_list("total", "grade", "rank")) == grades
    assert Message.objects.filter(template="evaluation.published.portal").count() == 2
    assert AuditEntry.objects.filter(action="evaluation.period_published").exists()
    with pytest.raises(DomainError):
        period_publish(period, actor=world.officer)
