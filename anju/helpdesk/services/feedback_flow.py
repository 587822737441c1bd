"""Feedback after it arrives: the responsible organisation acknowledges it, answers it
or passes it on; staff link it to a work order, a violation case or a tip; the person
who gave it rates the answer, which closes it, or, once and after a low rating, reopens
it. Every step is kept in `FeedbackStep`, with an audit entry and, for a household that
gave it openly, a line on its archive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, pii
from anju.core.errors import DomainError
from anju.core.models import AuditKind, Organisation
from anju.housing.models import Estate

from ..models import Feedback, FeedbackStepKind
from ..models.feedback import FeedbackStatus
from .feedback import (
    ANSWER_MAX,
    COMMENT_MAX,
    REASON_MAX,
    add_step,
    add_timeline,
    check_may_answer,
    check_move,
    deadline_after,
    local_text,
    normalise_code,
    notify_staff,
    notify_submitter,
    route_candidates,
)

S = FeedbackStatus


def _locked(feedback: Feedback) -> Feedback:
    return (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("organisation", "estate", "household")
        .get(pk=feedback.pk)
    )


# --- The responsible organisation -----------------------------------------------------------


def feedback_acknowledge(feedback: Feedback, *, actor, note: str = "") -> Feedback:
    """Say the feedback has been received and is being dealt with. The household that
    gave it gets a portal message with the day it will be answered by."""
    note = (note or "").strip()[:REASON_MAX]
    with transaction.atomic():
        feedback = _locked(feedback)
        check_may_answer(feedback, actor)
        # The table also lets an answered feedback back to "acknowledged": that is the
        # submitter's reopening, not the organisation's acknowledgement.
        if feedback.status != S.RECEIVED:
            raise DomainError(
                _("Feedback %(n)s is already %(status)s.")
                % {"n": feedback.number, "status": feedback.get_status_display().lower()},
                code="bad_transition",
            )
        check_move(feedback, S.ACKNOWLEDGED)
        now = timezone.now()
        feedback.status, feedback.acknowledged_at = S.ACKNOWLEDGED, now
        feedback.save(update_fields=["status", "acknowledged_at"])
        add_step(
            feedback,
            FeedbackStepKind.ACKNOWLEDGED,
            actor=actor,
            to_org=feedback.organisation,
            note=note,
            at=now,
        )
        audit.record(
            actor=actor,
            action="feedback.acknowledge",
            target=feedback,
            changes={"acknowledged_at": feedback.acknowledged_at, "note": note},
        )
        add_timeline(
            feedback,
            "feedback.acknowledged",
            actor=actor,
            organisation=feedback.organisation.name,
        )
        notify_submitter(
            feedback, "feedback.acknowledged.portal", key=f"feedback:{feedback.number}:ack"
        )
    return feedback


def feedback_answer(feedback: Feedback, *, actor, answer: str) -> Feedback:
    """Answer the feedback. An answer also acknowledges it, if nobody had. The household
    that gave it gets the answer as a portal message and rates it."""
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer."), code="text_required")
    if len(answer) > ANSWER_MAX:
        raise DomainError(
            _("Keep the answer under %(n)s characters.") % {"n": ANSWER_MAX}, code="too_long"
        )
    with transaction.atomic():
        feedback = _locked(feedback)
        check_may_answer(feedback, actor)
        check_move(feedback, S.ANSWERED)
        now = timezone.now()
        fields = ["status", "answer", "answered_at", "answered_by"]
        if feedback.acknowledged_at is None:
            feedback.acknowledged_at = now
            fields.append("acknowledged_at")
        feedback.status, feedback.answer = S.ANSWERED, answer
        feedback.answered_at, feedback.answered_by = now, actor
        feedback.save(update_fields=fields)
        # The step keeps the text: a reopened feedback is answered again, and the
        # trail shows both answers.
        add_step(
            feedback,
            FeedbackStepKind.ANSWERED,
            actor=actor,
            to_org=feedback.organisation,
            note=answer,
            at=now,
        )
        audit.record(
            actor=actor,
            action="feedback.answer",
            target=feedback,
            changes={"answer": answer, "answered_at": now, "organisation": feedback.organisation},
        )
        add_timeline(
            feedback, "feedback.answered", actor=actor, organisation=feedback.organisation.name
        )
        # A reopened feedback is answered a second time: its message has a key of its own.
        round_ = 2 if feedback.reopened else 1
        notify_submitter(
            feedback,
            "feedback.answered.portal",
            key=f"feedback:{feedback.number}:answer:{round_}",
            answer=answer[:300],
        )
    return feedback


def pass_on_choices(feedback: Feedback, estate: Estate | None = None) -> list[Organisation]:
    """The organisations this feedback can be passed on to: the other organisations of
    its estate (or of `estate`, for feedback that names none yet)."""
    return [
        org
        for org in route_candidates(feedback.estate or estate)
        if org.pk != feedback.organisation_id
    ]


def feedback_pass_on(
    feedback: Feedback,
    *,
    actor,
    to: Organisation,
    reason: str,
    estate: Estate | None = None,
) -> Feedback:
    """Pass feedback that reached the wrong organisation on to the right one, saying why.
    Only the organisation that may answer it can pass it on, and only to another of the
    estate's organisations (each of which sees the estate) or the authority. Feedback
    that names no estate may be given one here, when the authority finds which estate it
    is about.

    The deadlines do not start again: they count from the day the feedback arrived, and
    the submitter is owed an answer by then whoever gives it. Passing on must not buy
    time, or every organisation would pass on what it cannot answer in time."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why it is passed on."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX}, code="too_long"
        )
    with transaction.atomic():
        feedback = _locked(feedback)
        check_may_answer(feedback, actor)
        if feedback.status not in (S.RECEIVED, S.ACKNOWLEDGED):
            raise DomainError(
                _("Feedback %(n)s is already %(status)s; it cannot be passed on.")
                % {"n": feedback.number, "status": feedback.get_status_display().lower()},
                code="bad_transition",
            )
        fields = ["organisation"]
        if estate is not None and feedback.estate is not None and feedback.estate != estate:
            raise DomainError(
                _("Feedback %(n)s is already about %(estate)s.")
                % {"n": feedback.number, "estate": feedback.estate.name},
                code="estate",
            )
        if estate is not None and feedback.estate_id is None:
            feedback.estate = estate
            fields.append("estate")
        if to.pk not in {org.pk for org in pass_on_choices(feedback)}:
            raise DomainError(
                _("%(org)s cannot take feedback %(n)s: choose one of the estate's organisations.")
                % {"org": to.name, "n": feedback.number},
                code="bad_target",
            )
        before = feedback.organisation
        feedback.organisation = to
        feedback.save(update_fields=fields)
        add_step(
            feedback,
            FeedbackStepKind.PASSED_ON,
            actor=actor,
            from_org=before,
            to_org=to,
            note=reason,
        )
        audit.record(
            actor=actor,
            action="feedback.pass_on",
            target=feedback,
            changes={"organisation": [before.pk, to.pk], "reason": reason}
            | ({"estate": feedback.estate_id} if "estate" in fields else {}),
        )
        add_timeline(
            feedback, "feedback.passed_on", actor=actor, from_org=before.name, to_org=to.name
        )
        steps = feedback.steps.count()
        notify_staff(
            feedback,
            "feedback.passed_on.in_app",
            to,
            key=f"feedback:{feedback.number}:pass:{steps}",
            reason=reason,
        )
    return feedback


