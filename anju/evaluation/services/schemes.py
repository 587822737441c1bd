"""Evaluation schemes (考核方案), versioned like the admission rules.

A new version is copied, lines and consequence rules, from the latest version of its
party and period kind (`scheme_create`), edited as a draft and published. A draft is
edited freely. A published version's lines and rules never change (a new version
instead); its dates, source, thresholds and objection days may change only with a
citation of the amending document, and only while no period has used it: once an
evaluation was scored by a scheme, that scheme stays as it was. Every change is
audited with its before and after."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError

from ..models import (
    TENANT_CONSEQUENCES,
    ConsequenceKind,
    ConsequenceRule,
    Direction,
    Grade,
    Indicator,
    PartyKind,
    PeriodKind,
    Scheme,
    SchemeLine,
)

K = ConsequenceKind
SCHEME_FIELDS = [
    "effective_from",
    "source",
    "excellent_from",
    "good_from",
    "pass_from",
    "objection_days",
]
LINE_FIELDS = ["weight", "target", "zero_at", "sort"]
RULE_FIELDS = ["grade", "kind", "percent", "days", "consecutive_fails"]
HUNDRED = Decimal(100)


def _unknown(values: dict, allowed: list[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))},
            code="unknown_field",
        )


# --- Versions -----------------------------------------------------------------------------


def scheme_create(
    *, actor, party_kind: str, period_kind: str, effective_from: date, source: str
) -> Scheme:
    """The next version of the party and period kind's scheme: a copy (thresholds,
    objection days, lines and consequence rules) of its latest version, as a draft."""
    source = _source(source)
    if party_kind not in PartyKind.values or period_kind not in PeriodKind.values:
        raise DomainError(_("Choose the party kind and the period kind."), code="choice")
    with transaction.atomic():
        previous = (
            Scheme.objects.select_for_update()
            .filter(party_kind=party_kind, period_kind=period_kind)
            .order_by("-version")
            .first()
        )
        if previous is None:
            raise DomainError(
                _("There is no earlier scheme of this kind to copy."), code="nothing_to_copy"
            )
        scheme = Scheme.objects.create(
            party_kind=party_kind,
            period_kind=period_kind,
            version=previous.version + 1,
            effective_from=effective_from,
            source=source,
            excellent_from=previous.excellent_from,
            good_from=previous.good_from,
            pass_from=previous.pass_from,
            objection_days=previous.objection_days,
            created_by=actor,
        )
        lines = list(previous.lines.all())
        for line in lines:
            line.pk, line.scheme = None, scheme
        SchemeLine.objects.bulk_create(lines)
        rules = list(previous.consequence_rules.all())
        for rule in rules:
            rule.pk, rule.scheme = None, scheme
        ConsequenceRule.objects.bulk_create(rules)
        audit.record(
            actor=actor,
            action="evaluation.scheme.create",
            target=scheme,
            changes={
                **audit.snapshot(scheme, ["party_kind", "period_kind", "version", *SCHEME_FIELDS]),
                "copied_from": previous.version,
                "lines": len(lines),
                "rules": len(rules),
            },
        )
    return scheme


def scheme_in_use(scheme: Scheme) -> bool:
    return scheme.evaluations.exists()


def scheme_update(scheme: Scheme, *, actor, citation: str = "", **values) -> Scheme:
    """Change the dates, source, grade thresholds or objection days. A draft freely; a
    published scheme only with a citation, and never once an evaluation used it."""
    _unknown(values, SCHEME_FIELDS)
    citation = (citation or "").strip()
    if scheme.published_at:
        if scheme_in_use(scheme):
            raise DomainError(
                _("A period has scored by this scheme: start a new version instead."),
                code="in_use",
            )
        if not citation:
            raise DomainError(
                _("This scheme is published: a change must cite the document that amends it."),
                code="citation_required",
            )
    if "source" in values:
        values["source"] = _source(values["source"])
    if "effective_from" in values and not values["effective_from"]:
        raise DomainError(_("Give the date the scheme takes effect."), code="effective_from")
    if "objection_days" in values and (
        values["objection_days"] is None or values["objection_days"] < 1
    ):
        raise DomainError(_("A party has at least one day to object."), code="objection_days")
    thresholds = [
        values.get(name, getattr(scheme, name))
        for name in ("pass_from", "good_from", "excellent_from")
    ]
    if any(t is None for t in thresholds):
        raise DomainError(_("Give every grade's threshold."), code="thresholds")
    low, mid, high = (Decimal(t) for t in thresholds)
    if not (0 <= low <= mid <= high <= HUNDRED):
        raise DomainError(
            _("The thresholds must be ordered: 0 ≤ pass ≤ good ≤ excellent ≤ 100."),
            code="thresholds",
        )
    audit.save_audited(
        scheme,
        actor=actor,
        action="evaluation.scheme.update",
        fields=SCHEME_FIELDS,
        values=values,
        citation=citation,
        context={"version": scheme.version},
    )
    return scheme


def scheme_publish(scheme: Scheme, *, actor) -> Scheme:
    """Publish: from its effective date, periods of its kind score by it."""
    if scheme.published_at:
        raise DomainError(_("This scheme is already published."), code="published")
    if not scheme.lines.filter(weight__gt=0).exists():
        raise DomainError(
            _("The scheme needs at least one indicator with a weight above nought."),
            code="empty",
        )
    with transaction.atomic():
        scheme.published_at = timezone.now()
        scheme.save(update_fields=["published_at"])
        audit.record(
            actor=actor,
            action="evaluation.scheme.publish",
            target=scheme,
            changes={"version": scheme.version, "published_at": scheme.published_at},
        )
    return scheme


def _source(value) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Name the source document of the scheme."), code="source")
    return value


def _draft(scheme: Scheme) -> None:
    if scheme.published_at:
        raise DomainError(
            _("A published scheme's indicators and rules never change: start a new version."),
            code="published",
        )


# --- Lines --------------------------------------------------------------------------------


def _check_line(indicator: Indicator, *, weight, target, zero_at) -> None:
    if weight is None or Decimal(weight) < 0:
        raise DomainError(_("A weight cannot be negative."), code="weight")
    if target is None or zero_at is None:
        raise DomainError(_("Give the target and the value that scores nought."), code="target")
    target, zero_at = Decimal(target), Decimal(zero_at)
    if indicator.direction == Direction.HIGHER and not target > zero_at:
        raise DomainError(
            _(
                "Higher is better for “%(i)s”: the target must be above the value "
                "that scores nought."
            )
            % {"i": indicator.name},
            code="direction",
        )
    if indicator.direction == Direction.LOWER and not target < zero_at:
        raise DomainError(
            _("Lower is better for “%(i)s”: the target must be below the value that scores nought.")
            % {"i": indicator.name},
            code="direction",
        )


def line_add(
    scheme: Scheme, *, actor, indicator: Indicator, weight, target, zero_at, sort: int | None = None
) -> SchemeLine:
    """Add an indicator to a draft scheme, with its weight, target and nought."""
    _draft(scheme)
    if indicator.party_kind != scheme.party_kind:
        raise DomainError(
            _("“%(i)s” measures another kind of party.") % {"i": indicator.name},
            code="party_kind",
        )
    if not indicator.is_active:
        raise DomainError(_("This indicator is no longer in use."), code="inactive")
    if scheme.lines.filter(indicator=indicator).exists():
        raise DomainError(
            _("“%(i)s” is already in the scheme.") % {"i": indicator.name}, code="duplicate"
        )
    _check_line(indicator, weight=weight, target=target, zero_at=zero_at)
    if sort is None:
        sort = (scheme.lines.order_by("-sort").values_list("sort", flat=True).first() or 0) + 10
    with transaction.atomic():
        line = SchemeLine.objects.create(
            scheme=scheme,
            indicator=indicator,
            weight=weight,
            target=target,
            zero_at=zero_at,
            sort=sort,
        )
        audit.record(
            actor=actor,
            action="evaluation.scheme.line_add",
            target=scheme,
            changes={"indicator": indicator.code, **audit.snapshot(line, LINE_FIELDS)},
        )
    return line


def line_update(line: SchemeLine, *, actor, **values) -> SchemeLine:
    """Change a draft line's weight, target, nought or order."""
    _unknown(values, LINE_FIELDS)
    _draft(line.scheme)
    _check_line(
        line.indicator,
        weight=values.get("weight", line.weight),
        target=values.get("target", line.target),
        zero_at=values.get("zero_at", line.zero_at),
    )
    audit.save_audited(
        line,
        actor=actor,
        action="evaluation.scheme.line_update",
        fields=LINE_FIELDS,
        values=values,
        citation="",
        context={"scheme": line.scheme_id, "indicator": line.indicator.code},
    )
    return line


