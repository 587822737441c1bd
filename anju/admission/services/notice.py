"""Public notice (公示) of approved households, and the objections lodged against it.

The authority publishes a batch of approved applications for the rule set's number of
days. The public page shows each household masked (王*明, 140402********0019), with its
category, size and community. Anyone may object during the period, anonymously if they
wish; each objection is investigated and resolved with a finding. When the period has
ended, every household with no open objection joins the waiting list; one with an open
objection waits until it is resolved."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, pii, timeline
from anju.core.access import get_or_404
from anju.core.errors import DomainError
from anju.core.models import AuditKind
from anju.core.scoping import sees_whole_district
from anju.core.workdays import add_working_days
from anju.households.models import Relation

from ..models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Finding,
    NoticeEntry,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
)
from .applications import set_status
from .rules import ruleset_in_force
from .waiting import waiting_join_many

timeline.register(
    "notice.published",
    gettext_lazy("Published on public notice %(number)s from %(starts)s until %(ends)s"),
)
timeline.register(
    "notice.objection", gettext_lazy("An objection was lodged during public notice %(number)s")
)
timeline.register(
    "notice.objection_upheld",
    gettext_lazy("Objection upheld (%(finding)s): sent back for authority review"),
)
timeline.register("notice.objection_dismissed", gettext_lazy("Objection dismissed (%(finding)s)"))
timeline.register(
    "notice.held",
    gettext_lazy("Public notice %(number)s closed; waiting for an open objection to be resolved"),
)

OPEN_OBJECTION = Q(status__in=[ObjectionStatus.RECEIVED, ObjectionStatus.INVESTIGATING])
TEXT_MAX = 2000
BATCH = 1000

# Two-character surnames (复姓): the whole surname stays visible, as the notices of
# Chinese cities print them (欧阳*明).
_SURNAMES_2 = (
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文司徒司空夏侯轩辕"
    "令狐端木独孤南宫西门呼延澹台公冶太史申屠万俟闻人赫连钟离拓跋"
    "第五公羊濮阳淳于单于百里东郭南门羊舌微生梁丘左丘东门仲孙叔孙"
    "乐正漆雕壤驷公良谷梁宰父巫马公西颛孙司寇亓官鲜于锺离闾丘子车"
    "段干"
)
COMPOUND_SURNAMES = frozenset(_SURNAMES_2[i : i + 2] for i in range(0, len(_SURNAMES_2), 2))


def mask_name(name: str) -> str:
    """王小明 → 王*明, 王明 → 王*, 欧阳小明 → 欧阳*明: the surname and the last character
    stay, every character between them is masked."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]
    given = name[len(surname) :]
    if len(given) <= 1:
        return surname + "*"
    return surname + "*" * (len(given) - 1) + given[-1]


# --- Publishing ----------------------------------------------------------------------


