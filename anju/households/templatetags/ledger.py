from django import template
from django.utils.translation import gettext as _

from anju.households.ledger.report import LABELS

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
