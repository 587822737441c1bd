"""Notices (公告) and policy publicity (政策宣传): the authority writes a notice, a policy
document or a plain-language explainer with its questions and answers, aims it at the
whole district, one estate or one building, and publishes it now or at a set time, with
an expiry if it has one. A published notice can be corrected (not re-aimed) and
withdrawn. An important notice asks each household it reaches to confirm it has read
it; any notice that is live can also be pushed to its households by SMS through the
outbox, once per household however often the button is pressed.

Who a notice reaches (`targeted_households`) is the households housed in its target
now: read rates and pushes both count them."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.uploads import check_document
from anju.households.models import Household
from anju.housing.models import Building, Estate

from ..models import (
    Audience,
    Notice,
    NoticeAttachment,
    NoticeQuestion,
    NoticeRead,
    NoticeStatus,
)

timeline.register("notice.read", gettext_lazy("Confirmed having read the notice “%(title)s”"))

notify.register(
    "notice.published",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] {title}: {summary} The full notice is on the tenant "
        "portal under Notices."
    ),
)

# The one table of a notice's moves.
TRANSITIONS: dict[str, set[str]] = {
    NoticeStatus.DRAFT: {NoticeStatus.PUBLISHED},
    NoticeStatus.PUBLISHED: {NoticeStatus.WITHDRAWN},
    NoticeStatus.WITHDRAWN: set(),
}

# What a correction may change once a notice is published; the target is fixed then,
# since read rates and pushes are counted against it.
CONTENT_FIELDS = ("kind", "title", "summary", "body", "source", "important", "pinned")
TARGET_FIELDS = ("audience", "estate", "building")
AUDITED = (*CONTENT_FIELDS, *TARGET_FIELDS, "expire_at")
SUMMARY_IN_SMS = 60


# --- Small pieces -----------------------------------------------------------------------


def check_move(notice: Notice, to: str) -> None:
    if to not in TRANSITIONS[NoticeStatus(notice.status)]:
        raise DomainError(
            _("A notice that is “%(now)s” cannot become “%(to)s”.")
            % {"now": notice.get_status_display(), "to": NoticeStatus(to).label},
            code="bad_transition",
        )


def _check_editable(notice: Notice) -> None:
    if notice.status == NoticeStatus.WITHDRAWN:
        raise DomainError(_("A withdrawn notice cannot be changed."), code="withdrawn")


def is_live(notice: Notice, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        notice.status == NoticeStatus.PUBLISHED
        and notice.publish_at is not None
        and notice.publish_at <= now
        and (notice.expire_at is None or notice.expire_at > now)
    )


def _target(actor, audience: str, estate: Estate | None, building: Building | None):
    """The (estate, building) a notice for `audience` keeps, checked: a building notice
    takes the building's estate; the estate must be one the actor sees."""
    if audience == Audience.DISTRICT:
        return None, None
    if audience == Audience.BUILDING:
        if building is None:
            raise DomainError(_("Choose the building the notice is for."), code="target")
        estate = building.estate
    elif audience == Audience.ESTATE:
        if estate is None:
            raise DomainError(_("Choose the estate the notice is for."), code="target")
        building = None
    else:
        raise DomainError(_("Unknown audience."), code="target")
    if actor is not None and not Estate.objects.visible_to(actor).filter(pk=estate.pk).exists():
        raise DomainError(_("That estate is outside your area."), code="target")
    return estate, building


def _check_expiry(publish_at, expire_at, now) -> None:
    if expire_at is None:
        return
    if publish_at is not None and expire_at <= publish_at:
        raise DomainError(_("The expiry must come after the notice is published."), code="expiry")
    if expire_at <= now:
        raise DomainError(_("The expiry must be in the future."), code="expiry")


def _set_questions(notice: Notice, rows) -> None:
    """Replace the notice's questions and answers with `rows` of (question, answer), in
    their order; blank rows are left out."""
    notice.questions.all().delete()
    NoticeQuestion.objects.bulk_create(
        NoticeQuestion(notice=notice, question=q.strip(), answer=a.strip(), sort=i)
        for i, (q, a) in enumerate(
            (q, a) for q, a in rows if (q or "").strip() and (a or "").strip()
        )
    )


def _questions_of(notice: Notice) -> list[list[str]]:
    return [[q.question, q.answer] for q in notice.questions.all()]


