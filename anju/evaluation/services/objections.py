"""A party's objection to its draft scores, and the authority's resolution.

While the period is disclosed and until its `objections_until`, the party itself may
object, with reasons, to one indicator or to the whole scorecard: a staff member of the
evaluated organisation who answers for it, or the tenant of the evaluated household.
One objection may be pending per scorecard and indicator. The authority resolves each
one, with its reasons: upheld, it may correct the indicator's value (the value before
is kept), and the score, total, draft grade and ranks follow; rejected, nothing
changes. A resolution is final."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.roles import Perm, Role

from ..models import Evaluation, Objection, ObjectionStatus, PartyKind, PeriodStatus, Score
from ..scoring import line_score
from .period_compute import evaluation_rescore
from .periods import MESSAGE_LANGUAGE, check_status, officers

REASONS_MAX = 2000

timeline.register(
    "evaluation.objected", gettext_lazy("Objected to the evaluation of %(period)s: %(about)s")
)
timeline.register(
    "evaluation.objection_resolved",
    gettext_lazy("Objection to the evaluation of %(period)s %(outcome)s"),
)

notify.register(
    "evaluation.objection.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "{party} objects to its draft evaluation for {period} ({about}): {reasons} "
        "Please resolve it before the grades are published."
    ),
)
notify.register(
    "evaluation.resolved.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Your objection to the evaluation for {period} ({about}) was {outcome}: {resolution}"
    ),
)
notify.register(
    "evaluation.resolved.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Your objection to your household's evaluation for {period} ({about}) was "
        "{outcome}: {resolution}"
    ),
)


def is_party(evaluation: Evaluation, user) -> bool:
    """Whether `user` speaks for the evaluated party."""
    if user is None or not user.is_authenticated:
        return False
    if evaluation.party_kind == PartyKind.TENANT:
        return Role.TENANT in user.role_set and user.household_id == evaluation.household_id
    return (
        user.organisation_id is not None
        and user.organisation_id == evaluation.organisation_id
        and user.can(Perm.EVALUATION_RESPOND)
    )


def may_object(evaluation: Evaluation, user, today=None) -> bool:
    period = evaluation.period
    today = today or timezone.localdate()
    return (
        period.status == PeriodStatus.DISCLOSED
        and period.objections_until is not None
        and today <= period.objections_until
        and is_party(evaluation, user)
    )


def _about(objection: Objection) -> str:
    with translation.override(MESSAGE_LANGUAGE):
        if objection.score_id:
            return objection.score.line.indicator.name
        return str(_("the whole scorecard"))


def objection_raise(evaluation: Evaluation, *, actor, reasons: str, score: Score | None = None):
    period = evaluation.period
    check_status(period, PeriodStatus.DISCLOSED)
    if period.objections_until is None or timezone.localdate() > period.objections_until:
        raise DomainError(
            _("The time to object ended on %(day)s.")
            % {"day": period.objections_until.isoformat() if period.objections_until else "—"},
            code="window_closed",
        )
    if not is_party(evaluation, actor):
        raise DomainError(
            _("Only the evaluated party itself may object to its scores."), code="not_party"
        )
    if score is not None and score.evaluation_id != evaluation.pk:
        raise DomainError(_("That indicator is not on this scorecard."), code="bad_score")
    reasons = (reasons or "").strip()
    if not reasons:
        raise DomainError(_("Give your reasons for objecting."), code="reasons_required")
    if len(reasons) > REASONS_MAX:
        raise DomainError(
            _("The reasons are longer than %(n)s characters.") % {"n": REASONS_MAX},
            code="reasons_too_long",
        )
    with transaction.atomic():
        Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
        if Objection.objects.filter(
            evaluation=evaluation, score=score, status=ObjectionStatus.PENDING
        ).exists():
            raise DomainError(
                _("An objection to this is already waiting to be resolved."), code="pending"
            )
        objection = Objection.objects.create(
            evaluation=evaluation, score=score, reasons=reasons, raised_by=actor
        )
        about = _about(objection)
        audit.record(
            actor=actor,
            action="evaluation.objection_raised",
            target=objection,
            changes={"score": score.pk if score else None, "reasons": reasons},
        )
        if evaluation.household_id:
            timeline.add(
                "evaluation.objected",
                actor=actor,
                for_household=evaluation.household,
                period=period.name,
                about=about,
            )
        context = {
            "party": str(evaluation.party),
            "period": period.name,
            "about": about,
            "reasons": reasons,
        }
        transaction.on_commit(
            lambda: [
                notify.queue(
                    "evaluation.objection.in_app",
                    key=f"evaluation:objection:{objection.pk}:{officer.pk}",
                    user=officer,
                    language=MESSAGE_LANGUAGE,
                    context=context,
                )
                for officer in officers()
            ]
        )
    return objection


def objection_resolve(
    objection: Objection, *, actor, upheld: bool, resolution: str, new_value=None
) -> Objection:
    if objection.status != ObjectionStatus.PENDING:
        raise DomainError(_("This objection is resolved already."), code="resolved")
    evaluation = objection.evaluation
    check_status(evaluation.period, PeriodStatus.DISCLOSED)
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_("Write the resolution and its reasons."), code="resolution_required")
    if new_value not in (None, ""):
        if not upheld:
            raise DomainError(
                _("Only an upheld objection corrects a value."), code="value_on_rejection"
            )
        if objection.score_id is None:
            raise DomainError(
                _(
                    "This objection is to the whole scorecard; correct a value through an "
                    "objection to its indicator."
                ),
                code="no_score",
            )
        try:
            new_value = Decimal(str(new_value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise DomainError(_("The corrected value is not a number."), code="bad_value") from None
        if new_value < 0 or (objection.score.line.indicator.is_manual and new_value > 100):
            raise DomainError(_("The corrected value is out of range."), code="bad_value")
    else:
        new_value = None
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.PENDING:
            raise DomainError(_("This objection is resolved already."), code="resolved")
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
        objection.resolution = resolution
        objection.resolved_by = actor
        objection.resolved_at = timezone.now()
        fields = ["status", "resolution", "resolved_by", "resolved_at"]
        if new_value is not None:
            score = objection.score
            objection.old_value, objection.new_value = score.value, new_value
            fields += ["old_value", "new_value"]
            score.value = new_value
            score.score = line_score(new_value, score.line.target, score.line.zero_at)
            score.adjusted = True
            score.save(update_fields=["value", "score", "adjusted"])
            evaluation_rescore(evaluation)
        objection.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="evaluation.objection_resolved",
            target=objection,
            changes={
                "status": objection.status,
                "old_value": objection.old_value,
                "new_value": objection.new_value,
                "resolution": resolution,
            },
        )
        with translation.override(MESSAGE_LANGUAGE):
            outcome = str(ObjectionStatus(objection.status).label).lower()
        context = {
            "period": evaluation.period.name,
            "about": _about(objection),
            "outcome": outcome,
            "resolution": resolution,
        }
        if evaluation.household_id:
            timeline.add(
                "evaluation.objection_resolved",
                actor=actor,
                for_household=evaluation.household,
                period=evaluation.period.name,
                outcome=objection.status,
            )
            transaction.on_commit(
                lambda: notify.queue(
                    "evaluation.resolved.portal",
                    key=f"evaluation:resolved:{objection.pk}",
                    household=evaluation.household,
                    language=MESSAGE_LANGUAGE,
                    context=context,
                )
            )
        else:
            transaction.on_commit(
                lambda: notify.queue(
                    "evaluation.resolved.in_app",
                    key=f"evaluation:resolved:{objection.pk}",
                    user=objection.raised_by,
                    language=MESSAGE_LANGUAGE,
                    context=context,
                )
            )
    return objection
