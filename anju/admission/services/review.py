"""The three-level review: community → street → authority. Each level approves,
returns the application for correction with the items named, or rejects it with a
reason. A false declaration found at any level follows art. 35: the application is not
accepted, the applicant is warned, and the warning goes into the archive."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, pii, timeline
from anju.core.errors import DomainError
from anju.core.roles import Role
from anju.core.workdays import add_working_days
from anju.households import services as hh
from anju.households.conduct import conduct_record
from anju.households.models import ConductReason, Relation

from ..models import (
    LEVEL_OF_STATUS,
    STATUS_OF_LEVEL,
    Application,
    ApplicationStatus,
    Decision,
    Review,
    ReviewLevel,
)
from .applications import hh_close, set_status
from .flags import open_flags

timeline.register("review.approved", gettext_lazy("%(level)s review: approved"))
timeline.register(
    "review.returned", gettext_lazy("%(level)s review: returned to correct %(items)s")
)
timeline.register("review.rejected", gettext_lazy("%(level)s review: rejected (%(reason)s)"))
timeline.register(
    "review.false_declaration",
    gettext_lazy("False declaration found at %(level)s review: warned under art. 35"),
)

NEXT_LEVEL: dict[str, str] = {
    ReviewLevel.COMMUNITY: ReviewLevel.STREET,
    ReviewLevel.STREET: ReviewLevel.AUTHORITY,
}
ROLE_OF_LEVEL: dict[str, str] = {
    ReviewLevel.COMMUNITY: Role.COMMUNITY_WORKER,
    ReviewLevel.STREET: Role.STREET_REVIEWER,
    ReviewLevel.AUTHORITY: Role.AUTHORITY_OFFICER,
}


def reviews_at(actor, level: str, application: Application) -> bool:
    """Whether `actor` reviews `application` at `level`: the community that received
    it, the street above that community, or the authority."""
    if ROLE_OF_LEVEL[level] not in actor.role_set:
        return False
    if level == ReviewLevel.COMMUNITY:
        return application.community_id == actor.organisation_id
    if level == ReviewLevel.STREET:
        return application.community.parent_id == actor.organisation_id
    return True


def review_decide(
    application: Application,
    *,
    actor,
    decision: str,
    items=(),
    reason: str = "",
    false_declaration: bool = False,
) -> Review:
    level = LEVEL_OF_STATUS.get(application.status)
    if level is None:
        raise DomainError(
            _("Application %(n)s is not awaiting review.") % {"n": application.number},
            code="not_in_review",
        )
    if not reviews_at(actor, level, application):
        raise DomainError(
            _("The %(level)s level reviews this application now.")
            % {"level": ReviewLevel(level).label},
            code="wrong_level",
        )
    items = [str(i).strip() for i in items if str(i).strip()]
    reason = (reason or "").strip()
    if false_declaration:
        decision = Decision.REJECT
        reason = reason or _("False declaration (art. 35)")
    if decision == Decision.RETURN and not items:
        raise DomainError(_("Name the items to correct."), code="items_required")
    if decision == Decision.REJECT and not reason:
        raise DomainError(_("Give the reason for rejecting."), code="reason_required")
    if decision == Decision.APPROVE and level == ReviewLevel.AUTHORITY:
        flagged = open_flags(application).count()
        if flagged:
            raise DomainError(
                _("Decide the %(n)s open duplicate or ban flags first.") % {"n": flagged},
                code="open_flags",
            )
    if decision not in Decision.values:
        raise DomainError(_("Unknown decision."), code="bad_decision")

    with transaction.atomic():
        review = Review.objects.create(
            application=application,
            level=level,
            decision=decision,
            items=items,
            reason=reason,
            false_declaration=false_declaration,
            due_on=application.due_on,
            actor=actor,
        )
        today = timezone.localdate()
        if decision == Decision.APPROVE:
            _approve(application, level, actor, today)
        elif decision == Decision.RETURN:
            application.returned_level, application.returned_items = level, items
            application.due_on = None
            set_status(
                application,
                ApplicationStatus.RETURNED,
                fields=["returned_level", "returned_items", "due_on"],
            )
        else:
            application.decision_reason, application.decided_at = reason, timezone.now()
            application.false_declaration = false_declaration
            application.due_on = None
            set_status(
                application,
                ApplicationStatus.REJECTED,
                fields=["decision_reason", "decided_at", "false_declaration", "due_on"],
            )
            hh_close(application, reason)
            if false_declaration:
                _warn(application, actor, level, reason, today)
        audit.record(
            actor=actor,
            action=f"review.{decision}",
            target=application,
            changes={
                "level": level,
                "items": items,
                "reason": reason,
                "status": application.status,
            },
        )
        verb = {
            "approve": "review.approved",
            "return": "review.returned",
            "reject": "review.rejected",
        }
        timeline.add(
            verb[decision],
            actor=actor,
            for_household=application.household,
            level=level,
            items=_("; ").join(items),
            reason=reason,
        )
    return review


def _approve(application: Application, level: str, actor, today) -> None:
    if level in NEXT_LEVEL:
        application.due_on = add_working_days(today, application.ruleset.review_days)
        set_status(application, STATUS_OF_LEVEL[NEXT_LEVEL[level]], fields=["due_on"])
        return
    application.approved_at, application.due_on = timezone.now(), None
    set_status(application, ApplicationStatus.APPROVED, fields=["approved_at", "due_on"])
    _register_members(application, actor)


def _register_members(application: Application, actor) -> None:
    """On approval the declared members become the household's members, the applicant
    first as its head."""
    household = application.household
    if household.category != application.category:
        hh.household_update(household, actor=actor, category=application.category)
    members = sorted(application.members.all(), key=lambda m: (m.relation != Relation.HEAD, m.pk))
    for m in members:
        hh.member_add(
            household,
            actor=actor,
            name=m.name,
            id_number=m.reveal_id_number(),
            relation=m.relation,
            phone=pii.decrypt(m.phone_enc) if m.phone_enc else "",
            hukou=m.hukou,
            employer=m.employer,
            monthly_income=m.monthly_income,
            disability=m.disability,
        )


def _warn(application: Application, actor, level: str, reason: str, today) -> None:
    head = application.members.filter(relation=Relation.HEAD).first()
    if head is None:
        return
    # Art. 35, first part: a warning on record; the five-year ban applies only to a
    # place or unit obtained by deception, which the exits issue handles.
    conduct_record(
        application.household,
        actor=actor,
        name=head.name,
        id_number_hash=head.id_number_hash,
        id_number_masked=head.id_number_masked,
        reason=ConductReason.FALSE_DECLARATION,
        details=reason,
        occurred_on=today,
        banned_until=today,
    )
    timeline.add(
        "review.false_declaration", actor=actor, for_household=application.household, level=level
    )
