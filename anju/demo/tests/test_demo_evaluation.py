"""The demo's evaluations (anju.demo.evaluation) on a small district: 2025 and two
quarters of 2026 published, with objections decided and consequences raised and partly
carried out; the third quarter disclosed with the demo property manager's objection
pending; manual scores with their PDF evidence; running it again adds nothing."""

import pytest

from anju.demo import district
from anju.demo.evaluation import generate as generate_evaluation
from anju.evaluation.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceState,
    Objection,
    ObjectionStatus,
    PartyKind,
    Period,
    PeriodStatus,
    Score,
)
from anju.testing.shared_world import shared_world


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    def build():
        return district.generate(units=300, seed=8, admission=False, exits=False)

    with shared_world(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def test_three_periods_are_published_and_one_is_in_progress(demo):
    statuses = dict(Period.objects.values_list("name", "status"))
    assert statuses == {
        "2025": PeriodStatus.PUBLISHED,
        "2026 Q1": PeriodStatus.PUBLISHED,
        "2026 Q2": PeriodStatus.PUBLISHED,
        "2026 Q3": PeriodStatus.DISCLOSED,
    }
    assert demo.counts["evaluation_periods"] == 4
    year = Period.objects.get(name="2025")
    kinds = set(year.evaluations.values_list("party_kind", flat=True))
    assert kinds == set(PartyKind.values)  # tenants are evaluated by the year
    quarter = Period.objects.get(name="2026 Q3")
    assert PartyKind.TENANT not in set(quarter.evaluations.values_list("party_kind", flat=True))
    for period in Period.objects.filter(status=PeriodStatus.PUBLISHED):
        assert period.published_at.date() > period.ends_on
        assert period.objections_until < period.published_at.date()


def test_every_manual_score_has_a_comment_and_a_real_pdf(demo):
    manual = Score.objects.filter(line__indicator__source="manual")
    assert manual.exists() and not manual.filter(value__isnull=True).exists()
    assert not manual.filter(comment="").exists()
    score = manual.first()
    with score.evidence.get().file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_objections_are_upheld_rejected_and_one_is_pending(demo):
    decided = set(
        Objection.objects.filter(evaluation__period__status=PeriodStatus.PUBLISHED).values_list(
            "raised_by__username", "status"
        )
    )
    # The property company's objections are upheld, the operator's rejected.
    assert decided == {("propmgr", ObjectionStatus.UPHELD), ("operator", ObjectionStatus.REJECTED)}
    upheld = Objection.objects.filter(status=ObjectionStatus.UPHELD).select_related("score")
    for objection in upheld:
        assert objection.score.adjusted and objection.score.value == objection.new_value
        assert objection.new_value > objection.old_value
    pending = Objection.objects.get(status=ObjectionStatus.PENDING)
    assert (pending.evaluation.period.name, pending.raised_by.username) == ("2026 Q3", "propmgr")


def test_consequences_are_raised_and_partly_carried_out(demo):
    consequences = Consequence.objects.all()
    assert consequences.count() == demo.counts["evaluation_consequences"] > 0
    kinds = set(consequences.values_list("kind", flat=True))
    assert {ConsequenceKind.GOOD_STANDING, ConsequenceKind.RENT_DISCOUNT} <= kinds
    states = set(consequences.values_list("state", flat=True))
    assert {ConsequenceState.IN_EFFECT, ConsequenceState.DONE} <= states
    # Dated from the day each period was published, not the day the demo was made.
    for c in consequences.select_related("evaluation__period")[:50]:
        assert c.valid_from == c.evaluation.period.published_at.date()


def test_running_it_again_adds_nothing(demo):
    before = (Period.objects.count(), Objection.objects.count(), Consequence.objects.count())
    assert generate_evaluation(seed=8, say=lambda message: None) == {}
    after = (Period.objects.count(), Objection.objects.count(), Consequence.objects.count())
    assert after == before
