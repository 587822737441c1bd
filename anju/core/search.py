"""Global search: one box for unit codes, names, pinyin initials, and full or masked
ID and phone numbers. Always through the models' scoping choke-points."""

import re

from django.db.models import F, Q

from anju.core import pii
from anju.core.errors import DomainError
from anju.core.roles import Perm

LIMIT = 50
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")


def member_condition(q: str) -> Q | None:
    compact = re.sub(r"\s+", "", q)
    upper = compact.upper()
    if MASKED_ID.match(upper):
        return Q(id_number_masked=upper)
    if re.fullmatch(r"\d{17}[\dX]", upper):
        try:
            return Q(id_number_hash=pii.blind_index(pii.validate_id_number(upper)))
        except DomainError:
            return None
    if MASKED_PHONE.match(compact):
        return Q(phone_masked=compact)
    if re.fullmatch(r"(\+86)?1\d{10}", compact):
        return Q(phone_hash=pii.blind_index(pii.normalise_phone(compact)))
    if re.fullmatch(r"[a-zA-Z]+", compact):
        low = compact.lower()
        return prefix_q("name_initials", low) | prefix_q("name_pinyin", low)
    if re.search(r"[\u4e00-\u9fff]", compact):
        return Q(name__contains=compact)
    return None


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, as a range the column's index can answer (SQLite's
    LIKE ignores case and so cannot use a plain index). The pinyin columns are lowercase
    ASCII, so the range is exact."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def unit_condition(q: str) -> Q | None:
    compact = q.strip().upper()
    if re.fullmatch(r"[A-Z0-9][A-Z0-9\-]{1,23}", compact) and re.search(r"\d", compact):
        return Q(code__startswith=compact) if "-" in compact else Q(code__contains=compact)
    return None


def search(user, q: str) -> dict:
    from anju.households.models import Member
    from anju.housing.models import Unit

    q = (q or "").strip()[:40]
    result = {"units": [], "members": [], "q": q}
    if not q:
        return result
    if user.can(Perm.HOUSING_VIEW) and (cond := unit_condition(q)) is not None:
        result["units"] = list(
            Unit.objects.visible_to(user)
            .filter(cond)
            .select_related("estate")
            .order_by("code")[:LIMIT]
        )
    if user.can(Perm.HOUSEHOLDS_VIEW) and (cond := member_condition(q)) is not None:
        result["members"] = list(
            Member.objects.visible_to(user)
            .filter(cond)
            .select_related("household__unit", "household__estate")
            .order_by(F("left_at").asc(nulls_first=True), "name_pinyin", "pk")[:LIMIT]
        )
    return result