# --- Links -------------------------------------------------------------------------------------

LINK_KINDS = ("work_order", "violation", "tip")


def _link_target(kind: str, number: str, actor):
    from anju.supervision.models import Tip, ViolationCase

    from ..models import WorkOrder

    models: dict[str, Any] = {"work_order": WorkOrder, "violation": ViolationCase, "tip": Tip}
    if kind not in models:
        raise DomainError(_("Choose what to link the feedback to."), code="bad_link")
    model = models[kind]
    number = (number or "").strip().upper()
    obj = model.objects.visible_to(actor).filter(number__iexact=number).first() if number else None
    if obj is None:
        raise DomainError(
            _("No %(what)s numbered “%(n)s” is among those you can see.")
            % {"what": model._meta.verbose_name, "n": number},
            code="not_found",
        )
    return obj


def feedback_link(feedback: Feedback, *, actor, kind: str, number: str) -> Feedback:
    """Link the feedback to a work order, a violation case or a tip that the actor can
    see, found by its number (one of each kind; a new link of a kind replaces the old).
    What is linked must be about the feedback's estate, if both name one."""
    target = _link_target(kind, number, actor)
    with transaction.atomic():
        feedback = _locked(feedback)
        if feedback.estate_id and target.estate_id and target.estate_id != feedback.estate_id:
            raise DomainError(
                _("%(n)s is about another estate than feedback %(f)s.")
                % {"n": target.number, "f": feedback.number},
                code="other_estate",
            )
        before = getattr(feedback, f"{kind}_id")
        if before == target.pk:
            raise DomainError(
                _("Feedback %(f)s is already linked to %(n)s.")
                % {"f": feedback.number, "n": target.number},
                code="already_linked",
            )
        setattr(feedback, kind, target)
        feedback.save(update_fields=[kind])
        add_step(feedback, FeedbackStepKind.LINKED, actor=actor, note=target.number)
        audit.record(
            actor=actor,
            action="feedback.link",
            target=feedback,
            changes={kind: [before, target.pk], "number": target.number},
        )
        add_timeline(feedback, "feedback.linked", actor=actor, linked=target.number)
    return feedback


# --- The person who gave it ----------------------------------------------------------------


def is_submitter(feedback: Feedback, *, actor=None, tracking_code: str = "") -> bool:
    """The tenant of the household that gave it, or whoever holds its tracking code."""
    household_id = getattr(actor, "household_id", None)
    if household_id is not None and household_id == feedback.household_id:
        return True
    return bool(tracking_code) and normalise_code(tracking_code) == feedback.tracking_code


