"""Consequence rules: each grade raises its scheme's consequences once, with their
dates and percents; a termination is proposed only after the set number of failing
periods in a row; the messages, timeline entries and tasks that go with them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.core.errors import DomainError
from anju.core.models import Message, MessageChannel, Task, TimelineEntry
from anju.evaluation.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceRule,
    ConsequenceState,
    Evaluation,
    Grade,
    Indicator,
    IndicatorUnit,
    PartyKind,
    Period,
    PeriodKind,
    PeriodStatus,
    Scheme,
    SchemeLine,
)
from anju.evaluation.services.consequences import raise_for_period

K = ConsequenceKind
S = ConsequenceState
PUBLISHED_AT = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Changzhi
DAY = datetime.date(2026, 4, 10)


# --- Hand-built data, shared by the other evaluation tests -------------------------------


def indicator(party_kind, code=None, **values) -> Indicator:
    code = code or f"m_{party_kind}"
    return Indicator.objects.get_or_create(
        code=code,
        defaults={
            "party_kind": party_kind,
            "name_zh": f"指标{code}",
            "name_en": f"Indicator {code}",
            "definition_zh": "人工评分",
            "unit": IndicatorUnit.SCORE,
            "source": "manual",
            **values,
        },
    )[0]


def scheme(party_kind, *, period_kind=PeriodKind.QUARTER, version=None, published=True, rules=()):
    """A scheme with one manual line and the given rules: (grade, kind, {field: value}),
    as the next version of its kind (after any the migrations seeded)."""
    if version is None:
        latest = Scheme.objects.filter(party_kind=party_kind, period_kind=period_kind)
        version = (latest.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    s = Scheme.objects.create(
        party_kind=party_kind,
        period_kind=period_kind,
        version=version,
        effective_from=datetime.date(2025, 1, 1),
        source="安居考核办法（试行）",
        published_at=timezone.now() if published else None,
    )
    SchemeLine.objects.create(
        scheme=s, indicator=indicator(party_kind), weight=1, target=100, zero_at=0
    )
    for grade, kind, extra in rules:
        ConsequenceRule.objects.create(scheme=s, grade=grade, kind=kind, **extra)
    return s


def period(officer, starts_on, *, kind=PeriodKind.QUARTER, status=PeriodStatus.PUBLISHED):
    months = 3 if kind == PeriodKind.QUARTER else 12
    end_month = starts_on.month + months
    ends_on = datetime.date(
        starts_on.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1
    ) - datetime.timedelta(days=1)
    return Period.objects.create(
        name=f"{kind}-{starts_on.isoformat()}",
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        opened_by=officer,
        published_at=PUBLISHED_AT if status == PeriodStatus.PUBLISHED else None,
        published_by=officer if status == PeriodStatus.PUBLISHED else None,
    )


def evaluate(p, s, party, grade, *, total=None) -> Evaluation:
    tenant = s.party_kind == PartyKind.TENANT
    return Evaluation.objects.create(
        period=p,
        scheme=s,
        party_kind=s.party_kind,
        household=party if tenant else None,
        organisation=None if tenant else party,
        estate=party.estate if tenant else None,
        grade=grade,
        total=total,
    )


def quarter(n: int) -> datetime.date:
    """The first day of the n-th quarter from 2025 Q1."""
    return datetime.date(2025 + n // 4, 3 * (n % 4) + 1, 1)


TENANT_RULES = [
    (Grade.EXCELLENT, K.GOOD_STANDING, {"days": 365}),
    (Grade.EXCELLENT, K.RENT_DISCOUNT, {"days": 90}),
    (Grade.EXCELLENT, K.HARMONIOUS_TITLE, {}),
    (Grade.PASS, K.TENANT_WARNING, {}),
    (Grade.FAIL, K.INTERVIEW, {"days": 14}),
    (Grade.FAIL, K.POINTS_REFERRAL, {}),
]
PARTY_RULES = [
    (Grade.EXCELLENT, K.COMMENDATION, {}),
    (Grade.EXCELLENT, K.FEE_ADJUSTMENT, {"percent": Decimal("3.00")}),
    (Grade.GOOD, K.RENEWAL_ELIGIBLE, {"days": 365}),
    (Grade.FAIL, K.RECTIFICATION, {"days": 30}),
    (Grade.FAIL, K.FEE_ADJUSTMENT, {"percent": Decimal("-5.00")}),
    (Grade.FAIL, K.TERMINATION, {"consecutive_fails": 2}),
]


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def kinds(evaluation):
    return sorted(evaluation.consequences.values_list("kind", flat=True))


# --- Raising ------------------------------------------------------------------------------


def test_each_tenant_grade_raises_its_consequences_with_their_dates(cast):
    s = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    p = period(cast.officer, quarter(4))
    alice = evaluate(p, s, cast.alice_household, Grade.EXCELLENT)
    charlie = evaluate(p, s, cast.charlie_household, Grade.FAIL)

    assert raise_for_period(p, actor=cast.officer) == 5
    assert kinds(alice) == sorted([K.GOOD_STANDING, K.RENT_DISCOUNT, K.HARMONIOUS_TITLE])
    assert kinds(charlie) == sorted([K.INTERVIEW, K.POINTS_REFERRAL])
    standing = alice.consequences.get(kind=K.GOOD_STANDING)
    assert standing.state == S.IN_EFFECT
    assert standing.valid_from == DAY  # the publication day, in the district's time
    assert standing.valid_until == DAY + datetime.timedelta(days=365)
    assert alice.consequences.get(kind=K.HARMONIOUS_TITLE).valid_until is None
    interview = charlie.consequences.get(kind=K.INTERVIEW)
    assert interview.due_on == DAY + datetime.timedelta(days=14)
    assert interview.valid_until is None


def test_the_rent_discount_takes_the_rule_sets_percent_when_the_rule_has_none(cast):
    from anju.testing.admission import make_ruleset

    ruleset = make_ruleset(cast.officer)
    ruleset.conduct_rent_discount = Decimal("7.50")
    ruleset.save(update_fields=["conduct_rent_discount"])
    s = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    p = period(cast.officer, quarter(4))
    alice = evaluate(p, s, cast.alice_household, Grade.EXCELLENT)
    raise_for_period(p, actor=cast.officer)
    assert alice.consequences.get(kind=K.RENT_DISCOUNT).percent == Decimal("7.50")
    # A percent on the rule wins.
    s2 = scheme(
        PartyKind.TENANT,
        rules=[(Grade.EXCELLENT, K.RENT_DISCOUNT, {"percent": Decimal("4.00")})],
    )
    p2 = period(cast.officer, quarter(5))
    alice2 = evaluate(p2, s2, cast.alice_household, Grade.EXCELLENT)
    raise_for_period(p2, actor=cast.officer)
    assert alice2.consequences.get().percent == Decimal("4.00")


def test_each_party_grade_raises_its_consequences(cast):
    s = scheme(PartyKind.PROPERTY, rules=PARTY_RULES)
    p = period(cast.officer, quarter(4))
    p1 = evaluate(p, s, cast.property_1, Grade.EXCELLENT)
    p2 = evaluate(p, s, cast.property_2, Grade.FAIL)
    raise_for_period(p, actor=cast.officer)
    assert kinds(p1) == sorted([K.COMMENDATION, K.FEE_ADJUSTMENT])
    assert p1.consequences.get(kind=K.FEE_ADJUSTMENT).percent == Decimal("3.00")
    # A single fail: rectification and deduction, but no termination.
    assert kinds(p2) == sorted([K.RECTIFICATION, K.FEE_ADJUSTMENT])
    rectification = p2.consequences.get(kind=K.RECTIFICATION)
    assert rectification.due_on == DAY + datetime.timedelta(days=30)
    assert p2.consequences.get(kind=K.FEE_ADJUSTMENT).percent == Decimal("-5.00")


def test_raising_twice_creates_and_sends_nothing_new(cast):
    s = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    p = period(cast.officer, quarter(4))
    evaluate(p, s, cast.alice_household, Grade.EXCELLENT)
    evaluate(p, s, cast.charlie_household, Grade.FAIL)
    assert raise_for_period(p, actor=cast.officer) == 5
    counts = (Consequence.objects.count(), Message.objects.count(), Task.objects.count())
    entries = TimelineEntry.objects.filter(verb="evaluation.consequence").count()
    assert raise_for_period(p, actor=cast.officer) == 0
    assert counts == (Consequence.objects.count(), Message.objects.count(), Task.objects.count())
    assert entries == TimelineEntry.objects.filter(verb="evaluation.consequence").count() == 5


def test_an_unpublished_period_raises_nothing(cast):
    s = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    p = period(cast.officer, quarter(4), status=PeriodStatus.DISCLOSED)
    evaluate(p, s, cast.alice_household, Grade.EXCELLENT)
    with pytest.raises(DomainError):
        raise_for_period(p, actor=cast.officer)
    assert not Consequence.objects.exists()


def _history(cast, grades, *, party=None, kind=PeriodKind.QUARTER):
    """Publish one period after another with `party` graded as given; the
    consequences raised by each."""
    party = party or cast.property_2
    s = scheme(PartyKind.PROPERTY, period_kind=kind, rules=PARTY_RULES)
    raised = []
    for n, grade in enumerate(grades):
        p = period(
            cast.officer, quarter(n) if kind == PeriodKind.QUARTER else quarter(4 * n), kind=kind
        )
        e = evaluate(p, s, party, grade)
        raise_for_period(p, actor=cast.officer)
        raised.append(kinds(e))
    return raised


def test_termination_is_proposed_after_exactly_two_failing_periods_in_a_row(cast):
    raised = _history(cast, [Grade.PASS, Grade.FAIL, Grade.FAIL, Grade.FAIL])
    assert [K.TERMINATION in r for r in raised] == [False, False, True, True]
    termination = Consequence.objects.filter(kind=K.TERMINATION).order_by("pk").first()
    assert termination.state == S.PROPOSED
    # The authority has a task to decide it.
    assert (
        Task.objects.filter(kind="evaluation.termination", organisation=cast.authority).count() == 2
    )


def test_fail_pass_fail_proposes_no_termination(cast):
    raised = _history(cast, [Grade.FAIL, Grade.PASS, Grade.FAIL])
    assert not any(K.TERMINATION in r for r in raised)


def test_a_single_fail_proposes_no_termination(cast):
    raised = _history(cast, [Grade.FAIL])
    assert raised == [sorted([K.RECTIFICATION, K.FEE_ADJUSTMENT])]


def test_a_failing_period_of_another_kind_does_not_count(cast):
    s_year = scheme(PartyKind.PROPERTY, period_kind=PeriodKind.YEAR, rules=PARTY_RULES)
    year = period(cast.officer, quarter(0), kind=PeriodKind.YEAR)
    evaluate(year, s_year, cast.property_2, Grade.FAIL)
    raise_for_period(year, actor=cast.officer)
    raised = _history(cast, [Grade.PASS, Grade.PASS, Grade.PASS, Grade.FAIL])
    assert K.TERMINATION not in raised[-1]


def test_another_partys_fails_do_not_count(cast):
    s = scheme(PartyKind.PROPERTY, rules=PARTY_RULES)
    first = period(cast.officer, quarter(0))
    evaluate(first, s, cast.property_1, Grade.FAIL)
    evaluate(first, s, cast.property_2, Grade.PASS)
    raise_for_period(first, actor=cast.officer)
    second = period(cast.officer, quarter(1))
    p1 = evaluate(second, s, cast.property_1, Grade.FAIL)
    p2 = evaluate(second, s, cast.property_2, Grade.FAIL)
    raise_for_period(second, actor=cast.officer)
    assert K.TERMINATION in kinds(p1)
    assert K.TERMINATION not in kinds(p2)


def test_the_parties_hear_of_their_consequences(cast):
    s_t = scheme(PartyKind.TENANT, rules=TENANT_RULES)
    s_p = scheme(PartyKind.PROPERTY, rules=PARTY_RULES)
    p = period(cast.officer, quarter(4))
    evaluate(p, s_t, cast.charlie_household, Grade.FAIL)
    evaluate(p, s_p, cast.property_1, Grade.FAIL)
    raise_for_period(p, actor=cast.officer)
    # Charlie's household reads two portal messages; its timeline says what follows.
    household = Message.objects.filter(household=cast.charlie_household)
    assert household.count() == 2
    assert {m.channel for m in household} == {MessageChannel.PORTAL}
    assert (
        TimelineEntry.objects.filter(
            household=cast.charlie_household, verb="evaluation.consequence"
        ).count()
        == 2
    )
    # P1's staff (the manager and the repairer) each get an in-app message a consequence.
    for user in (cast.propmgr, cast.repairer):
        assert Message.objects.filter(user=user, channel=MessageChannel.IN_APP).count() == 2
    assert not Message.objects.filter(user=cast.operator).exists()
    # The community of Charlie's estate holds the interview; the authority checks the
    # rectification at its deadline.
    interview = Task.objects.get(kind="evaluation.interview")
    assert interview.organisation == cast.community_b
    assert interview.household == cast.charlie_household
    assert interview.due_on == DAY + datetime.timedelta(days=14)
    check = Task.objects.get(kind="evaluation.rectification")
    assert check.organisation == cast.authority
    assert check.due_on == DAY + datetime.timedelta(days=30)
