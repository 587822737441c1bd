"""Feedback (诉求): giving it, and the pieces every later step shares.

Feedback comes from the portal (a tenant: the household's own estate), the public page
(anyone, anonymous allowed, limited per address and hour; an estate chosen from the
list, or none) or staff entry (taken by phone or at the counter). Each gets a number
(FK<year><5 digits>) and a random tracking code, and is routed by topic and estate to
the organisation that answers it: the estate's own route for the topic if the authority
set one, else the district's. Feedback that names no estate is the authority's.

Two deadlines count in working days from the moment it arrives, at the same local time:
to acknowledge (ANJU_FEEDBACK_ACK_DAYS) and to answer (ANJU_FEEDBACK_ANSWER_DAYS).
The later steps are in `feedback_flow` (acknowledge, answer, pass on, link, rate,
reopen) and `feedback_clock` (escalation of missed deadlines, closing the unrated)."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, hourly_limit, notify, pii, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel, Organisation, OrgKind, User
from anju.core.numbering import next_number, with_fresh_number
from anju.core.roles import ROLE_PERMISSIONS, Perm, Role
from anju.core.scoping import sees_whole_district
from anju.core.workdays import add_working_days
from anju.housing.models import Estate

from ..models import (
    Feedback,
    FeedbackChannel,
    FeedbackKind,
    FeedbackRoute,
    FeedbackStep,
    FeedbackStepKind,
    FeedbackTopic,
    RouteTarget,
)
from ..models.feedback import TRANSITIONS, FeedbackStatus

TEXT_MAX = 2000
ANSWER_MAX = 2000
REASON_MAX = 500
COMMENT_MAX = 500  # the model's rating_comment
# Tracking codes: no 0/O, 1/I/L, so that a code read aloud or copied by hand is right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10

timeline.register(
    "feedback.received",
    gettext_lazy("Feedback %(number)s given; it goes to %(organisation)s"),
)
timeline.register(
    "feedback.acknowledged", gettext_lazy("Feedback %(number)s acknowledged by %(organisation)s")
)
timeline.register(
    "feedback.answered", gettext_lazy("Feedback %(number)s answered by %(organisation)s")
)
timeline.register(
    "feedback.passed_on",
    gettext_lazy("Feedback %(number)s passed on from %(from_org)s to %(to_org)s"),
)
timeline.register(
    "feedback.escalated",
    gettext_lazy("Feedback %(number)s escalated from %(from_org)s to %(to_org)s"),
)
timeline.register(
    "feedback.rated", gettext_lazy("Feedback %(number)s rated %(rating)s out of 5 and closed")
)
timeline.register(
    "feedback.reopened",
    gettext_lazy("Feedback %(number)s reopened after a rating of %(rating)s out of 5"),
)
timeline.register("feedback.closed", gettext_lazy("Feedback %(number)s closed without a rating"))
timeline.register("feedback.linked", gettext_lazy("Feedback %(number)s linked to %(linked)s"))

notify.register(
    "feedback.acknowledged.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "Your feedback {number} has been received by {organisation}. It will be answered "
        "by {answer_by}."
    ),
)
notify.register(
    "feedback.answered.portal",
    MessageChannel.PORTAL,
    gettext_lazy(
        "{organisation} has answered your feedback {number}: {answer} Please rate the "
        "answer on the portal."
    ),
)
notify.register(
    "feedback.escalated.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Feedback {number} ({topic}, {estate}) is now for {organisation}: the deadline to "
        "{deadline} passed on {due} at {from_org}. Please deal with it."
    ),
)
notify.register(
    "feedback.passed_on.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Feedback {number} ({topic}, {estate}) was passed on to {organisation}: {reason} "
        "Acknowledge it by {acknowledge_by} and answer it by {answer_by}."
    ),
)
notify.register(
    "feedback.reopened.in_app",
    MessageChannel.IN_APP,
    gettext_lazy(
        "Feedback {number} ({topic}, {estate}) was reopened after a rating of {rating} out "
        "of 5. Answer it again by {answer_by}."
    ),
)

# Messages are written in the district's language, whoever's request queued them.
MESSAGE_LANGUAGE = "zh-hans"


# --- Small pieces -------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def authority() -> Organisation:
    """The district's housing-security authority: where feedback without an estate goes,
    and the top of every escalation."""
    org = Organisation.objects.filter(kind=OrgKind.AUTHORITY, is_active=True).order_by("pk").first()
    if org is None:
        raise DomainError(_("No housing-security authority is set up."), code="no_authority")
    return org


def organisation_for(estate: Estate | None, target: str) -> Organisation:
    """The estate's organisation that a route target names."""
    if estate is None or target == RouteTarget.AUTHORITY:
        return authority()
    if target == RouteTarget.PROPERTY:
        return estate.property_company
    if target == RouteTarget.OPERATOR:
        return estate.operator
    if target == RouteTarget.COMMUNITY:
        return estate.community
    if target == RouteTarget.STREET:
        street = estate.community.parent
        return street if street is not None and street.kind == OrgKind.STREET else authority()
    raise DomainError(_("Unknown route target."), code="bad_route")


