"""What staff do with a screening flag besides inspecting it: dismiss it, with the
reason, when a reviewer can already tell it is ordinary life (the household reported a
hospital stay, the caregiver is known, the lock was out of order). An inspection task
raised on the flag (the inspections service) settles it instead, so a flag under
inspection cannot be dismissed here."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError

from ..models import FlagStatus, ScreeningFlag

REASON_MAX = 300

# Lazy: the sentence is translated when the timeline is shown, in the reader's language.
timeline.register(
    "flag.dismissed",
    gettext_lazy("Screening lead “%(flag)s” on unit %(unit)s dismissed: %(reason)s"),
)


def flag_dismiss(flag: ScreeningFlag, *, actor, reason: str) -> ScreeningFlag:
    """Close an open lead without an inspection, giving the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for dismissing the lead."), code="reason")
    with transaction.atomic():
        # Locked so that an inspection raised at the same moment and a dismissal cannot
        # both succeed.
        current = ScreeningFlag.objects.select_for_update().get(pk=flag.pk)
        if current.status == FlagStatus.DISMISSED:
            raise DomainError(_("This lead is already dismissed."), code="dismissed")
        if current.status == FlagStatus.INSPECTING:
            raise DomainError(
                _("An inspection was raised on this lead: its finding settles it."),
                code="inspecting",
            )
        before = current.status
        flag.status, flag.dismissed_reason = FlagStatus.DISMISSED, reason[:REASON_MAX]
        flag.save(update_fields=["status", "dismissed_reason"])
        audit.record(
            actor=actor,
            action="flag.dismiss",
            target=flag,
            changes={"status": [before, flag.status], "reason": flag.dismissed_reason},
        )
        timeline.add(
            "flag.dismissed",
            actor=actor,
            for_household=flag.household,
            for_unit=flag.unit,
            flag=flag.flag,
            unit=flag.unit.code,
            reason=flag.dismissed_reason,
        )
    return flag
