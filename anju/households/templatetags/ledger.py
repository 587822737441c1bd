from django import template
from django.utils.translation import pgettext

from anju.households.ledger.report import FIELD_LABELS, count_groups

register = template.Library()


@register.filter
def ledger_counts(report: dict):
    """The created/updated/removed/unchanged counts of a stored report, for the page."""
    return count_groups(report)


@register.filter
def ledger_fields(fields) -> str:
    """The changed fields of a household in the preview, in the reader's language."""
    separator = pgettext("list separator", ", ")
    return separator.join(str(FIELD_LABELS.get(f, f)) for f in fields or [])
