"""Reads of applications for the staff pages and the API: the scoped list, the
reviewer's task list, one application in scope, and everything its page shows."""

from datetime import date

from django.db.models import DateField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.query import prefetch_related_objects
from django.utils import timezone

from anju.core.access import get_or_404
from anju.core.counting import count_of
from anju.core.models import Organisation, OrgKind
from anju.core.roles import Role
from anju.core.scoping import sees_whole_district
from anju.households.models import Relation

from ..models import (
    STATUS_OF_LEVEL,
    Application,
    ApplicationDocument,
    ApplicationMember,
    Flag,
    FlagStatus,
    ReviewLevel,
)
from ..services.applications import EDITABLE_STATUSES, application_missing
from ..services.review import ROLE_OF_LEVEL, reviews_at

_NOTHING = Q(pk__in=[])


def application_for_user(user, pk) -> Application:
    return get_or_404(
        Application.objects.visible_to(user).select_related(
            "community__parent", "ruleset", "household", "created_by", "account"
        ),
        pk=pk,
    )


def member_for_user(user, pk, member_pk) -> ApplicationMember:
    application = application_for_user(user, pk)
    member = get_or_404(application.members.all(), pk=member_pk)
    member.application = application
    return member


def document_for_user(user, pk, doc_pk) -> ApplicationDocument:
    application = application_for_user(user, pk)
    return get_or_404(application.documents.all(), pk=doc_pk)


def flag_for_user(user, pk, flag_pk) -> Flag:
    application = application_for_user(user, pk)
    flag = get_or_404(application.flags.select_related("member"), pk=flag_pk)
    flag.application = application
    return flag


def application_list(user, *, today: date | None = None):
    """The applications `user` sees, each with its applicant's name, the number of
    members and of open flags, and `overdue` (today − due date, a timedelta) — one
    query per page however many rows it shows."""
    today = today or timezone.localdate()
    head = ApplicationMember.objects.filter(
        application=OuterRef("pk"), relation=Relation.HEAD
    ).values("name")[:1]
    return (
        Application.objects.visible_to(user)
        .select_related("community")
        .annotate(
            head_name=Subquery(head),
            member_count=count_of(ApplicationMember.objects.all(), "application"),
            open_flag_count=count_of(Flag.objects.filter(status=FlagStatus.OPEN), "application"),
            overdue=Value(today, output_field=DateField()) - F("due_on"),
        )
    )


def review_task_q(user) -> Q:
    """The queryset twin of `reviews_at`: applications in the status of a level that
    `user` reviews, received by the user's community, by a community of the user's
    street, or (for the authority) any."""
    roles = user.role_set
    org = user.organisation_id
    where = {
        ReviewLevel.COMMUNITY: Q(community_id=org),
        ReviewLevel.STREET: Q(community__parent_id=org),
        ReviewLevel.AUTHORITY: Q(),
    }
    q = _NOTHING
    for level, role in ROLE_OF_LEVEL.items():
        if role in roles:
            q |= Q(status=STATUS_OF_LEVEL[level]) & where[level]
    return q


def review_tasks(user, *, today: date | None = None):
    """The reviewer's task list: what awaits the user's decision, the most urgent
    first."""
    return (
        application_list(user, today=today)
        .filter(review_task_q(user))
        .order_by("due_on", "submitted_at", "pk")
    )


def communities_for(user):
    """The communities `user` may pick in filters and when entering an application."""
    communities = Organisation.objects.filter(kind=OrgKind.COMMUNITY, is_active=True)
    if sees_whole_district(user):
        return communities
    roles = user.role_set
    q = _NOTHING
    if Role.STREET_REVIEWER in roles:
        q |= Q(parent_id=user.organisation_id)
    if Role.COMMUNITY_WORKER in roles:
        q |= Q(pk=user.organisation_id)
    return communities.filter(q)


def search_q(value: str) -> Q:
    """By application number (its start) or any member's name (a part of it)."""
    value = value.strip()
    if not value:
        return Q()
    named = ApplicationMember.objects.filter(
        application=OuterRef("pk"), name__contains=value
    ).order_by()
    return Q(number__startswith=value.upper()) | Q(Exists(named))


def entry_state(application: Application) -> dict:
    """What every step of the counter entry shows beside its form: the members and
    documents so far, what is still missing, and what a reviewer sent back."""
    prefetch_related_objects([application], "members", "documents__uploaded_by")
    return {
        "application": application,
        "members": list(application.members.all()),
        "documents": list(application.documents.all()),
        "missing": application_missing(application),
        "editable": application.status in EDITABLE_STATUSES,
    }


def application_detail(application: Application, *, user) -> dict:
    """Everything the application's page shows, in a fixed number of queries."""
    prefetch_related_objects([application], "members", "documents__uploaded_by")
    level = application.review_level
    today = timezone.localdate()
    reviews = list(application.reviews.select_related("actor"))
    for review in reviews:
        review.late = bool(review.due_on and timezone.localdate(review.at) > review.due_on)
    criteria = list(application.criteria.all())
    flags = list(
        application.flags.select_related(
            "member", "other_application", "other_household", "ban", "resolved_by"
        )
    )
    return {
        "application": application,
        "members": list(application.members.all()),
        "documents": list(application.documents.all()),
        "missing": application_missing(application),
        "editable": application.status in EDITABLE_STATUSES,
        "criteria": criteria,
        "flags": flags,
        "open_flag_count": sum(1 for f in flags if f.status == FlagStatus.OPEN),
        "reviews": reviews,
        "verifications": _verification_rows(application),
        "timeline": list(application.household.timeline.select_related("actor")[:200]),
        "level": level,
        "can_review": bool(level and reviews_at(user, level, application)),
        "days_overdue": (today - application.due_on).days
        if application.due_on and application.due_on < today
        else 0,
    }


def _verification_rows(application: Application):
    requests = application.verifications.select_related("batch__agency").order_by("pk")
    try:
        from ..services.verification import verification_rows
    except ImportError:  # until the verification service lands: the plain requests
        return list(requests)
    return verification_rows(requests)
