"""Schemes, versioned like the admission rules: a new version copies the latest one's
lines and rules; a draft is edited freely, a published one only with a citation and
never once a period used it; lines follow their indicator's direction; consequence
rules fit the party; publishing needs a weighted line. Indicators: only manual ones
are created, and a computed one's unit and direction are the code's."""

import datetime
from decimal import Decimal

import pytest

from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.evaluation.models import (
    ConsequenceKind,
    Direction,
    Grade,
    IndicatorUnit,
    PartyKind,
    PeriodKind,
    Scheme,
)
from anju.evaluation.services import indicator_defs
from anju.evaluation.services import schemes as svc
from anju.testing.cast import build_cast
from anju.testing.shared_world import shared_world

from .test_consequences import PARTY_RULES, evaluate, indicator, period, quarter, scheme

K = ConsequenceKind


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker, build_cast) as cast:
        yield cast


@pytest.fixture
def cast(world, db):
    return world


def published(cast):
    return scheme(PartyKind.PROPERTY, rules=PARTY_RULES)


def new_version(cast, **extra):
    return svc.scheme_create(
        actor=cast.officer,
        party_kind=PartyKind.PROPERTY,
        period_kind=PeriodKind.QUARTER,
        effective_from=datetime.date(2027, 1, 1),
        source="考核办法（2027修订）",
        **extra,
    )


def test_a_new_version_copies_the_latest_lines_and_rules_as_a_draft(cast):
    first = published(cast)
    svc.scheme_update(first, actor=cast.officer, citation="区住建发〔2026〕1号", pass_from=55)
    second = new_version(cast)
    assert second.version == first.version + 1 and second.published_at is None
    assert second.pass_from == Decimal("55.00")
    assert [(line.indicator_id, line.weight) for line in second.lines.all()] == [
        (line.indicator_id, line.weight) for line in first.lines.all()
    ]
    assert sorted(second.consequence_rules.values_list("grade", "kind")) == sorted(
        first.consequence_rules.values_list("grade", "kind")
    )
    # The copy is its own: editing it leaves the first version alone.
    svc.line_update(second.lines.get(), actor=cast.officer, weight=3)
    assert first.lines.get().weight == 1
    assert AuditEntry.objects.filter(
        action="evaluation.scheme.create", target_id=str(second.pk)
    ).exists()


def test_there_must_be_a_version_to_copy(cast):
    Scheme.objects.filter(party_kind=PartyKind.PROPERTY, period_kind=PeriodKind.QUARTER).delete()
    with pytest.raises(DomainError) as error:
        new_version(cast)
    assert error.value.code == "nothing_to_copy"


def test_a_draft_is_edited_freely_and_a_published_scheme_needs_a_citation(cast):
    published(cast)
    draft = new_version(cast)
    svc.scheme_update(draft, actor=cast.officer, excellent_from=95, objection_days=10)
    draft.refresh_from_db()
    assert draft.excellent_from == Decimal("95.00") and draft.objection_days == 10
    svc.scheme_publish(draft, actor=cast.officer)
    with pytest.raises(DomainError) as error:
        svc.scheme_update(draft, actor=cast.officer, good_from=85)
    assert error.value.code == "citation_required"
    svc.scheme_update(draft, actor=cast.officer, citation="区住建发〔2027〕3号", good_from=85)
    entry = AuditEntry.objects.filter(action="evaluation.scheme.update").latest("id")
    assert entry.changes["citation"] == "区住建发〔2027〕3号"
    assert entry.changes["good_from"] == ["80.00", "85.00"]


def test_a_scheme_a_period_used_refuses_every_change(cast):
    s = published(cast)
    evaluate(period(cast.officer, quarter(4)), s, cast.property_1, Grade.PASS)
    with pytest.raises(DomainError) as error:
        svc.scheme_update(s, actor=cast.officer, citation="区住建发〔2027〕3号", good_from=85)
    assert error.value.code == "in_use"
    assert "新建版本" in str(error.value)


