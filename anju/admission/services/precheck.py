"""The pre-check: an application against the rule set it was made under, one verdict
per criterion, each with a stable code and a sentence in words ("per-capita income
1,480 ≤ 1,600: met"). The applicant and every reviewer see the same sentences.

`evaluate` is pure: it takes the facts of one application and the rule lines, so the
single-application path and the bulk path (`precheck_many`) share it."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    Application,
    CategoryRule,
    CriterionResult,
    Outcome,
    PriorityGround,
    PriorityRule,
)

# code → (what is compared, the comparison sign that means "met")
CRITERIA = {
    "income": (_("per-capita monthly income (yuan)"), "≤"),
    "housing_area": (_("per-capita housing area (m²)"), "≤"),
    "vehicles": (_("vehicles owned"), "≤"),
    "deposits": (_("household deposits (yuan)"), "≤"),
    "business": (_("owns or runs a business"), "="),
    "residence": (_("years of local residence or hukou"), "≥"),
    "insurance": (_("months of local social insurance"), "≥"),
    "age_min": (_("applicant's age"), "≥"),
    "age_max": (_("applicant's age"), "≤"),
}
OUTCOME_WORDS = {o.value: o.label for o in Outcome}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Facts:
    """What the pre-check reads of one application."""

    size: int
    total_income: Decimal
    housing_area_m2: Decimal
    vehicles: int
    deposits: Decimal
    owns_business: bool
    residence_years: int
    insurance_months: int
    applicant_birth: date | None
    on: date


@dataclass(frozen=True)
class Verdict:
    code: str
    outcome: str
    actual: str = ""
    limit: str = ""


def _num(value) -> str:
    """1480 → "1,480"; 1480.5 → "1,480.50"."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(CENT, ROUND_HALF_UP):,}"


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _compare(code, actual, limit, sign) -> Verdict:
    if limit is None:
        return Verdict(code, Outcome.NOT_APPLICABLE, _num(actual) if actual is not None else "")
    if actual is None:
        return Verdict(code, Outcome.UNKNOWN, "", _num(limit))
    met = actual <= limit if sign == "≤" else actual >= limit
    return Verdict(code, Outcome.MET if met else Outcome.NOT_MET, _num(actual), _num(limit))


def evaluate(rule: CategoryRule, facts: Facts) -> list[Verdict]:
    size = max(facts.size, 1)
    per_capita_income = (facts.total_income / size).quantize(CENT, ROUND_HALF_UP)
    per_capita_area = (facts.housing_area_m2 / size).quantize(CENT, ROUND_HALF_UP)
    age = _age(facts.applicant_birth, facts.on) if facts.applicant_birth else None
    verdicts = [
        _compare("income", per_capita_income, rule.income_limit, "≤"),
        _compare("housing_area", per_capita_area, rule.housing_area_limit, "≤"),
        _compare("vehicles", facts.vehicles, rule.max_vehicles, "≤"),
        _compare("deposits", facts.deposits, rule.deposit_limit, "≤"),
    ]
    if rule.business_allowed:
        verdicts.append(Verdict("business", Outcome.NOT_APPLICABLE))
    else:
        verdicts.append(
            Verdict(
                "business",
                Outcome.NOT_MET if facts.owns_business else Outcome.MET,
                str(_("yes") if facts.owns_business else _("no")),
                str(_("no")),
            )
        )
    verdicts += [
        _compare("residence", facts.residence_years, rule.min_residence_years, "≥"),
        _compare("insurance", facts.insurance_months, rule.min_insurance_months, "≥"),
        _compare("age_min", age, rule.min_age, "≥"),
        _compare("age_max", age, rule.max_age, "≤"),
    ]
    return verdicts