def route_for(topic: str, estate: Estate | None) -> Organisation:
    """Who answers feedback on `topic` about `estate`: the estate's own route for the
    topic, else the district's; without an estate, the authority."""
    if estate is None:
        return authority()
    route = (
        FeedbackRoute.objects.filter(topic=topic, estate=estate).first()
        or FeedbackRoute.objects.filter(topic=topic, estate__isnull=True).first()
    )
    return organisation_for(estate, route.target if route else RouteTarget.AUTHORITY)


def route_candidates(estate: Estate | None) -> list[Organisation]:
    """The organisations feedback about `estate` can be passed on to: the estate's own
    (each of them sees the estate) and the authority."""
    orgs = [organisation_for(estate, target) for target in RouteTarget.values]
    unique: dict[int, Organisation] = {}
    for org in orgs:
        unique.setdefault(org.pk, org)
    return list(unique.values())


def deadline_after(start: datetime.datetime, days: int) -> datetime.datetime:
    """`days` working days after `start`, at the same local time."""
    local = timezone.localtime(start)
    day = add_working_days(local.date(), days)
    return timezone.make_aware(datetime.datetime.combine(day, local.time()))


def check_move(feedback: Feedback, to: str) -> None:
    if to not in TRANSITIONS[FeedbackStatus(feedback.status)]:
        raise DomainError(
            _("Feedback %(n)s is “%(now)s”; it cannot become “%(to)s”.")
            % {
                "n": feedback.number,
                "now": feedback.get_status_display(),
                "to": FeedbackStatus(to).label,
            },
            code="bad_transition",
        )


def is_officer(user) -> bool:
    return bool(user is not None and Role.AUTHORITY_OFFICER in user.role_set)


def may_answer(feedback: Feedback, user) -> bool:
    """Whether `user` may acknowledge, answer or pass on `feedback`: staff who answer
    feedback, of the organisation it is with now; the authority's officers, any."""
    if user is None or not user.can(Perm.FEEDBACK_ANSWER):
        return False
    return is_officer(user) or (
        user.organisation_id is not None and user.organisation_id == feedback.organisation_id
    )


def check_may_answer(feedback: Feedback, user) -> None:
    if not may_answer(feedback, user):
        raise DomainError(
            _(
                "Feedback %(n)s is for %(org)s to deal with; only its staff (or the "
                "authority) can acknowledge, answer or pass it on."
            )
            % {"n": feedback.number, "org": feedback.organisation.name},
            code="not_responsible",
        )


# Roles that answer feedback, read from the permission table so that the two agree.
ANSWER_ROLES = sorted(
    str(role) for role, perms in ROLE_PERMISSIONS.items() if Perm.FEEDBACK_ANSWER in perms
)


def answering_staff(org: Organisation) -> list[User]:
    """The active staff of `org` who answer feedback."""
    return list(
        User.objects.filter(organisation=org, is_active=True, roles__role__in=ANSWER_ROLES)
        .distinct()
        .order_by("pk")
    )


