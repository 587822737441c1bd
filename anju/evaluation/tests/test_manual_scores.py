"""A manual score: only on a manual line, only while the period is open, 0–100, with a
comment and evidence (unless the score has some already); the evaluator and the time
are kept and the scorecard's total, draft grade and ranks follow at once."""

from decimal import Decimal

import pytest

from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.evaluation.models import Grade, Score

from . import period_world
from .period_world import AFTER_Q2, at, card, computed, disclosed, manual, pdf

pytestmark = pytest.mark.django_db
world_once = period_world.world_once
world = period_world.world
definitions = period_world.definitions


def enter(score, actor, value=95, comment="台账完整，现场整洁", evidence=None):
    from anju.evaluation.services.manual_scores import score_enter

    with at(AFTER_Q2):
        return score_enter(
            score,
            actor=actor,
            value=value,
            comment=comment,
            evidence=[pdf()] if evidence is None else evidence,
        )


def test_a_manual_score_is_kept_with_its_evaluator_and_evidence_and_moves_the_total(world):
    period = computed(world)
    score = enter(manual(period, world.property_1), world.officer, value=100)
    assert (score.value, score.score, score.scored_by) == (
        Decimal("100.00"),
        Decimal("100.00"),
        world.officer,
    )
    assert score.scored_at is not None and score.evidence.count() == 1
    p1, p2 = card(period, world.property_1), card(period, world.property_2)
    assert (p1.total, p1.grade, p1.rank) == (Decimal("80.00"), Grade.GOOD, 1)
    assert p2.rank == 2  # P2 has only its computed 66.67 so far
    assert AuditEntry.objects.filter(action="evaluation.score_entered", target_id=score.pk).exists()


def test_a_manual_value_is_scored_by_its_line_like_any_other(world):
    period = computed(world)
    score = manual(period, world.property_1)
    # The authority counts anything from 60 up as a pass mark here: 60 scores nought.
    score.line.__class__.objects.filter(pk=score.line_id).update(zero_at=60)
    score.refresh_from_db()
    score = enter(score, world.officer, value=80)
    assert (score.value, score.score) == (Decimal("80.00"), Decimal("50.00"))


def test_a_second_entry_needs_no_new_evidence_but_still_a_comment(world):
    period = computed(world)
    score = enter(manual(period, world.property_1), world.officer, value=50)
    score = enter(score, world.officer, value=60, evidence=[])
    assert score.value == Decimal("60.00") and score.evidence.count() == 1
    with pytest.raises(DomainError) as error:
        enter(score, world.officer, comment="  ", evidence=[])
    assert error.value.code == "comment_required"


@pytest.mark.parametrize(
    ("value", "comment", "evidence", "code"),
    [
        (101, "超出", None, "bad_value"),
        (-1, "负数", None, "bad_value"),
        ("abc", "不是数", None, "bad_value"),
        (80, "", None, "comment_required"),
        (80, "没有证据", [], "evidence_required"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, value, comment, evidence, code):
    period = computed(world)
    score = manual(period, world.property_1)
    with pytest.raises(DomainError) as error:
        enter(score, world.officer, value=value, comment=comment, evidence=evidence)
    assert error.value.code == code
    score.refresh_from_db()
    assert score.value is None and score.scored_by is None and not score.evidence.exists()


def test_a_file_that_is_not_a_document_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    period = computed(world)
    bad = SimpleUploadedFile("notes.txt", b"just text", "text/plain")
    with pytest.raises(DomainError) as error:
        enter(manual(period, world.property_1), world.officer, evidence=[bad])
    assert error.value.code == "upload_type"


def test_a_computed_line_cannot_be_scored_by_hand(world):
    period = computed(world)
    computed_score = Score.objects.get(
        evaluation=card(period, world.property_1), line__indicator__code="test.units_low"
    )
    with pytest.raises(DomainError) as error:
        enter(computed_score, world.officer)
    assert error.value.code == "computed"


def test_a_disclosed_periods_manual_scores_change_only_through_an_objection(world):
    period = disclosed(world)
    with pytest.raises(DomainError) as error:
        enter(manual(period, world.property_1), world.officer, value=10)
    assert error.value.code == "bad_status"
    assert manual(period, world.property_1).value == Decimal("90.00")