def sentence(code: str, outcome: str, actual: str, limit: str) -> str:
    """The verdict in words, in the reader's language."""
    what, sign = CRITERIA.get(code, (code, "?"))
    words = OUTCOME_WORDS.get(outcome, outcome)
    if outcome == Outcome.NOT_APPLICABLE:
        return _("%(what)s: %(outcome)s") % {"what": what, "outcome": words}
    if outcome == Outcome.UNKNOWN:
        return _("%(what)s %(sign)s %(limit)s: %(outcome)s") % {
            "what": what,
            "sign": sign,
            "limit": limit,
            "outcome": words,
        }
    shown_sign = sign if outcome == Outcome.MET else {"≤": ">", "≥": "<", "=": "≠"}[sign]
    return _("%(what)s %(actual)s %(sign)s %(limit)s: %(outcome)s") % {
        "what": what,
        "actual": actual,
        "sign": shown_sign,
        "limit": limit,
        "outcome": words,
    }


def priority_of(priorities: list[PriorityRule], members, on: date) -> tuple[int, int, list[str]]:
    """(group, points, grounds held). A household holding no ground queues in the group
    after the last one the rules name."""
    held = set()
    for member in members:
        held |= set(member.grounds or ())
        if member.disability:
            held.add(PriorityGround.DISABLED)
    by_ground = {p.ground: p for p in priorities}
    elderly = by_ground.get(PriorityGround.ELDERLY)
    if elderly and elderly.min_age is not None:
        if any(_age(m.birth_date, on) >= elderly.min_age for m in members):
            held.add(PriorityGround.ELDERLY)
    else:
        held.discard(PriorityGround.ELDERLY)
    rules = [by_ground[g] for g in held if g in by_ground]
    last = max((p.group for p in priorities), default=0) + 1
    if not rules:
        return last, 0, []
    return (
        min(r.group for r in rules),
        sum(r.points for r in rules),
        sorted(r.ground for r in rules),
    )


def facts_of(application: Application, members, on: date) -> Facts:
    head = next((m for m in members if m.relation == "head"), None)
    return Facts(
        size=len(members),
        total_income=sum((m.monthly_income for m in members), Decimal("0")),
        housing_area_m2=Decimal(str(application.housing_area_m2)),
        vehicles=application.vehicles,
        deposits=Decimal(str(application.deposits)),
        owns_business=application.owns_business,
        residence_years=application.residence_years,
        insurance_months=application.insurance_months,
        applicant_birth=head.birth_date if head else None,
        on=on,
    )


def application_precheck(application: Application, *, on: date | None = None) -> list[Verdict]:
    """Evaluate and store the verdicts (replacing earlier ones), the overall result and
    the priority group and points."""
    on = on or timezone.localdate()
    rule = CategoryRule.objects.filter(
        ruleset=application.ruleset_id, category=application.category
    ).first()
    members = list(application.members.all())
    if rule is None:
        verdicts = [Verdict("category", Outcome.NOT_MET)]
    else:
        verdicts = evaluate(rule, facts_of(application, members, on))
    priorities = list(PriorityRule.objects.filter(ruleset=application.ruleset_id))
    group, points, _grounds = priority_of(priorities, members, on)
    now = timezone.now()
    with transaction.atomic():
        CriterionResult.objects.filter(application=application).delete()
        CriterionResult.objects.bulk_create(
            CriterionResult(
                application=application,
                code=v.code,
                outcome=v.outcome,
                actual=v.actual,
                limit=v.limit,
                evaluated_at=now,
            )
            for v in verdicts
        )
        application.precheck_met = all(v.outcome != Outcome.NOT_MET for v in verdicts)
        application.priority_group, application.points = group, points
        application.save(update_fields=["precheck_met", "priority_group", "points"])
    return verdicts


CRITERIA["category"] = (_("category offered this year"), "=")


def grounds_in_words(application: Application, *, on: date | None = None) -> list[str]:
    """The priority grounds the application's household holds on `on`, as labels."""
    on = on or timezone.localdate()
    priorities = list(PriorityRule.objects.filter(ruleset=application.ruleset_id))
    _group, _points, grounds = priority_of(priorities, list(application.members.all()), on)
    return [PriorityGround(g).label for g in grounds]