def targeted_households(notice: Notice) -> QuerySet[Household]:
    """The households a notice reaches: those housed now in its district, estate or
    building."""
    households = Household.objects.filter(unit__isnull=False)
    if notice.audience == Audience.ESTATE:
        return households.filter(Q(estate_id=notice.estate_id))
    if notice.audience == Audience.BUILDING:
        return households.filter(Q(unit__building_id=notice.building_id))
    return households


# --- Writing ----------------------------------------------------------------------------


def notice_create(
    *,
    actor,
    kind: str,
    title: str,
    body: str,
    summary: str = "",
    source: str = "",
    audience: str = Audience.DISTRICT,
    estate: Estate | None = None,
    building: Building | None = None,
    important: bool = False,
    pinned: bool = False,
    expire_at: datetime.datetime | None = None,
    questions=(),
) -> Notice:
    """A draft notice, with its questions and answers (rows of question, answer)."""
    if not (title or "").strip() or not (body or "").strip():
        raise DomainError(_("A notice needs a title and a text."), code="empty")
    estate, building = _target(actor, audience, estate, building)
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            title=title.strip(),
            summary=(summary or "").strip(),
            body=body.strip(),
            source=(source or "").strip(),
            audience=audience,
            estate=estate,
            building=building,
            important=important,
            pinned=pinned,
            expire_at=expire_at,
            created_by=actor,
        )
        _set_questions(notice, questions)
        audit.record(
            actor=actor,
            action="notice.create",
            target=notice,
            changes={
                **audit.snapshot(notice, AUDITED),
                "questions": notice.questions.count(),
            },
        )
    return notice


