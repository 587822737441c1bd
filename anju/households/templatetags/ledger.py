from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anju.households.ledger.report import FIELD_LABELS, LABELS

register = template.Library()


@register.filter
def ledger_counts(report: dict):
    """[(title, [(label, n), …]), …] for the created/updated/removed/unchanged counts of a
    stored report, with translated labels and the zeros left out."""
    out = []
    for key, title in (
        ("created", _("Created")),
        ("updated", _("Updated")),
        ("removed", _("Removed")),
        ("unchanged", _("Unchanged")),
    ):
        counts = [(str(LABELS.get(k, k)), n) for k, n in (report.get(key) or {}).items() if n]
        out.append((title, counts))
    return out


@register.filter
def ledger_fields(fields) -> str:
    """The changed fields of a household in the preview, in the reader's language."""
    separator = pgettext("list separator", ", ")
    return separator.join(str(FIELD_LABELS.get(f, f)) for f in fields or [])