def notice_publish(
    *, actor, applications, title: str, starts_on: date | None = None
) -> PublicNotice:
    """Put approved applications on a new public notice, open for objections for the
    rule set's number of days (both ends included)."""
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the notice a title."), code="title_required")
    ids = sorted({a.pk for a in applications})
    if not ids:
        raise DomainError(_("Choose at least one approved application."), code="empty")
    starts_on = starts_on or timezone.localdate()
    ruleset = ruleset_in_force(starts_on)
    ends_on = starts_on + timedelta(days=max(ruleset.notice_days, 1) - 1)
    with transaction.atomic():
        rows = list(
            Application.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("community", "household")
            .order_by("pk")
        )
        sizes = dict(
            Application.objects.filter(pk__in=ids)
            .annotate(n=Count("members"))
            .values_list("pk", "n")
        )
        wrong = [a.number for a in rows if a.status != ApplicationStatus.APPROVED]
        if wrong or len(rows) != len(ids):
            raise DomainError(
                _("Only approved applications can be published: %(n)s.") % {"n": ", ".join(wrong)},
                code="not_approved",
            )
        heads = {m.application_id: m for m in _heads(ids)}
        notice = PublicNotice.objects.create(
            number=f"tmp-{timezone.now().timestamp()}",
            title=title[:120],
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        notice.number = f"GS{starts_on.year}{notice.pk:05d}"
        notice.save(update_fields=["number"])
        NoticeEntry.objects.bulk_create(
            [
                NoticeEntry(
                    notice=notice,
                    application=a,
                    masked_name=mask_name(heads[a.pk].name) if a.pk in heads else "*",
                    masked_id=heads[a.pk].id_number_masked if a.pk in heads else "",
                    category=a.category,
                    size=sizes[a.pk],
                    community_name=a.community.name[:120],
                )
                for a in rows
            ],
            batch_size=BATCH,
        )
        Application.objects.filter(pk__in=ids).update(status=ApplicationStatus.IN_NOTICE)
        audit.record(
            actor=actor,
            action="notice.publish",
            target=notice,
            changes={
                "title": notice.title,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "applications": [a.number for a in rows],
            },
        )
        timeline.add_many(
            [
                timeline.build(
                    "notice.published",
                    actor=actor,
                    for_household=a.household,
                    number=notice.number,
                    starts=starts_on.isoformat(),
                    ends=ends_on.isoformat(),
                )
                for a in rows
            ],
        )
    return notice


def _heads(application_ids):
    return ApplicationMember.objects.filter(
        application_id__in=application_ids, relation=Relation.HEAD
    ).only("application_id", "name", "id_number_masked")


# --- Objections ----------------------------------------------------------------------


def notice_is_open(notice: PublicNotice, on: date | None = None) -> bool:
    today = on or timezone.localdate()
    return notice.status == NoticeStatus.OPEN and notice.starts_on <= today <= notice.ends_on


def objection_lodge(
    notice: PublicNotice,
    *,
    text: str,
    entry: NoticeEntry | None = None,
    anonymous: bool = False,
    contact: str = "",
    on: date | None = None,
) -> Objection:
    """Anyone may object while the notice is open, about one household or about the
    notice in general. An anonymous objection keeps no contact."""
    if not notice_is_open(notice, on):
        raise DomainError(
            _("Notice %(n)s takes objections from %(s)s until %(e)s.")
            % {
                "n": notice.number,
                "s": date_format(notice.starts_on, "Y-m-d"),
                "e": date_format(notice.ends_on, "Y-m-d"),
            },
            code="notice_not_open",
        )
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write what the objection is about."), code="text_required")
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("Keep the objection under %(n)s characters.") % {"n": TEXT_MAX}, code="too_long"
        )
    contact = "" if anonymous else (contact or "").strip()
    if not anonymous and not contact:
        raise DomainError(
            _("Leave a name and a way to reach you, or object anonymously."),
            code="contact_required",
        )
    if len(contact) > 100:
        raise DomainError(_("The contact is too long."), code="too_long")
    if entry is not None and entry.notice_id != notice.pk:
        raise DomainError(_("That household is not on this notice."), code="bad_entry")
    with transaction.atomic():
        objection = Objection.objects.create(
            notice=notice,
            entry=entry,
            text=text,
            anonymous=bool(anonymous),
            contact_enc=pii.encrypt(contact) if contact else "",
            contact_masked=pii.mask_text(contact),
        )
        # The audit log keeps that an objection came in, not who sent it.
        audit.record(
            actor=None,
            action="objection.lodge",
            target=objection,
            changes={
                "notice": notice.number,
                "entry": entry.pk if entry else None,
                "anonymous": objection.anonymous,
            },
        )
        if entry is not None:
            timeline.add(
                "notice.objection",
                for_household=entry.application.household,
                number=notice.number,
            )
    return objection


def objection_contact_reveal(objection: Objection, *, actor) -> str:
    """The objector's contact in full, for the officer who must call them back; each
    reading is written to the access log."""
    if not objection.contact_enc:
        raise DomainError(_("This objection left no contact."), code="no_contact")
    audit.record(
        actor=actor,
        kind=AuditKind.ACCESS,
        action="objection.contact_reveal",
        target=objection,
        changes={"notice": objection.notice.number, "contact": objection.contact_masked},
    )
    return objection.reveal_contact()


