"""The story of a household and of a unit, written by the services as they act.

Entries store a verb and its data; the sentence is rendered at display time so that a
Chinese reader and an English reader each see it in their own language."""

from collections.abc import Iterable

from django.db import connection
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
    "credentials.revoked": _("%(count)s door credentials revoked"),
    "archive.closed": _("Archive closed: %(reason)s"),
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


def add_many(entries: Iterable[TimelineEntry], *, batch: int = 5000) -> int:
    """Write unsaved entries (from `build`) in bulk: one prepared INSERT run over each
    batch, each value prepared by its own field as the ORM would. A round of 100,000
    households writes an entry for each, and `bulk_create` spent most of the draw
    building its SQL."""
    names = ("at", "household", "unit", "actor", "verb", "data")
    fields = [f for f in TimelineEntry._meta.concrete_fields if f.name in names]
    table = connection.ops.quote_name(TimelineEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    written = 0
    rows: list[list] = []
    with connection.cursor() as cursor:
        for entry in entries:
            rows.append([f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields])
            if len(rows) == batch:
                cursor.executemany(sql, rows)
                written, rows = written + len(rows), []
        if rows:
            cursor.executemany(sql, rows)
            written += len(rows)
    return written


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
