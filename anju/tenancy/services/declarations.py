"""Declarations: what a housed household says about itself at recertification or when
it applies to renew. One service for the portal and the counter."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from ..models import Declaration, DeclaredMember, EntryChannel, HousingAcquired

timeline.register(
    "declaration.made",
    gettext_lazy("Declaration made (%(channel)s): %(size)s members, ¥%(income)s a month"),
)


def _amount(value, label) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise DomainError(_("%(f)s is not a number.") % {"f": label}, code="number") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(
            _("%(f)s must be a sum of money of zero or more.") % {"f": label}, code="number"
        )
    return amount


def declaration_submit(
    household,
    *,
    actor,
    channel: str,
    members: list[dict],
    deposits=0,
    vehicles: int = 0,
    owns_business: bool = False,
    housing_acquired: str = HousingAcquired.NONE,
    housing_note: str = "",
    other_subsidised: bool = False,
    consent: bool = False,
) -> Declaration:
    """`members`: one dict per person — {"member": pk of a current member or None for
    someone who joined, "name", "birth_date" (for a newcomer), "monthly_income",
    "present"}. Every current member must be accounted for (present or not)."""
    if channel not in EntryChannel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if housing_acquired not in HousingAcquired.values:
        raise DomainError(_("Unknown kind of housing acquired."), code="housing")
    if not consent:
        raise DomainError(
            _("The household must consent to its declaration being checked with the agencies."),
            code="consent",
        )
    current = {m.pk: m for m in household.members.current()}
    named = {row.get("member") for row in members if row.get("member")}
    unknown = named - set(current)
    if unknown:
        raise DomainError(_("A declared member is not in this household."), code="member")
    missing = [m.name for pk, m in current.items() if pk not in named]
    if missing:
        raise DomainError(
            _("Declare every member, or mark who has left: %(names)s")
            % {"names": "、".join(missing)},
            code="members_missing",
        )
    rows = []
    for row in members:
        member = current.get(row.get("member"))
        name = (row.get("name") or (member.name if member else "")).strip()
        if not name:
            raise DomainError(_("Every newcomer needs a name."), code="name")
        income = _amount(row.get("monthly_income"), _("Monthly income of %(n)s") % {"n": name})
        birth = row.get("birth_date") or (member.birth_date if member else None)
        if isinstance(birth, str) and birth:
            birth = datetime.date.fromisoformat(birth)
        rows.append(
            DeclaredMember(
                member=member,
                name=name[:40],
                birth_date=birth or None,
                monthly_income=income,
                present=bool(row.get("present", True)),
            )
        )
    present = [r for r in rows if r.present]
    if not present:
        raise DomainError(_("At least one person must live in the unit."), code="empty")
    with transaction.atomic():
        declaration = Declaration.objects.create(
            household=household,
            channel=channel,
            submitted_by=actor,
            member_count=len(present),
            total_income=sum((r.monthly_income for r in present), Decimal("0.00")),
            deposits=_amount(deposits, _("Deposits")),
            vehicles=int(vehicles or 0),
            owns_business=bool(owns_business),
            housing_acquired=housing_acquired,
            housing_note=housing_note.strip()[:200],
            other_subsidised=bool(other_subsidised),
            consent=True,
        )
        for r in rows:
            r.declaration = declaration
        DeclaredMember.objects.bulk_create(rows)
        audit.record(
            actor=actor,
            action="declaration.submit",
            target=declaration,
            changes=audit.snapshot(
                declaration,
                [
                    "channel",
                    "member_count",
                    "total_income",
                    "deposits",
                    "vehicles",
                    "owns_business",
                    "housing_acquired",
                    "other_subsidised",
                ],
            ),
        )
        timeline.add(
            "declaration.made",
            actor=actor,
            for_household=household,
            channel=declaration.get_channel_display(),
            size=declaration.member_count,
            income=str(declaration.total_income),
        )
    return declaration