def line_remove(line: SchemeLine, *, actor) -> None:
    _draft(line.scheme)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="evaluation.scheme.line_remove",
            target=line.scheme,
            changes={"indicator": line.indicator.code, **audit.snapshot(line, LINE_FIELDS)},
        )
        line.delete()


# --- Consequence rules --------------------------------------------------------------------


def _check_rule(scheme: Scheme, *, grade, kind, percent, days, consecutive_fails) -> None:
    if grade not in Grade.values:
        raise DomainError(_("Choose the grade the rule follows."), code="grade")
    if kind not in K.values:
        raise DomainError(_("Choose the consequence."), code="kind")
    tenant = scheme.party_kind == PartyKind.TENANT
    if tenant != (kind in TENANT_CONSEQUENCES):
        raise DomainError(
            _("“%(k)s” does not follow a %(p)s's grade.")
            % {"k": K(kind).label, "p": scheme.get_party_kind_display()},
            code="kind_party",
        )
    if kind == K.TERMINATION:
        if grade != Grade.FAIL:
            raise DomainError(
                _("A termination can only follow a failing grade."), code="termination_grade"
            )
        if consecutive_fails is None or consecutive_fails < 2:
            raise DomainError(
                _("A termination follows at least two failing periods in a row."),
                code="consecutive_fails",
            )
    elif consecutive_fails is not None:
        raise DomainError(
            _("Only a termination counts failing periods in a row."), code="consecutive_fails"
        )
    if kind == K.FEE_ADJUSTMENT and (percent is None or Decimal(percent) == 0):
        raise DomainError(
            _("Give the bonus (positive) or deduction (negative) as a percent of the fee."),
            code="percent",
        )
    if percent is not None and not (-HUNDRED <= Decimal(percent) <= HUNDRED):
        raise DomainError(_("A percent lies between -100 and 100."), code="percent")
    if kind == K.RENT_DISCOUNT and percent is not None and not (0 < Decimal(percent) <= HUNDRED):
        raise DomainError(_("A rent discount is above 0% and at most 100%."), code="percent")
    if kind in (K.RECTIFICATION, K.INTERVIEW) and (days is None or days < 1):
        raise DomainError(
            _("Give the days allowed for a rectification or an interview."), code="days"
        )