def objection_investigate(objection: Objection, *, actor) -> Objection:
    if objection.status != ObjectionStatus.RECEIVED:
        raise DomainError(
            _("Objection #%(pk)s is already %(status)s.")
            % {"pk": objection.pk, "status": objection.get_status_display().lower()},
            code="bad_transition",
        )
    with transaction.atomic():
        objection.status = ObjectionStatus.INVESTIGATING
        objection.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="objection.investigate",
            target=objection,
            changes={"status": objection.status},
        )
    return objection


def objection_resolve(objection: Objection, *, actor, finding: str, finding_text: str) -> Objection:
    """Resolve with a finding. Upheld: the household leaves the notice and goes back to
    authority review. Dismissed: it stays, and if the notice has already closed and no
    other objection is open, it joins the waiting list now."""
    if objection.status == ObjectionStatus.RESOLVED:
        raise DomainError(
            _("Objection #%(pk)s is already resolved.") % {"pk": objection.pk},
            code="already_resolved",
        )
    if finding not in Finding.values:
        raise DomainError(_("Choose a finding."), code="bad_finding")
    finding_text = (finding_text or "").strip()
    if not finding_text:
        raise DomainError(_("Write down what the investigation found."), code="finding_required")
    with transaction.atomic():
        if Objection.objects.select_for_update().get(pk=objection.pk).status == (
            ObjectionStatus.RESOLVED
        ):
            raise DomainError(
                _("Objection #%(pk)s is already resolved.") % {"pk": objection.pk},
                code="already_resolved",
            )
        objection.status = ObjectionStatus.RESOLVED
        objection.finding, objection.finding_text = finding, finding_text
        objection.resolved_by, objection.resolved_at = actor, timezone.now()
        objection.save(
            update_fields=["status", "finding", "finding_text", "resolved_by", "resolved_at"]
        )
        audit.record(
            actor=actor,
            action=f"objection.{finding}",
            target=objection,
            changes={"finding": finding, "finding_text": finding_text},
        )
        entry = objection.entry
        if entry is not None:
            application = Application.objects.select_for_update().get(pk=entry.application_id)
            household = application.household
            if finding == Finding.UPHELD:
                timeline.add(
                    "notice.objection_upheld",
                    actor=actor,
                    for_household=household,
                    finding=finding_text,
                )
                if application.status == ApplicationStatus.IN_NOTICE:
                    application.due_on = add_working_days(
                        timezone.localdate(), application.ruleset.review_days
                    )
                    set_status(application, ApplicationStatus.AUTHORITY_REVIEW, fields=["due_on"])
            else:
                timeline.add(
                    "notice.objection_dismissed",
                    actor=actor,
                    for_household=household,
                    finding=finding_text,
                )
                _join_if_cleared(entry, application, actor)
    return objection


def _join_if_cleared(entry: NoticeEntry, application: Application, actor) -> None:
    """After the notice closed, a household held back by objections joins once none of
    them is open."""
    if (
        entry.notice.status == NoticeStatus.CLOSED
        and application.status == ApplicationStatus.IN_NOTICE
        and not entry.objections.filter(OPEN_OBJECTION).exists()
    ):
        waiting_join_many([application], actor=actor)


# --- Closing -------------------------------------------------------------------------