def notice_update(notice: Notice, *, actor, questions=None, **fields) -> Notice:
    """Change a draft, or correct a published notice: its wording, flags and expiry,
    not its target. `questions`, when given, replaces the questions and answers."""
    _check_editable(notice)
    unknown = set(fields) - {*CONTENT_FIELDS, *TARGET_FIELDS, "expire_at"}
    if unknown:
        raise TypeError(f"notice_update() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        _check_editable(notice)
        before = audit.snapshot(notice, AUDITED)
        expiry_before = notice.expire_at
        questions_before = _questions_of(notice)
        target = {name: fields.pop(name) for name in TARGET_FIELDS if name in fields}
        if target:
            audience = target.get("audience", notice.audience)
            estate, building = _target(
                actor,
                audience,
                target.get("estate", notice.estate),
                target.get("building", notice.building),
            )
            changed = (audience, estate, building) != (
                notice.audience,
                notice.estate,
                notice.building,
            )
            if changed and notice.status != NoticeStatus.DRAFT:
                raise DomainError(
                    _("A published notice keeps its audience; withdraw it and write a new one."),
                    code="target_fixed",
                )
            notice.audience, notice.estate, notice.building = audience, estate, building
        for name, value in fields.items():
            if isinstance(value, str):
                value = value.strip()
            setattr(notice, name, value)
        if not notice.title or not notice.body:
            raise DomainError(_("A notice needs a title and a text."), code="empty")
        if notice.expire_at != expiry_before:
            _check_expiry(
                notice.publish_at if notice.status == NoticeStatus.PUBLISHED else None,
                notice.expire_at,
                timezone.now(),
            )
        notice.save(update_fields=[*CONTENT_FIELDS, *TARGET_FIELDS, "expire_at"])
        changes = audit.diff(before, audit.snapshot(notice, AUDITED))
        if questions is not None:
            _set_questions(notice, questions)
            after = _questions_of(notice)
            if after != questions_before:
                changes["questions"] = [len(questions_before), len(after)]
        if changes:
            audit.record(actor=actor, action="notice.update", target=notice, changes=changes)
    return notice


def notice_publish(notice: Notice, *, actor, publish_at: datetime.datetime | None = None) -> Notice:
    """Publish a draft now, or at `publish_at` (it shows from then on). The expiry, if
    any, must come after publishing and lie ahead."""
    now = timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        check_move(notice, NoticeStatus.PUBLISHED)
        at = publish_at or now
        _check_expiry(at, notice.expire_at, now)
        notice.status = NoticeStatus.PUBLISHED
        notice.publish_at = at
        notice.published_by = actor
        notice.save(update_fields=["status", "publish_at", "published_by"])
        audit.record(
            actor=actor,
            action="notice.publish",
            target=notice,
            changes={"status": [NoticeStatus.DRAFT, NoticeStatus.PUBLISHED], "publish_at": at},
        )
    return notice


def notice_withdraw(notice: Notice, *, actor, reason: str) -> Notice:
    """Take a published (or scheduled) notice down, saying why. Its read confirmations
    and the messages already sent stay on record."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the notice is withdrawn."), code="reason")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        check_move(notice, NoticeStatus.WITHDRAWN)
        notice.status = NoticeStatus.WITHDRAWN
        notice.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="notice.withdraw",
            target=notice,
            changes={"status": [NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN], "why": reason},
        )
    return notice


def notice_question_add(notice: Notice, *, actor, question: str, answer: str) -> NoticeQuestion:
    """One more question and answer, at the end."""
    _check_editable(notice)
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise DomainError(_("Write both the question and its answer."), code="empty")
    with transaction.atomic():
        last = notice.questions.order_by("-sort").values_list("sort", flat=True).first()
        row = NoticeQuestion.objects.create(
            notice=notice, question=question, answer=answer, sort=(last or 0) + 1
        )
        audit.record(
            actor=actor, action="notice.question_add", target=notice, changes={"q": question}
        )
    return row


def notice_question_remove(row: NoticeQuestion, *, actor) -> None:
    notice = row.notice
    _check_editable(notice)
    with transaction.atomic():
        row.delete()
        audit.record(
            actor=actor,
            action="notice.question_remove",
            target=notice,
            changes={"q": row.question},
        )


def notice_attach(notice: Notice, *, actor, file, title: str = "") -> NoticeAttachment:
    """Attach a PDF, JPEG or PNG (checked by its first bytes); the title defaults to the
    file's name."""
    _check_editable(notice)
    if not file:
        raise DomainError(_("Choose a file to attach."), code="upload_empty")
    check_document(file)
    title = (title or "").strip() or file.name.rsplit("/", 1)[-1][:120]
    with transaction.atomic():
        attachment = NoticeAttachment.objects.create(notice=notice, title=title, file=file)
        audit.record(
            actor=actor,
            action="notice.attach",
            target=notice,
            changes={"attachment": title, "file": attachment.file.name},
        )
    return attachment


def notice_detach(attachment: NoticeAttachment, *, actor) -> None:
    """Remove an attachment; its file goes once the removal is committed."""
    notice = attachment.notice
    _check_editable(notice)
    storage, name = attachment.file.storage, attachment.file.name or ""
    with transaction.atomic():
        attachment.delete()
        audit.record(
            actor=actor,
            action="notice.detach",
            target=notice,
            changes={"attachment": attachment.title, "file": name},
        )
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def notice_confirm_read(notice: Notice, *, household: Household, user=None) -> NoticeRead:
    """The household confirms it has read an important notice that reaches it and is
    live. Confirming again returns the first confirmation and changes nothing."""
    if not notice.important:
        raise DomainError(_("This notice asks for no confirmation."), code="not_important")
    # Asked of the database, not of `notice`: the caller's copy may predate publishing.
    shown = Notice.objects.live().filter(pk=notice.pk).for_household(household).exists()
    if not shown:
        raise DomainError(_("This notice is not shown to your household."), code="not_shown")
    existing = NoticeRead.objects.filter(notice=notice, household=household).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            read = NoticeRead.objects.create(notice=notice, household=household, user=user)
            audit.record(
                actor=user,
                action="notice.read",
                target=notice,
                changes={"household": household.number},
            )
            timeline.add("notice.read", actor=user, for_household=household, title=notice.title)
    except IntegrityError:  # another account of the household confirmed at the same time
        return NoticeRead.objects.get(notice=notice, household=household)
    return read


def notice_push(notice: Notice, *, actor) -> int:
    """Queue the notice's SMS ("notice.published") to every household it reaches that
    has not had it; returns how many were queued. The first push stamps `pushed_at`;
    pushing again reaches only households that have moved in since."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if not is_live(notice):
            raise DomainError(
                _("Only a notice that is showing can be sent; publish it first."),
                code="not_live",
            )
        summary = notice.summary or Truncator(" ".join(notice.body.split())).chars(SUMMARY_IN_SMS)
        rows = [
            (
                "notice.published",
                f"notice:{notice.pk}:{household.pk}",
                household,
                {
                    "title": notice.title,
                    "summary": summary,
                    "household_number": household.number,
                },
            )
            for household in targeted_households(notice).select_related("head").order_by("pk")
        ]
        queued = notify.queue_many(rows)
        first = notice.pushed_at is None
        if first:
            notice.pushed_at = timezone.now()
            notice.save(update_fields=["pushed_at"])
        if queued or first:
            audit.record(
                actor=actor,
                action="notice.push",
                target=notice,
                changes={"queued": queued, "households": len(rows)},
            )
    return queued