def _check_rating(feedback: Feedback, rating, comment: str, actor, tracking_code: str):
    if not is_submitter(feedback, actor=actor, tracking_code=tracking_code):
        raise DomainError(
            _("Only the person who gave the feedback can rate its answer."),
            code="not_submitter",
        )
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Give a rating from 1 to 5."), code="bad_rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(
            _("Keep the comment under %(n)s characters.") % {"n": COMMENT_MAX}, code="too_long"
        )
    return rating, comment


def _rating_note(rating: int, comment: str) -> str:
    return f"{rating}/5" + (f" · {comment}" if comment else "")


def feedback_rate(
    feedback: Feedback, *, rating, comment: str = "", actor=None, tracking_code: str = ""
) -> Feedback:
    """The submitter rates the answer (1–5, with a comment), which closes the feedback.
    `actor` is the tenant on the portal; on the public page, the tracking code stands
    for the submitter."""
    rating, comment = _check_rating(feedback, rating, comment, actor, tracking_code)
    with transaction.atomic():
        feedback = _locked(feedback)
        check_move(feedback, S.CLOSED)
        now = timezone.now()
        feedback.status, feedback.closed_at = S.CLOSED, now
        feedback.rating, feedback.rating_comment = rating, comment
        feedback.save(update_fields=["status", "closed_at", "rating", "rating_comment"])
        who = actor if getattr(actor, "pk", None) else None
        note = _rating_note(rating, comment)
        add_step(feedback, FeedbackStepKind.RATED, actor=who, note=note, at=now)
        add_step(feedback, FeedbackStepKind.CLOSED, actor=who, at=now)
        audit.record(
            actor=who,
            action="feedback.rate",
            target=feedback,
            changes={"rating": rating, "comment": comment, "closed_at": now},
        )
        add_timeline(feedback, "feedback.rated", actor=who, rating=rating)
    return feedback


def feedback_reopen(
    feedback: Feedback, *, rating, comment: str = "", actor=None, tracking_code: str = ""
) -> Feedback:
    """The submitter finds the answer wanting: a rating at or below
    ANJU_FEEDBACK_REOPEN_RATING reopens the feedback, once. It goes back to the
    organisation that has it, acknowledged, with a new deadline to answer counted from
    now; a second reopening is refused (the rating then closes it)."""
    rating, comment = _check_rating(feedback, rating, comment, actor, tracking_code)
    threshold = settings.ANJU_FEEDBACK_REOPEN_RATING
    with transaction.atomic():
        feedback = _locked(feedback)
        check_move(feedback, S.ACKNOWLEDGED)
        if feedback.reopened:
            raise DomainError(
                _("Feedback %(n)s has been reopened once already; rate the answer to close it.")
                % {"n": feedback.number},
                code="already_reopened",
            )
        if rating > threshold:
            raise DomainError(
                _("Only a rating of %(t)s or less reopens the feedback.") % {"t": threshold},
                code="rating_too_high",
            )
        now = timezone.now()
        before = {"answer": feedback.answer, "answered_at": feedback.answered_at}
        feedback.status, feedback.reopened = S.ACKNOWLEDGED, True
        feedback.rating, feedback.rating_comment = rating, comment
        # The first answer stays in the trail; the feedback waits for a new one.
        feedback.answer, feedback.answered_at, feedback.answered_by = "", None, None
        feedback.answer_by = deadline_after(now, settings.ANJU_FEEDBACK_ANSWER_DAYS)
        feedback.save(
            update_fields=[
                "status",
                "reopened",
                "rating",
                "rating_comment",
                "answer",
                "answered_at",
                "answered_by",
                "answer_by",
            ]
        )
        who = actor if getattr(actor, "pk", None) else None
        note = _rating_note(rating, comment)
        add_step(feedback, FeedbackStepKind.RATED, actor=who, note=note, at=now)
        add_step(
            feedback, FeedbackStepKind.REOPENED, actor=who, to_org=feedback.organisation, at=now
        )
        audit.record(
            actor=who,
            action="feedback.reopen",
            target=feedback,
            changes={
                "rating": rating,
                "comment": comment,
                "answer_by": feedback.answer_by,
                "first_answer": before["answer"],
            },
        )
        add_timeline(feedback, "feedback.reopened", actor=who, rating=rating)
        notify_staff(
            feedback,
            "feedback.reopened.in_app",
            feedback.organisation,
            key=f"feedback:{feedback.number}:reopened",
            rating=rating,
            answer_by=local_text(feedback.answer_by),
        )
    return feedback


# --- Personal data -----------------------------------------------------------------------------


def feedback_reveal_contact(feedback: Feedback, *, actor) -> str:
    """The phone left with the feedback, in full, for the staff member who calls back;
    each reading is in the access log."""
    if not feedback.contact_enc:
        raise DomainError(_("This feedback left no phone number."), code="no_contact")
    audit.record(
        actor=actor,
        kind=AuditKind.ACCESS,
        action="feedback.contact_reveal",
        target=feedback,
        changes={"contact": feedback.contact_masked},
    )
    return pii.decrypt(feedback.contact_enc)