def test_the_thresholds_stay_ordered(cast):
    published(cast)
    draft = new_version(cast)
    for values in ({"pass_from": 85}, {"excellent_from": 70}, {"excellent_from": 101}):
        with pytest.raises(DomainError) as error:
            svc.scheme_update(draft, actor=cast.officer, **values)
        assert error.value.code == "thresholds"
    with pytest.raises(DomainError):
        svc.scheme_update(draft, actor=cast.officer, version=9)


def test_a_published_schemes_lines_and_rules_never_change(cast):
    s = published(cast)
    line = s.lines.get()
    for call in (
        lambda: svc.line_update(line, actor=cast.officer, weight=2),
        lambda: svc.line_remove(line, actor=cast.officer),
        lambda: svc.line_add(
            s,
            actor=cast.officer,
            indicator=indicator(PartyKind.PROPERTY, code="p_other"),
            weight=1,
            target=100,
            zero_at=0,
        ),
        lambda: svc.rule_add(s, actor=cast.officer, grade=Grade.GOOD, kind=K.COMMENDATION),
        lambda: svc.rule_remove(s.consequence_rules.first(), actor=cast.officer),
    ):
        with pytest.raises(DomainError) as error:
            call()
        assert error.value.code == "published"


def test_a_line_follows_its_indicators_direction_and_party(cast):
    published(cast)
    draft = new_version(cast)
    days = indicator(
        PartyKind.PROPERTY, code="p_days", unit=IndicatorUnit.DAYS, direction=Direction.LOWER
    )
    with pytest.raises(DomainError) as error:
        svc.line_add(draft, actor=cast.officer, indicator=days, weight=1, target=30, zero_at=5)
    assert error.value.code == "direction"
    line = svc.line_add(draft, actor=cast.officer, indicator=days, weight=1, target=5, zero_at=30)
    with pytest.raises(DomainError) as error:
        svc.line_update(line, actor=cast.officer, target=40)
    assert error.value.code == "direction"
    rate = indicator(PartyKind.PROPERTY, code="p_rate", unit=IndicatorUnit.PERCENT)
    with pytest.raises(DomainError) as error:
        svc.line_add(draft, actor=cast.officer, indicator=rate, weight=1, target=50, zero_at=90)
    assert error.value.code == "direction"
    with pytest.raises(DomainError) as error:
        svc.line_add(draft, actor=cast.officer, indicator=rate, weight=-1, target=90, zero_at=50)
    assert error.value.code == "weight"
    tenant = indicator(PartyKind.TENANT, code="t_rate")
    with pytest.raises(DomainError) as error:
        svc.line_add(draft, actor=cast.officer, indicator=tenant, weight=1, target=90, zero_at=0)
    assert error.value.code == "party_kind"
    svc.line_remove(line, actor=cast.officer)
    assert not draft.lines.filter(indicator=days).exists()


@pytest.mark.parametrize(
    ("party_kind", "values", "code"),
    [
        (PartyKind.PROPERTY, {"grade": Grade.EXCELLENT, "kind": K.GOOD_STANDING}, "kind_party"),
        (PartyKind.TENANT, {"grade": Grade.FAIL, "kind": K.RECTIFICATION, "days": 9}, "kind_party"),
        (PartyKind.PROPERTY, {"grade": Grade.PASS, "kind": K.TERMINATION}, "termination_grade"),
        (
            PartyKind.PROPERTY,
            {"grade": Grade.FAIL, "kind": K.TERMINATION, "consecutive_fails": 1},
            "consecutive_fails",
        ),
        (PartyKind.PROPERTY, {"grade": Grade.FAIL, "kind": K.FEE_ADJUSTMENT}, "percent"),
        (PartyKind.PROPERTY, {"grade": Grade.FAIL, "kind": K.RECTIFICATION}, "days"),
        (PartyKind.TENANT, {"grade": Grade.FAIL, "kind": K.INTERVIEW}, "days"),
    ],
)
def test_a_consequence_rule_must_fit_its_party_and_kind(cast, party_kind, values, code):
    draft = scheme(party_kind, published=False)
    with pytest.raises(DomainError) as error:
        svc.rule_add(draft, actor=cast.officer, **values)
    assert error.value.code == code


