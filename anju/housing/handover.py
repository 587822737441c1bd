"""What a handover (验房 / 交房) checks, whichever way the keys go: the unit's condition
item by item, the meter readings, the keys and cards counted, the door credentials
enrolled, the photos. Each checker returns the clean value and the problems found, so
a service can name every problem at once and write nothing unless all is well.
Admission's move-in handover and the exits' move-out and exchange handovers use them."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.errors import DomainError
from anju.core.uploads import check_document
from anju.households.models import CredentialKind, Member

# The condition checklist of a handover: every item is checked, ok or not.
CHECKLIST_ITEMS = {
    "doors_windows": gettext_lazy("Doors and windows"),
    "walls": gettext_lazy("Walls and ceilings"),
    "floor": gettext_lazy("Flooring"),
    "kitchen": gettext_lazy("Kitchen"),
    "bathroom": gettext_lazy("Bathroom"),
    "utilities": gettext_lazy("Water, electricity and gas"),
    "furniture": gettext_lazy("Furniture and fittings"),
}
# Meter readings taken at the handover; a unit without gas leaves gas empty.
METERS = {
    "water": gettext_lazy("Water (m³)"),
    "electricity": gettext_lazy("Electricity (kWh)"),
    "gas": gettext_lazy("Gas (m³)"),
}
REQUIRED_METERS = ("water", "electricity")


def checked_checklist(checklist) -> tuple[list[dict], list[str]]:
    rows, problems, seen = [], [], set()
    for row in checklist or ():
        item = row.get("item")
        if item not in CHECKLIST_ITEMS:
            problems.append(_("Unknown checklist item “%(item)s”.") % {"item": item})
            continue
        if item in seen:
            problems.append(_("“%(item)s” is checked twice.") % {"item": CHECKLIST_ITEMS[item]})
            continue
        seen.add(item)
        ok = row.get("ok")
        if ok not in (True, False):
            problems.append(
                _("Say whether “%(item)s” is in order.") % {"item": CHECKLIST_ITEMS[item]}
            )
            continue
        note = (row.get("note") or "").strip()[:200]
        if not ok and not note:
            problems.append(
                _("“%(item)s” is not in order: say what is wrong.")
                % {"item": CHECKLIST_ITEMS[item]}
            )
        rows.append({"item": item, "ok": ok, "note": note})
    for item, label in CHECKLIST_ITEMS.items():
        if item not in seen:
            problems.append(_("“%(item)s” has not been checked.") % {"item": label})
    order = list(CHECKLIST_ITEMS)
    rows.sort(key=lambda row: order.index(row["item"]))
    return rows, problems


def checked_meters(readings) -> tuple[dict[str, str], list[str]]:
    out, problems = {}, []
    readings = readings or {}
    for meter in readings:
        if meter not in METERS:
            problems.append(_("Unknown meter “%(meter)s”.") % {"meter": meter})
    for meter, label in METERS.items():
        raw = readings.get(meter)
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            if meter in REQUIRED_METERS:
                problems.append(_("Read the %(meter)s meter.") % {"meter": label})
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            problems.append(
                _("The %(meter)s reading “%(raw)s” is not a number of 0 or more.")
                % {"meter": label, "raw": raw[:20]}
            )
            continue
        out[meter] = str(value)
    return out, problems


def checked_count(value, label) -> tuple[int, list[str]]:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if count < 0 or count > 99:
        return 0, [_("%(what)s must be a whole number from 0 to 99.") % {"what": label}]
    return count, []


def checked_credentials(credentials, household) -> tuple[list[tuple], list[str]]:
    out, problems, seen = [], [], set()
    current = {m.pk: m for m in household.members.filter(left_at__isnull=True)}
    for row in credentials or ():
        member, kind, ref = row
        member_id = member.pk if isinstance(member, Member) else member
        ref = (ref or "").strip()
        if member_id not in current:
            problems.append(_("A credential is for someone not living in this household."))
            continue
        if kind not in CredentialKind.values:
            problems.append(_("Unknown credential kind “%(kind)s”.") % {"kind": kind})
            continue
        if not ref or len(ref) > 64:
            problems.append(
                _("Give the reference of %(name)s's %(kind)s (up to 64 characters).")
                % {"name": current[member_id].name, "kind": CredentialKind(kind).label}
            )
            continue
        if (kind, ref) in seen:
            problems.append(_("Credential %(ref)s is listed twice.") % {"ref": ref})
            continue
        seen.add((kind, ref))
        out.append((current[member_id], kind, ref))
    return out, problems


def checked_photos(photos) -> list[str]:
    problems = []
    for photo in photos or ():
        try:
            kind = check_document(photo)
        except DomainError as exc:
            problems.append(str(exc.message))
            continue
        if kind not in ("jpeg", "png"):
            problems.append(
                _("%(name)s is not a photo (JPEG or PNG).") % {"name": getattr(photo, "name", "")}
            )
    return problems
