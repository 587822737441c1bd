"""Ingest batches (Perm.SUPERVISION_VIEW): what each gateway post, command-line file or
staff upload brought, and the rows it rejected with their line and reason. Staff
holding Perm.INGEST may also upload a file here; it goes through the same service as
the API and the command line."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.ingest import BatchFilterForm, IngestUploadForm
from ..models import IngestChannel
from ..selectors import ingest as q
from ..services.ingest import ingest, reason_of


def _batch(user, pk):
    return q.batch_for_user(user, pk)


@staff_view(Perm.SUPERVISION_VIEW)
def ingest_batch_list(request):
    user = request.user
    form = BatchFilterForm(request.GET or None, user=user)
    batches = q.batches_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("kind"):
            batches = batches.filter(kind=data["kind"])
        if data.get("estate"):
            batches = batches.filter(estates=data["estate"])
        if data.get("rejected") == "1":
            batches = batches.filter(rejected__gt=0)
        elif data.get("rejected") == "0":
            batches = batches.filter(rejected=0)
    return list_page(
        request,
        "supervision/ingest/batch_list.html",
        batches.order_by("-received_at", "-pk"),
        {
            "filter": {"form": form},
            "upload": IngestUploadForm() if user.can(Perm.INGEST) else None,
        },
    )


@staff_view(Perm.INGEST, methods=("POST",))
def ingest_upload(request):
    form = IngestUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("ingest_batch_list")
    upload = form.cleaned_data["file"]
    try:
        batch = ingest(
            kind=form.cleaned_data["kind"],
            data=upload.read(),
            principal=request.user,
            channel=IngestChannel.UPLOAD,
            source=upload.name or "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ingest_batch_list")
    text = _(
        "%(rows)s rows: %(accepted)s accepted, %(duplicates)s duplicates, %(rejected)s rejected."
    ) % {
        "rows": batch.rows,
        "accepted": batch.accepted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
    }
    (messages.warning if batch.rejected else messages.success)(request, text)
    return redirect("ingest_batch_detail", pk=batch.pk)  # the uploader's own batch


@staff_view(Perm.SUPERVISION_VIEW, find=_batch)
def ingest_batch_detail(request, batch, pk):
    errors = [{**e, "reason": reason_of(e)} for e in batch.errors]
    page = Paginator(errors, 100).get_page(request.GET.get("page"))
    context = {"batch": batch, "page": page, "estates": list(batch.estates.order_by("code"))}
    if request.htmx and not request.htmx.boosted:
        return render(request, "supervision/ingest/batch_detail.html#table", context)
    return render(request, "supervision/ingest/batch_detail.html", context)


urlpatterns = [
    path("supervision/ingest/", ingest_batch_list, name="ingest_batch_list"),
    path("supervision/ingest/upload/", ingest_upload, name="ingest_upload"),
    path("supervision/ingest/<int:pk>/", ingest_batch_detail, name="ingest_batch_detail"),
]