def test_a_draft_takes_well_formed_rules(cast):
    draft = scheme(PartyKind.PROPERTY, published=False)
    rule = svc.rule_add(
        draft, actor=cast.officer, grade=Grade.FAIL, kind=K.TERMINATION, consecutive_fails=2
    )
    svc.rule_add(draft, actor=cast.officer, grade=Grade.FAIL, kind=K.RECTIFICATION, days=30)
    with pytest.raises(DomainError) as error:
        svc.rule_add(draft, actor=cast.officer, grade=Grade.FAIL, kind=K.RECTIFICATION, days=9)
    assert error.value.code == "duplicate"
    svc.rule_remove(rule, actor=cast.officer)
    assert list(draft.consequence_rules.values_list("kind", flat=True)) == [K.RECTIFICATION]


def test_publishing_needs_a_weighted_line(cast):
    published(cast)
    draft = new_version(cast)
    svc.line_update(draft.lines.get(), actor=cast.officer, weight=0)
    with pytest.raises(DomainError) as error:
        svc.scheme_publish(draft, actor=cast.officer)
    assert error.value.code == "empty"
    svc.line_update(draft.lines.get(), actor=cast.officer, weight=1)
    svc.scheme_publish(draft, actor=cast.officer)
    assert draft.published_at is not None
    assert AuditEntry.objects.filter(
        action="evaluation.scheme.publish", target_id=str(draft.pk)
    ).exists()
    with pytest.raises(DomainError):
        svc.scheme_publish(draft, actor=cast.officer)


# --- Indicators ------------------------------------------------------------------------------


def test_the_authority_creates_a_manual_indicator(cast):
    created = indicator_defs.indicator_create(
        actor=cast.officer,
        code="prop_public_image",
        party_kind=PartyKind.PROPERTY,
        name_zh="企业形象",
        name_en="Public image",
        definition_zh="主管部门综合评价",
    )
    assert created.is_manual and created.unit == IndicatorUnit.SCORE
    assert AuditEntry.objects.filter(action="evaluation.indicator.create").exists()
    with pytest.raises(DomainError) as error:
        indicator_defs.indicator_create(
            actor=cast.officer,
            code="prop_public_image",
            party_kind=PartyKind.PROPERTY,
            name_zh="重复",
            definition_zh="重复",
        )
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError) as error:
        indicator_defs.indicator_create(
            actor=cast.officer,
            code="Bad Code",
            party_kind=PartyKind.PROPERTY,
            name_zh="坏",
            definition_zh="坏",
        )
    assert error.value.code == "code"


def test_a_computed_indicators_names_change_but_not_its_shape(cast):
    computed = indicator(
        PartyKind.PROPERTY, code="prop_sla_rate", source="prop_sla_rate", unit="percent"
    )
    indicator_defs.indicator_update(
        computed, actor=cast.officer, name_zh="工单按时完成率", definition_en="Orders done in time"
    )
    computed.refresh_from_db()
    assert computed.name_zh == "工单按时完成率" and computed.definition_en == "Orders done in time"
    for values in ({"unit": "days"}, {"direction": Direction.LOWER}, {"source": "manual"}):
        with pytest.raises(DomainError) as error:
            indicator_defs.indicator_update(computed, actor=cast.officer, **values)
        assert error.value.code == "computed"
    with pytest.raises(DomainError) as error:
        indicator_defs.indicator_update(computed, actor=cast.officer, name_zh=" ")
    assert error.value.code == "name"


def test_a_manual_indicators_direction_is_fixed_once_a_published_scheme_uses_it(cast):
    s = published(cast)
    manual = s.lines.get().indicator
    with pytest.raises(DomainError) as error:
        indicator_defs.indicator_update(manual, actor=cast.officer, direction=Direction.LOWER)
    assert error.value.code == "in_use"
    indicator_defs.indicator_update(manual, actor=cast.officer, name_en="Quality")
