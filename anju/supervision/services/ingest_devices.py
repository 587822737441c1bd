"""The device registry's two staff actions: confirming a device that registered itself
on first sight (optionally saying it is a gate, which serves a whole estate, rather
than a unit's lock), and retiring one that was replaced or removed. A retired device
that reports again is still accepted: the data is not lost, and the page shows it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from ..models import Device, DeviceKind

timeline.register("device.confirmed", gettext_lazy("Device %(code)s (%(kind)s) confirmed"))
timeline.register("device.retired", gettext_lazy("Device %(code)s retired: %(reason)s"))


def device_confirm(device: Device, *, actor, as_gate: bool = False, notes: str = "") -> Device:
    """Confirm that the device is where it said it is. `as_gate` turns a door device
    into the estate's gate (no unit)."""
    if device.retired_at is not None:
        raise DomainError(_("A retired device cannot be confirmed."), code="device_retired")
    if device.confirmed_at is not None:
        raise DomainError(_("This device is already confirmed."), code="device_confirmed")
    if as_gate and device.kind == DeviceKind.METER:
        raise DomainError(_("A meter cannot be a gate."), code="meter_not_gate")
    before = audit.snapshot(device, ["kind", "unit", "notes"])
    with transaction.atomic():
        device.confirmed_at = timezone.now()
        device.confirmed_by = actor
        fields = ["confirmed_at", "confirmed_by"]
        if as_gate:
            device.kind, device.unit = DeviceKind.GATE, None
            fields += ["kind", "unit"]
        if notes:
            device.notes = notes[:200]
            fields.append("notes")
        unit = device.unit
        device.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="device.confirm",
            target=device,
            changes={
                **audit.diff(before, audit.snapshot(device, ["kind", "unit", "notes"])),
                "confirmed_at": device.confirmed_at,
            },
        )
        if unit is not None:  # a gate has no unit, and no timeline of its own
            timeline.add(
                "device.confirmed", actor=actor, for_unit=unit, code=device.code, kind=device.kind
            )
    return device


def device_retire(device: Device, *, actor, reason: str) -> Device:
    """Take the device out of service (replaced, removed, broken)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the device is retired."), code="reason_required")
    if device.retired_at is not None:
        raise DomainError(_("This device is already retired."), code="device_retired")
    with transaction.atomic():
        device.retired_at = timezone.now()
        device.notes = reason[:200]
        device.save(update_fields=["retired_at", "notes"])
        audit.record(
            actor=actor,
            action="device.retire",
            target=device,
            changes={"retired_at": device.retired_at, "reason": device.notes},
        )
        if device.unit is not None:
            timeline.add(
                "device.retired",
                actor=actor,
                for_unit=device.unit,
                code=device.code,
                reason=device.notes,
            )
    return device
