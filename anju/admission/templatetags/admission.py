"""Template filters of the admission app: the pre-check's verdicts in words."""

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from anju.admission.services import precheck

register = template.Library()

# Outcome → (badge colour, icon) for the pre-check partial.
OUTCOME_LOOK = {
    "met": ("bg-green-lt", "ti-check"),
    "not_met": ("bg-red-lt", "ti-x"),
    "unknown": ("bg-yellow-lt", "ti-help"),
    "n_a": ("bg-secondary-lt", "ti-minus"),
}


@register.filter
def criterion_sentence(result) -> str:
    """A CriterionResult (or a pre-check Verdict) in words: "per-capita monthly income
    (yuan) 1,480 ≤ 1,600: met"."""
    return precheck.sentence(result.code, result.outcome, result.actual, result.limit)


@register.filter
def outcome_badge(outcome: str) -> str:
    return OUTCOME_LOOK.get(outcome, OUTCOME_LOOK["unknown"])[0]


@register.filter
def outcome_icon(outcome: str) -> str:
    return OUTCOME_LOOK.get(outcome, OUTCOME_LOOK["unknown"])[1]


@register.simple_tag
def precheck_rows(criteria) -> dict:
    """The criteria split for the partial: those that apply (`shown`), the names of
    those that do not, joined (`not_applicable`), and the date they were evaluated."""
    criteria = list(criteria or ())
    shown = [c for c in criteria if c.outcome != "n_a"]
    names: list[str] = []
    for c in criteria:
        if c.outcome == "n_a":
            name = str(precheck.CRITERIA.get(c.code, (c.code, ""))[0])
            if name not in names:
                names.append(name)
    evaluated = next((c.evaluated_at for c in criteria if c.evaluated_at), None)
    return {
        "shown": shown,
        "not_applicable": pgettext("list separator", ", ").join(names),
        "evaluated_on": timezone.localdate(evaluated) if evaluated else None,
        "count": len(criteria),
    }


@register.simple_tag
def priority_grounds(application, on=None) -> str:
    """The priority grounds the household held on `on` (the day of the pre-check), in
    words, "" for none (two queries: the members and the rule set's priority lines)."""
    if application is None or application.priority_group is None:
        return ""
    separator = pgettext("list separator", ", ")
    grounds = precheck.grounds_in_words(application, on=on or timezone.localdate())
    return separator.join(str(g) for g in grounds)


@register.filter
def area_standard(rows) -> str:
    """[[1, 40], [2, 50], [3, 60]] → "1 person: 40 m² · 2 persons: 50 m² · 3 or more: 60 m²"."""
    rows = sorted(rows or [])
    parts = []
    for index, (size, area) in enumerate(rows):
        if index == len(rows) - 1 and len(rows) > 1:
            who = _("%(n)s or more") % {"n": size}
        else:
            who = ngettext("%(n)s person", "%(n)s persons", size) % {"n": size}
        parts.append(_("%(who)s: %(area)s m²") % {"who": who, "area": area})
    return " · ".join(parts)


@register.filter
def rule_value(value, kind: str) -> str:
    """One limit of a category line as the rules tables show it; "—" when it does not
    apply."""
    if kind == "yesno":
        return _("yes") if value else _("no")
    if value is None or value == []:
        return "—"
    if kind == "money":
        value = Decimal(value)
        return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.2f}"
    if kind == "area":
        return _("%(area)s m²") % {"area": format(Decimal(value).normalize(), "f")}
    if kind == "share":
        return f"{Decimal(value) * 100:.0f}%"
    if kind == "areas":
        return area_standard(value)
    return str(value)


@register.filter
def multiple(value) -> str:
    """A multiple as people write it: 1.50 → "1.5", 2.00 → "2"."""
    from anju.admission.services.rules import plain_number

    return plain_number(value) if value is not None else ""
