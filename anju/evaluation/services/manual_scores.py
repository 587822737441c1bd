"""A manual indicator's score: given by a named evaluator while the period is open, from
0 to 100, with a comment and evidence (at least one document or photo, unless the
score already has some). The scorecard's total, draft grade and its kind's ranks follow
at once. Once the period is disclosed a score changes only through an objection."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import DomainError
from anju.core.uploads import check_document

from ..models import PeriodStatus, Score, ScoreEvidence
from ..scoring import line_score
from .period_compute import evaluation_rescore
from .periods import check_status

COMMENT_MAX = 2000
EVIDENCE_MOST = 10


def score_enter(score: Score, *, actor, value, comment: str, evidence=()) -> Score:
    if not score.line.indicator.is_manual:
        raise DomainError(
            _("%(name)s is computed from Anju's records; it cannot be scored by hand.")
            % {"name": score.line.indicator.name},
            code="computed",
        )
    period = score.evaluation.period
    check_status(period, PeriodStatus.OPEN)
    try:
        value = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        value = None
    if value is None or not Decimal(0) <= value <= Decimal(100):
        raise DomainError(_("A manual score is a number from 0 to 100."), code="bad_value")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say why: a comment is required."), code="comment_required")
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("The comment is longer than %(n)s characters.") % {"n": COMMENT_MAX},
            code="comment_too_long",
        )
    files = [f for f in evidence or () if f]
    if len(files) > EVIDENCE_MOST:
        raise DomainError(
            _("Attach at most %(n)s files.") % {"n": EVIDENCE_MOST}, code="too_many_files"
        )
    for f in files:
        check_document(f)
    if not files and not score.evidence.exists():
        raise DomainError(
            _("Attach at least one document or photo as evidence."), code="evidence_required"
        )
    before = audit.snapshot(score, ["value", "comment"])
    with transaction.atomic():
        score.value = value
        score.score = line_score(value, score.line.target, score.line.zero_at)
        score.comment = comment
        score.scored_by = actor
        score.scored_at = timezone.now()
        score.save(update_fields=["value", "score", "comment", "scored_by", "scored_at"])
        for f in files:
            ScoreEvidence.objects.create(score=score, file=f, name=f.name[:200], added_by=actor)
        evaluation_rescore(score.evaluation)
        audit.record(
            actor=actor,
            action="evaluation.score_entered",
            target=score,
            changes={
                **audit.diff(before, audit.snapshot(score, ["value", "comment"])),
                "evidence": len(files),
            },
        )
    return score
