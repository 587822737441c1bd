"""Reads the verification pages share."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from anju.households.models import Relation

from ...models import Application, ApplicationMember, Purpose, RequestStatus
from .batches import VERIFIABLE_STATUSES
from .questions import answer_words, declared_words


class Rows(list):
    @property
    def mismatches(self) -> int:
        return sum(1 for r in self if r.mismatch)


def verification_rows(requests) -> Rows:
    """`requests` (e.g. `application.verifications.all()`) with the words a page shows
    attached to each: `declared_text` and `answer_text`; `.mismatches` counts the
    answers that differ from the declaration."""
    if isinstance(requests, QuerySet) and not requests.query.is_sliced:
        requests = requests.select_related("batch__agency", "answered_by")
    rows = Rows(requests)
    for r in rows:
        r.declared_text = declared_words(r.batch.question, r.declared or {})
        r.answer_text = answer_words(r.batch.question, r.found, r.value)
    return rows


def batches_with_progress(queryset):
    return queryset.select_related("agency", "created_by").annotate(
        total=Count("requests"),
        answered=Count("requests", filter=Q(requests__status=RequestStatus.ANSWERED)),
        pending=Count("requests", filter=Q(requests__status=RequestStatus.PENDING)),
        mismatches=Count("requests", filter=Q(requests__mismatch=True)),
    )


def verification_candidates():
    """Applications under review, with consent, that no agency has been asked about."""
    return (
        Application.objects.filter(status__in=VERIFIABLE_STATUSES, consent_at__isnull=False)
        .exclude(verifications__batch__purpose=Purpose.ADMISSION)
        .select_related("community")
        .annotate(
            member_count=Count("members", distinct=True),
            applicant=Subquery(
                ApplicationMember.objects.filter(
                    application=OuterRef("pk"), relation=Relation.HEAD
                ).values("name")[:1]
            ),
        )
        .order_by("status", "submitted_at", "pk")
    )
