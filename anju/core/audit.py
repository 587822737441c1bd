"""The tamper-evident audit log: every change to a record and every reveal of
personal data is appended here, chained by hash."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models, transaction

from .middleware import current_client, current_ip
from .models import AuditEntry, AuditHead, AuditKind


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal | date | datetime):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    """The values of `fields` on `instance`, ready for JSON. Protected fields must not
    be listed here: the audit log stores only masked forms of personal data."""
    out = {}
    for name in fields:
        field = instance._meta.get_field(name)
        out[name] = _plain(getattr(instance, getattr(field, "attname", name)))
    return out


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def save_audited(obj, *, actor, action, fields, values, citation="", context=None) -> dict:
    """Apply `values` to `obj`, save the fields that changed and write one audit entry
    with the before and after of each change, the `citation` of the document that
    ordered it and `context`. Decimals are compared at the field's precision (1600 and
    1600.00 are no change). Returns the changes ({} when nothing changed)."""
    before = snapshot(obj, fields)
    for key, value in values.items():
        field = obj._meta.get_field(key)
        if isinstance(field, models.DecimalField) and value is not None:
            value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
        setattr(obj, key, value)
    changes = diff(before, snapshot(obj, fields))
    if not changes:
        return {}
    with transaction.atomic():
        obj.save(update_fields=list(changes))
        record(
            actor=actor,
            action=action,
            target=obj,
            changes={**(context or {}), **changes, **({"citation": citation} if citation else {})},
        )
    return changes


def _label(obj) -> tuple[str, str, str]:
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:200]
    kind, pk, label = obj
    return kind, str(pk), str(label)[:200]


def record(
    *, actor, action: str, target, changes: dict | None = None, kind: str = AuditKind.CHANGE
) -> AuditEntry:
    return record_many(actor=actor, kind=kind, items=[(action, target, changes or {})])[0]


def record_many(*, actor, items, kind: str = AuditKind.CHANGE) -> list[AuditEntry]:
    """Append entries for (action, target, changes) items in one locked step."""
    ip = current_ip.get()
    actor_label = actor.get_username() if actor is not None else current_client.get() or "system"
    if actor is not None and not isinstance(actor, models.Model):
        actor = None  # a machine client (API key): recorded by its label only
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.last_hash
        entries = []
        for action, target, changes in items:
            target_type, target_id, target_label = _label(target)
            entry = AuditEntry(
                kind=kind,
                actor=actor,
                actor_label=actor_label,
                ip=ip,
                action=action,
                target_type=target_type,
                target_id=target_id,
                target_label=target_label,
                changes={key: _plain(value) for key, value in changes.items()},
                prev_hash=prev,
            )
            entry.hash = entry.compute_hash()
            prev = entry.hash
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        head.last_hash = prev
        head.save(update_fields=["last_hash"])
    return entries


def verify_chain(batch: int = 5000):
    """Walk the log in order. Return (entries_checked, first_broken_entry_or_None)."""
    prev = "0" * 64
    checked = 0
    last_id = 0
    while True:
        chunk = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not chunk:
            break
        for entry in chunk:
            if entry.prev_hash != prev or entry.compute_hash() != entry.hash:
                return checked, entry
            prev = entry.hash
            checked += 1
        last_id = chunk[-1].id
    head = AuditHead.objects.filter(pk=1).first()
    if head and checked and head.last_hash != prev:
        # The newest entries were deleted: the chain no longer reaches the head.
        return checked, _TruncatedTail(prev, head.last_hash)
    return checked, None


class _TruncatedTail:
    def __init__(self, found, expected):
        self.pk = None
        self.found = found
        self.expected = expected

    def __str__(self):
        return f"chain ends at {self.found[:12]}…, head expects {self.expected[:12]}…"