def rule_add(
    scheme: Scheme,
    *,
    actor,
    grade: str,
    kind: str,
    percent=None,
    days: int | None = None,
    consecutive_fails: int | None = None,
) -> ConsequenceRule:
    """Add a consequence to a draft scheme: what follows `grade`."""
    _draft(scheme)
    _check_rule(
        scheme,
        grade=grade,
        kind=kind,
        percent=percent,
        days=days,
        consecutive_fails=consecutive_fails,
    )
    if scheme.consequence_rules.filter(grade=grade, kind=kind).exists():
        raise DomainError(_("This grade already has that consequence."), code="duplicate")
    with transaction.atomic():
        rule = ConsequenceRule.objects.create(
            scheme=scheme,
            grade=grade,
            kind=kind,
            percent=percent,
            days=days,
            consecutive_fails=consecutive_fails,
        )
        audit.record(
            actor=actor,
            action="evaluation.scheme.rule_add",
            target=scheme,
            changes=audit.snapshot(rule, RULE_FIELDS),
        )
    return rule


def rule_remove(rule: ConsequenceRule, *, actor) -> None:
    _draft(rule.scheme)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="evaluation.scheme.rule_remove",
            target=rule.scheme,
            changes=audit.snapshot(rule, RULE_FIELDS),
        )
        rule.delete()
