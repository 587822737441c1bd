"""The story of a household and of a unit, written by the services as they act.

Entries store a verb and its data; the sentence is rendered at display time so that a
Chinese reader and an English reader each see it in their own language."""

from django.utils.translation import gettext_lazy as _

from .models import TimelineEntry

VERBS = {
    "household.created": _("Household %(number)s registered (%(category)s)"),
    "household.updated": _("Household details changed: %(fields)s"),
    "household.imported": _("Imported from the legacy ledger (%(source)s)"),
    "member.added": _("%(name)s joined the household as %(relation)s"),
    "member.updated": _("%(name)s's details changed: %(fields)s"),
    "member.left": _("%(name)s left the household"),
    "head.changed": _("%(name)s became head of household"),
    "lease.started": _("Lease %(number)s for unit %(unit)s began on %(start)s"),
    "lease.ended": _("Lease %(number)s for unit %(unit)s ended on %(end)s"),
    "unit.status": _("Unit %(unit)s: %(old)s → %(new)s"),
    "unit.created": _("Unit %(unit)s entered the housing stock"),
    "document.added": _("Document added: %(title)s"),
    "paper.moved": _("Paper file kept at %(location)s"),
    "paper.borrowed": _("Paper file lent to %(borrower)s"),
    "paper.returned": _("Paper file returned by %(borrower)s"),
    "pii.unmasked": _("%(who)s revealed the %(field)s of %(name)s"),
}


def register(verb: str, template) -> None:
    VERBS[verb] = template


def add(
    verb: str, *, actor=None, for_household=None, for_unit=None, at=None, **data
) -> TimelineEntry:
    return build(
        verb, actor=actor, for_household=for_household, for_unit=for_unit, at=at, **data
    ).save_and_return()


def build(
    verb: str, *, actor=None, for_household=None, for_unit=None, at=None, **data
) -> TimelineEntry:
    """An unsaved entry, for bulk_create in the bulk paths. `data` holds the values the
    verb's sentence names; keep them plain (strings, numbers, choice codes)."""
    entry = TimelineEntry(verb=verb, actor=actor, household=for_household, unit=for_unit, data=data)
    if at:
        entry.at = at
    return entry


def render(entry: TimelineEntry) -> str:
    template = VERBS.get(entry.verb)
    if template is None:
        return entry.verb
    try:
        return str(template) % {k: _translate_value(v) for k, v in entry.data.items()}
    except (KeyError, TypeError, ValueError):
        return entry.verb


def _translate_value(value):
    # Choice labels are stored as their codes; show them as the reader's label.
    from .labels import label_for

    return label_for(value)
