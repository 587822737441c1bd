"""The public site's notices and policies, open to anyone without logging in: the live
notices for the whole district (announcements, policy documents and plain-language
explainers with their questions and answers), each notice's page and its attachments,
and the way to the year's admission rules and the public-notice batches. Estate and
building notices, drafts, scheduled, expired and withdrawn notices answer 404 here."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from ..models import NoticeKind
from ..selectors import notices as selectors
from .notices import attachment_response

PAGE_SIZE = 20


@require_safe
def public_list(request):
    kind = request.GET.get("kind", "")
    notices = selectors.public_notices().order_by("-pinned", "-publish_at", "-id")
    if kind in NoticeKind.values:
        notices = notices.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "outreach/notices/public_list.html",
        {
            "page": Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page")),
            "kind": kind,
            "kinds": NoticeKind.choices,
        },
    )


@require_safe
def public_detail(request, pk):
    notice = selectors.public_notice(pk)
    return render(
        request,
        "outreach/notices/public_detail.html",
        {
            "notice": notice,
            "questions": list(notice.questions.all()),
            "attachments": list(notice.attachments.all()),
        },
    )


@require_safe
def public_file(request, pk, file_pk):
    return attachment_response(selectors.public_attachment(pk, file_pk))


urlpatterns = [
    path("publicity/", public_list, name="publicity_public_list"),
    path("publicity/<int:pk>/", public_detail, name="publicity_public_detail"),
    path("publicity/<int:pk>/files/<int:file_pk>/", public_file, name="publicity_public_file"),
]
