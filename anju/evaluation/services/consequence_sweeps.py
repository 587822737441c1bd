"""The daily sweep of consequences: a standing, title, discount, commendation,
renewal eligibility or warning whose term has run out is done. One UPDATE, safe to
repeat."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from anju.core import audit

from ..models import Consequence, ConsequenceState


def consequences_expire(today: datetime.date | None = None) -> int:
    """Mark done every consequence in effect whose `valid_until` is before `today`;
    returns how many."""
    today = today or timezone.localdate()
    with transaction.atomic():
        count = Consequence.objects.filter(
            state=ConsequenceState.IN_EFFECT, valid_until__lt=today
        ).update(state=ConsequenceState.DONE, done_at=timezone.now())
        if count:
            audit.record(
                actor=None,
                action="evaluation.consequences_expired",
                target=("evaluation.consequence", "", "expired"),
                changes={"count": count, "before": today.isoformat()},
            )
    return count
