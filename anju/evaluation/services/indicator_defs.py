"""Indicators as data: the authority names and defines them, in Chinese and English.

The computed indicators come from the code (`anju.evaluation.indicators`, named by
`source`): their rows are seeded, and only their names, definitions, order and whether
they are in use change here; their unit, direction and source are the code's. The
authority creates manual indicators (scored by a named evaluator) itself."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError

from ..models import MANUAL, Direction, Indicator, IndicatorUnit, PartyKind
from .schemes import _unknown

TEXT_FIELDS = ["name_zh", "name_en", "definition_zh", "definition_en", "sort", "is_active"]
MANUAL_FIELDS = ["unit", "direction"]
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _texts(values: dict) -> dict:
    for name in ("name_zh", "name_en", "definition_zh", "definition_en"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "name_zh" in values and not values["name_zh"]:
        raise DomainError(_("Give the indicator's Chinese name."), code="name")
    if "definition_zh" in values and not values["definition_zh"]:
        raise DomainError(_("Give the indicator's Chinese definition."), code="definition")
    return values


def indicator_create(
    *,
    actor,
    code: str,
    party_kind: str,
    name_zh: str,
    definition_zh: str,
    name_en: str = "",
    definition_en: str = "",
    unit: str = IndicatorUnit.SCORE,
    direction: str = Direction.HIGHER,
    sort: int = 0,
) -> Indicator:
    """A manual indicator, scored by a person with a comment and evidence. Computed
    indicators are not created here: their computations are code."""
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise DomainError(
            _(
                "The code is 2-40 lower-case letters, digits or underscores, "
                "starting with a letter."
            ),
            code="code",
        )
    if Indicator.objects.filter(code=code).exists():
        raise DomainError(_("An indicator with this code exists."), code="duplicate")
    if party_kind not in PartyKind.values:
        raise DomainError(_("Choose the kind of party it measures."), code="party_kind")
    if unit not in IndicatorUnit.values or direction not in Direction.values:
        raise DomainError(_("Choose the unit and the direction."), code="choice")
    values = _texts(
        {
            "name_zh": name_zh,
            "name_en": name_en,
            "definition_zh": definition_zh,
            "definition_en": definition_en,
        }
    )
    with transaction.atomic():
        indicator = Indicator.objects.create(
            code=code,
            party_kind=party_kind,
            unit=unit,
            direction=direction,
            source=MANUAL,
            sort=sort,
            **values,
        )
        audit.record(
            actor=actor,
            action="evaluation.indicator.create",
            target=indicator,
            changes=audit.snapshot(
                indicator, ["code", "party_kind", "unit", "direction", "source", *TEXT_FIELDS]
            ),
        )
    return indicator


def indicator_update(indicator: Indicator, *, actor, **values) -> Indicator:
    """Change names and definitions (both languages), the order, or whether it is in
    use; a manual indicator's unit and direction too, while no published scheme uses
    it (a computed one's are fixed by its code)."""
    allowed = TEXT_FIELDS + (MANUAL_FIELDS if indicator.is_manual else [])
    if not indicator.is_manual and set(values) & {*MANUAL_FIELDS, "source"}:
        raise DomainError(
            _("A computed indicator's unit, direction and source are fixed by its computation."),
            code="computed",
        )
    _unknown(values, allowed)
    values = _texts(values)
    if "unit" in values and values["unit"] not in IndicatorUnit.values:
        raise DomainError(_("Choose the unit and the direction."), code="choice")
    if "direction" in values and values["direction"] not in Direction.values:
        raise DomainError(_("Choose the unit and the direction."), code="choice")
    changes_shape = any(
        name in values and values[name] != getattr(indicator, name) for name in MANUAL_FIELDS
    )
    if changes_shape and indicator.lines.filter(scheme__published_at__isnull=False).exists():
        raise DomainError(
            _("A published scheme uses this indicator: its unit and direction are fixed."),
            code="in_use",
        )
    audit.save_audited(
        indicator,
        actor=actor,
        action="evaluation.indicator.update",
        fields=allowed,
        values=values,
        context={"code": indicator.code},
    )
    return indicator
