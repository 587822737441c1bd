"""The seeded indicators and draft schemes: every computation has its indicator and
every computed indicator its computation, each draft's weights add up to 100, its
lines score the right way round, and its consequences are the ones agreed."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from anju.evaluation.indicators.base import REGISTRY, Ratio, register
from anju.evaluation.models import (
    MANUAL,
    ConsequenceRule,
    Direction,
    Indicator,
    PartyKind,
    Scheme,
    SchemeLine,
)

pytestmark = pytest.mark.django_db

SOURCE = "安居系统默认考核方案（待主管部门确认）"


def test_every_computation_has_its_indicator_and_every_computed_indicator_a_computation():
    computed = {i.source: i for i in Indicator.objects.exclude(source=MANUAL)}
    assert set(computed) == set(REGISTRY)
    for code, definition in REGISTRY.items():
        indicator = computed[code]
        assert indicator.code == code
        assert indicator.party_kind == definition.party_kind
        assert indicator.name_zh and indicator.name_en
        assert indicator.definition_zh and indicator.definition_en


def test_each_organisation_kind_has_a_manual_indicator_scored_out_of_100():
    manual = Indicator.objects.filter(source=MANUAL)
    assert set(manual.values_list("party_kind", flat=True)) == {
        PartyKind.STREET,
        PartyKind.COMMUNITY,
        PartyKind.OPERATOR,
        PartyKind.PROPERTY,
    }
    assert set(manual.values_list("unit", flat=True)) == {"score"}


def test_the_drafts_cover_each_party_and_period_kind_and_await_the_authority():
    schemes = Scheme.objects.filter(source=SOURCE)
    assert set(schemes.values_list("party_kind", "period_kind")) == {
        (kind, period)
        for kind in ("street", "community", "operator", "property")
        for period in ("quarter", "year")
    } | {("tenant", "year")}
    for scheme in schemes:
        assert (scheme.version, scheme.published_at, scheme.created_by_id) == (1, None, None)
        assert str(scheme.effective_from) == "2024-01-01"
    # A draft is not in force until the authority publishes it.
    assert Scheme.objects.in_force("operator", "quarter", scheme.effective_from) is None


def test_each_drafts_weights_add_up_to_100_and_its_indicators_are_its_party_kinds():
    for scheme in Scheme.objects.filter(source=SOURCE):
        total = scheme.lines.aggregate(w=Sum("weight"))["w"]
        assert Decimal(total) == 100, scheme
        kinds = set(scheme.lines.values_list("indicator__party_kind", flat=True))
        assert kinds == {scheme.party_kind}


def test_each_line_scores_the_way_its_indicator_points():
    lines = SchemeLine.objects.filter(scheme__source=SOURCE).select_related("indicator")
    assert lines.exists()
    for line in lines:
        if line.indicator.direction == Direction.HIGHER:
            assert line.target > line.zero_at, line.indicator.code
        else:
            assert line.target < line.zero_at, line.indicator.code


def test_the_consequences_follow_the_grades():
    def rules(kind):
        scheme = Scheme.objects.get(source=SOURCE, party_kind=kind, period_kind="year")
        return {
            (r.grade, r.kind): (r.percent, r.days, r.consecutive_fails)
            for r in ConsequenceRule.objects.filter(scheme=scheme)
        }

    assert rules("community") == {
        ("excellent", "commendation"): (None, 365, None),
        ("fail", "rectification"): (None, 30, None),
        ("fail", "warning"): (None, 365, None),
    }
    contractor = rules("property")
    assert contractor[("excellent", "fee_adjustment")] == (Decimal("3.00"), None, None)
    assert contractor[("fail", "fee_adjustment")] == (Decimal("-5.00"), None, None)
    assert contractor[("fail", "termination")] == (None, None, 2)
    assert ("good", "renewal_eligible") in contractor
    assert rules("operator") == contractor
    tenant = rules("tenant")
    assert tenant[("excellent", "rent_discount")] == (None, 365, None)
    assert tenant[("fail", "interview")] == (None, 30, None)
    assert set(tenant) == {
        ("excellent", "good_standing"),
        ("excellent", "harmonious_title"),
        ("excellent", "rent_discount"),
        ("good", "good_standing"),
        ("fail", "tenant_warning"),
        ("fail", "interview"),
        ("fail", "points_referral"),
    }


def test_the_seed_is_undone_and_redone():
    from importlib import import_module

    from django.apps import apps

    seed = import_module("anju.evaluation.migrations.0002_default_indicators_and_schemes")
    seed.unseed(apps, None)
    assert not Indicator.objects.exists() and not Scheme.objects.exists()
    seed.seed(apps, None)
    assert Indicator.objects.count() == len(seed.INDICATORS)
    assert Scheme.objects.count() == 9


def test_a_definition_that_leaves_out_part_of_its_shape_is_refused_at_registration():
    class NoCondition(Ratio):  # a rate without the condition a record must meet
        code = "test.no_condition"

        def base(self, start, end):
            raise AssertionError("never called")

    with pytest.raises(TypeError, match="hit"):
        register(NoCondition)
    assert "test.no_condition" not in REGISTRY