def add_step(
    feedback: Feedback,
    kind: str,
    *,
    actor=None,
    from_org: Organisation | None = None,
    to_org: Organisation | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> FeedbackStep:
    return FeedbackStep.objects.create(
        feedback=feedback,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_org=from_org,
        to_org=to_org,
        note=note,
        at=at or timezone.now(),
    )


def add_timeline(feedback: Feedback, verb: str, *, actor=None, **data) -> None:
    """A line on the household's archive, for feedback a household gave openly. Feedback
    given anonymously stays off the archive: staff who read the archive must not learn
    who gave it."""
    if feedback.household_id is None or feedback.anonymous:
        return
    timeline.add(
        verb,
        actor=actor if getattr(actor, "pk", None) else None,
        for_household=feedback.household,
        number=feedback.number,
        **data,
    )


def message_context(feedback: Feedback, **extra) -> dict:
    """The placeholders every feedback message may use, in the messages' language."""
    with translation.override(MESSAGE_LANGUAGE):
        context = {
            "number": feedback.number,
            "topic": str(FeedbackTopic(feedback.topic).label),
            "estate": feedback.estate.name if feedback.estate else str(_("no estate named")),
            "organisation": feedback.organisation.name,
            "acknowledge_by": local_text(feedback.acknowledge_by),
            "answer_by": local_text(feedback.answer_by),
        }
        return context | {k: str(v) for k, v in extra.items()}


def local_text(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def notify_staff(feedback: Feedback, code: str, org: Organisation, *, key: str, **extra) -> int:
    """An in-app message to each staff member of `org` who answers feedback."""
    context = message_context(feedback, **extra)
    staff = answering_staff(org)
    for user in staff:
        notify.queue(
            code,
            key=f"{key}:{user.pk}",
            user=user,
            language=MESSAGE_LANGUAGE,
            context=context,
        )
    return len(staff)


def notify_submitter(feedback: Feedback, code: str, *, key: str, **extra) -> None:
    """A portal message to the household that gave the feedback, if one did."""
    if feedback.household_id is None:
        return
    notify.queue(
        code,
        key=key,
        household=feedback.household,
        language=MESSAGE_LANGUAGE,
        context=message_context(feedback, **extra),
    )


# --- The public page's limit ----------------------------------------------------------------


def public_feedback_left(ip: str | None) -> int:
    """How many more times this address may give feedback on the public page this hour."""
    return hourly_limit.left("feedback", ip, settings.ANJU_PUBLIC_FEEDBACK_PER_HOUR)


def _throttle(ip: str | None) -> None:
    hourly_limit.count(
        "feedback",
        ip,
        settings.ANJU_PUBLIC_FEEDBACK_PER_HOUR,
        message=_("Too much feedback from your address this hour; please try again later."),
    )


# --- Giving feedback --------------------------------------------------------------------------


def feedback_submit(
    *,
    channel: str,
    kind: str,
    topic: str,
    text: str,
    actor=None,
    estate: Estate | None = None,
    household=None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    ip: str | None = None,
) -> Feedback:
    """Record feedback and route it. `channel` says where it came from: the portal
    (`actor` is the tenant; the estate is the household's own), the public page (no
    actor; the address `ip` is limited to ANJU_PUBLIC_FEEDBACK_PER_HOUR an hour) or
    staff entry (`actor` enters it, for an estate they see; `household` if the caller
    is a tenant the staff member found). Anonymous feedback keeps no contact."""
    if channel not in FeedbackChannel.values:
        raise DomainError(_("Unknown channel."), code="bad_channel")
    if kind not in FeedbackKind.values:
        raise DomainError(_("Say what kind of feedback it is."), code="bad_kind")
    if topic not in FeedbackTopic.values:
        raise DomainError(_("Choose what the feedback is about."), code="bad_topic")
    if channel == FeedbackChannel.PORTAL:
        household = getattr(actor, "household", None)
        if household is None:
            raise DomainError(
                _("Only a tenant's account gives feedback on the portal."), code="actor"
            )
        estate = household.estate
    elif channel == FeedbackChannel.PUBLIC:
        actor, household = None, None
    else:
        if actor is None or not actor.can(Perm.FEEDBACK_ENTER):
            raise DomainError(_("Only staff enter feedback taken at the counter."), code="actor")
        if household is not None:
            estate = household.estate
        if (
            estate is not None
            and not Estate.objects.visible_to(actor).filter(pk=estate.pk).exists()
        ):
            raise DomainError(_("Choose an estate you look after."), code="estate")
        if estate is None and not sees_whole_district(actor):
            raise DomainError(_("Choose the estate the feedback is about."), code="estate")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Say what the feedback is about."), code="text_required")
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("Keep the feedback under %(n)s characters.") % {"n": TEXT_MAX}, code="too_long"
        )
    contact_name = "" if anonymous else (contact_name or "").strip()[:40]
    phone = "" if anonymous else (contact_phone or "").strip()
    if phone:
        phone = pii.validate_phone(phone)
    organisation = route_for(topic, estate)
    if channel == FeedbackChannel.PUBLIC:
        _throttle(ip)
    now = timezone.now()

    def write() -> Feedback:
        feedback = Feedback.objects.create(
            number=next_number(Feedback, f"FK{timezone.localdate(now):%Y}", width=5),
            tracking_code=new_code(),
            kind=kind,
            topic=topic,
            channel=channel,
            estate=estate,
            household=household,
            text=text,
            anonymous=bool(anonymous),
            contact_name=contact_name,
            contact_enc=pii.encrypt(phone) if phone else "",
            contact_masked=pii.mask_phone(phone) if phone else "",
            submitted_by=actor,
            received_at=now,
            organisation=organisation,
            acknowledge_by=deadline_after(now, settings.ANJU_FEEDBACK_ACK_DAYS),
            answer_by=deadline_after(now, settings.ANJU_FEEDBACK_ANSWER_DAYS),
        )
        add_step(feedback, FeedbackStepKind.RECEIVED, actor=actor, to_org=organisation, at=now)
        audit.record(
            actor=actor,
            action="feedback.submit",
            target=feedback,
            changes=audit.snapshot(
                feedback,
                [
                    "channel",
                    "kind",
                    "topic",
                    "estate",
                    "household",
                    "anonymous",
                    "organisation",
                    "acknowledge_by",
                    "answer_by",
                ],
            )
            | {"contact": feedback.contact_masked},
        )
        add_timeline(feedback, "feedback.received", actor=actor, organisation=organisation.name)
        return feedback

    # Two submissions may take the same number (or, once in a blue moon, the same code).
    return with_fresh_number(write)