def notice_close(notice: PublicNotice, *, actor=None, on: date | None = None) -> dict:
    """After the period, every household on the notice with no open objection joins the
    waiting list. Returns {"joined": n, "held": n}."""
    today = on or timezone.localdate()
    if notice.status != NoticeStatus.OPEN:
        raise DomainError(
            _("Notice %(n)s is already closed.") % {"n": notice.number}, code="notice_closed"
        )
    if today <= notice.ends_on:
        raise DomainError(
            _("Notice %(n)s takes objections until %(e)s; close it after that.")
            % {"n": notice.number, "e": date_format(notice.ends_on, "Y-m-d")},
            code="notice_running",
        )
    with transaction.atomic():
        notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != NoticeStatus.OPEN:
            raise DomainError(
                _("Notice %(n)s is already closed.") % {"n": notice.number},
                code="notice_closed",
            )
        entries = notice.entries.filter(application__status=ApplicationStatus.IN_NOTICE).annotate(
            open=Count("objections", filter=Q(objections__status__in=_open_codes()))
        )
        clear: list[Application] = []
        held: list[Application] = []
        for e in entries.select_related("application__household"):
            (held if e.open else clear).append(e.application)
        notice.status, notice.closed_at = NoticeStatus.CLOSED, timezone.now()
        notice.save(update_fields=["status", "closed_at"])
        waiting_join_many(clear, actor=actor, on=today)
        timeline.add_many(
            [
                timeline.build(
                    "notice.held", actor=actor, for_household=a.household, number=notice.number
                )
                for a in held
            ]
        )
        audit.record(
            actor=actor,
            action="notice.close",
            target=notice,
            changes={
                "joined": [a.number for a in clear],
                "held": [a.number for a in held],
            },
        )
    return {"joined": len(clear), "held": len(held)}


def _open_codes():
    return [ObjectionStatus.RECEIVED, ObjectionStatus.INVESTIGATING]


def notices_close_due(*, on: date | None = None) -> int:
    """Close every notice whose period has ended (the daily task). Returns how many."""
    today = on or timezone.localdate()
    due = PublicNotice.objects.filter(status=NoticeStatus.OPEN, ends_on__lt=today)
    count = 0
    for notice in due:
        notice_close(notice, on=today)
        count += 1
    return count


# --- Reading -------------------------------------------------------------------------


def public_notices(*, on: date | None = None, recent_days: int = 90):
    """Notices the public sees: open ones that have started, and those closed in the
    last `recent_days` days."""
    today = on or timezone.localdate()
    return (
        PublicNotice.objects.filter(
            Q(status=NoticeStatus.OPEN, starts_on__lte=today)
            | Q(status=NoticeStatus.CLOSED, ends_on__gte=today - timedelta(days=recent_days))
        )
        .annotate(households=Count("entries"))
        .order_by("-starts_on", "-id")
    )


def approved_for_notice(user):
    """Approved applications not yet on a notice, as the user may see them."""
    return (
        Application.objects.visible_to(user)
        .filter(status=ApplicationStatus.APPROVED)
        .select_related("community")
        .annotate(
            size=Count("members"),
            head_name=Subquery(
                ApplicationMember.objects.filter(
                    application=OuterRef("pk"), relation=Relation.HEAD
                ).values("name")[:1]
            ),
        )
        .order_by("approved_at", "id")
    )


def notices_visible_to(user):
    """Notices as staff see them: the district-wide roles all, a street or community
    the notices that carry one of its applications."""
    if sees_whole_district(user):
        return PublicNotice.objects.all()
    mine = NoticeEntry.objects.filter(application__in=Application.objects.visible_to(user))
    return PublicNotice.objects.filter(pk__in=mine.values("notice_id"))


def notice_for_user(user, pk) -> PublicNotice:
    return get_or_404(notices_visible_to(user), pk=pk)


def notice_entries_for(notice: PublicNotice, user):
    """The notice's households the user may see, each with its open objections counted."""
    return (
        notice.entries.filter(application__in=Application.objects.visible_to(user))
        .select_related("application")
        .annotate(
            open_objections=Count("objections", filter=Q(objections__status__in=_open_codes()))
        )
        .order_by("id")
    )


def objections_visible_to(user):
    """Objections about a household the user may see; those about the notice in general
    only to the district-wide roles."""
    if sees_whole_district(user):
        return Objection.objects.all()
    return Objection.objects.filter(entry__application__in=Application.objects.visible_to(user))


def objection_for_user(user, pk) -> Objection:
    return get_or_404(objections_visible_to(user).select_related("notice", "entry"), pk=pk)
