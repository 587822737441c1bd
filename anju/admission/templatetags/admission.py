"""Template filters of the admission app: the pre-check's verdicts in words."""

from django import template
from django.utils import timezone
from django.utils.translation import pgettext

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
def priority_grounds(application, criteria=()) -> str:
    """The priority grounds the household held when it was pre-checked, in words, ""
    for none (two queries: the members and the rule set's priority lines)."""
    if application is None or application.priority_group is None:
        return ""
    evaluated = next((c.evaluated_at for c in criteria if c.evaluated_at), None)
    on = timezone.localdate(evaluated) if evaluated else timezone.localdate()
    separator = pgettext("list separator", ", ")
    return separator.join(str(g) for g in precheck.grounds_in_words(application, on=on))
