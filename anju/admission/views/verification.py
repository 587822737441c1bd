"""Verification with partner agencies (协查). The authority creates and sends one batch
per agency and follows the answers; an agency logs in to answer its own batches on
screen or by file. Both may download a batch and upload an answer file: the authority
does so for an agency that answers on paper or by e-mail."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.models import JobRun
from anju.core.roles import Perm

from .. import verification_files as files
from ..models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    Question,
    RequestStatus,
    VerificationBatch,
    VerificationRequest,
)
from ..services import verification as service

MANAGE_OR_AUDIT = (Perm.VERIFICATION_MANAGE, Perm.AUDIT_VIEW)
MANAGE_OR_ANSWER = (Perm.VERIFICATION_MANAGE, Perm.VERIFICATION_ANSWER)


# --- Forms ----------------------------------------------------------------------------


class CreateForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Applications"), queryset=Application.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=gettext_lazy("Answer by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    send = forms.BooleanField(
        label=gettext_lazy("Send to the agencies at once"), required=False, initial=True
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = candidates


class AnswerForm(forms.Form):
    found = forms.ChoiceField(
        label=gettext_lazy("Record found"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        error_messages={"required": gettext_lazy("Choose “found” or “not found”.")},
    )
    value = forms.CharField(label=gettext_lazy("Value found"), required=False, max_length=100)
    detail = forms.CharField(label=gettext_lazy("Details"), required=False, max_length=300)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Answer file (CSV or XLSX)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return f


# --- Lookups --------------------------------------------------------------------------


def _batch_for(user, pk, **_kwargs):
    return get_or_404(VerificationBatch.objects.visible_to(user).select_related("agency"), pk=pk)


def _request_for(user, pk):
    return get_or_404(
        VerificationRequest.objects.visible_to(user).select_related("batch__agency"), pk=pk
    )


def _upload_for(user, pk):
    # An upload's result is shown to the person who uploaded it, and to nobody else.
    return get_or_404(JobRun.objects.filter(created_by=user, kind=service.UPLOAD_KIND), pk=pk)


def _filtered(requests, show: str):
    if show == "pending":
        return requests.filter(status=RequestStatus.PENDING)
    if show == "mismatch":
        return requests.filter(mismatch=True)
    return requests


def _form_errors(form) -> str:
    return "; ".join(str(m) for ms in form.errors.values() for m in ms)


# --- The authority --------------------------------------------------------------------


@staff_view(MANAGE_OR_AUDIT)
def verification_batch_list(request):
    batches = service.batches_with_progress(VerificationBatch.objects.visible_to(request.user))
    status = request.GET.get("status", "")
    if status in BatchStatus.values:
        batches = batches.filter(status=status)
    return list_page(
        request,
        "admission/verification/batch_list.html",
        batches.order_by("-created_at", "-pk"),
        {
            "status": status,
            "statuses": BatchStatus.choices,
            "candidate_count": service.verification_candidates().count(),
        },
    )


@staff_view(Perm.VERIFICATION_MANAGE, methods=("GET", "POST"))
def verification_batch_create(request):
    candidates = service.verification_candidates().filter(
        pk__in=Application.objects.visible_to(request.user)
    )
    form = CreateForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("verification_batch_create")
        if request.POST.get("scope") == "authority":
            chosen = list(candidates.filter(status=ApplicationStatus.AUTHORITY_REVIEW))
        else:
            chosen = list(form.cleaned_data["applications"])
        if not chosen:
            messages.error(request, _("Choose at least one application."))
            return redirect("verification_batch_create")
        try:
            batches = service.verification_batches_create(
                actor=request.user,
                applications=chosen,
                due_on=form.cleaned_data["due_on"],
                send=form.cleaned_data["send"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("verification_batch_create")
        messages.success(
            request,
            _("%(b)s batches created for %(a)s applications.")
            % {"b": len(batches), "a": len(chosen)},
        )
        return redirect("verification_batch_list")
    return render(
        request,
        "admission/verification/batch_create.html",
        {
            "form": form,
            "candidates": candidates[:500],
            "candidate_total": candidates.count(),
            "authority_count": candidates.filter(status=ApplicationStatus.AUTHORITY_REVIEW).count(),
            "agencies": service.agencies_asked(),
            "questions": service.AGENCY_QUESTIONS,
        },
    )


def _batch_page_context(request, batch, show: str) -> dict:
    """The batch, its progress, and one page of its requests with their words."""
    requests = _filtered(
        batch.requests.select_related("batch__agency", "application", "answered_by"), show
    ).order_by("id")
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return {
        "batch": batch,
        "progress": service.batches_with_progress(
            VerificationBatch.objects.filter(pk=batch.pk)
        ).get(),
        "show": show,
        "page": page,
        "rows": service.verification_rows(page.object_list),
        "upload_form": UploadForm(),
        "question": Question(batch.question).label,
    }


@staff_view(MANAGE_OR_AUDIT, find=_batch_for)
def verification_batch_detail(request, batch, pk):
    context = _batch_page_context(request, batch, request.GET.get("show", ""))
    return render(request, "admission/verification/batch_detail.html", context)


@staff_view(Perm.VERIFICATION_MANAGE, find=_batch_for, methods=("POST",))
def verification_batch_send(request, batch, pk):
    try:
        service.batch_send(batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Batch %(n)s sent to %(a)s.") % {"n": batch.number, "a": batch.agency}
        )
    return redirect("verification_batch_detail", pk=batch.pk)


# --- Files: the agency, or the authority on its behalf ---------------------------------


@staff_view(MANAGE_OR_ANSWER, find=_batch_for)
def verification_batch_download(request, batch, pk, fmt):
    try:
        data = service.batch_export(batch, actor=request.user, fmt=fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_batch_page(request.user, batch))
    content_type = files.XLSX_TYPE if fmt == "xlsx" else files.CSV_TYPE
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.{fmt}"'
    return response


@staff_view(MANAGE_OR_ANSWER, find=_batch_for, methods=("POST",))
def verification_batch_upload(request, batch, pk):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_batch_page(request.user, batch))
    try:
        job = service.batch_answers_upload(
            batch, actor=request.user, file=form.cleaned_data["file"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_batch_page(request.user, batch))
    return redirect("verification_upload_result", pk=job.pk)


@staff_view(MANAGE_OR_ANSWER, find=_upload_for)
def verification_upload_result(request, job, pk):
    batch = VerificationBatch.objects.visible_to(request.user).filter(pk=job.params.get("batch"))
    batch = batch.first()
    return render(
        request,
        "admission/verification/upload_result.html",
        {
            "job": job,
            "report": job.result,
            "batch": batch,
            "batch_url": _batch_page(request.user, batch) if batch else None,
        },
    )


def _batch_page(user, batch) -> str:
    if user.can(Perm.VERIFICATION_ANSWER):
        return reverse("verification_answer_batch", args=[batch.pk])
    return reverse("verification_batch_detail", args=[batch.pk])


# --- The agency -----------------------------------------------------------------------


@staff_view(Perm.VERIFICATION_ANSWER)
def verification_inbox(request):
    batches = service.batches_with_progress(VerificationBatch.objects.visible_to(request.user))
    return list_page(
        request,
        "admission/verification/inbox.html",
        batches.order_by("status", "due_on", "-pk"),
        {},
    )


@staff_view(Perm.VERIFICATION_ANSWER, find=_batch_for)
def verification_answer_batch(request, batch, pk):
    context = _batch_page_context(request, batch, request.GET.get("show", ""))
    context["hint"] = service.VALUE_HINTS[batch.question]
    return render(request, "admission/verification/answer_batch.html", context)


@staff_view(Perm.VERIFICATION_ANSWER, find=_request_for, methods=("POST",))
def verification_request_answer(request, req, pk):
    form = AnswerForm(request.POST)
    error = None
    if not form.is_valid():
        error = _form_errors(form)
    else:
        try:
            service.request_answer(req, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            error = exc.message
    if request.htmx:
        row = service.verification_rows(VerificationRequest.objects.filter(pk=req.pk))[0]
        if error:  # show the answer as typed, next to what is wrong with it
            row.found = {"yes": True, "no": False}.get(request.POST.get("found"))
            row.value = request.POST.get("value", "")
            row.detail = request.POST.get("detail", "")
        return render(
            request,
            "admission/verification/answer_batch.html#row",
            {"r": row, "batch": req.batch, "error": error},
        )
    if error:
        messages.error(request, f"{req.ref}: {error}")
    else:
        messages.success(request, _("Answer about %(name)s saved.") % {"name": req.name})
    return redirect("verification_answer_batch", pk=req.batch_id)


@staff_view(Perm.VERIFICATION_ANSWER, find=_request_for, methods=("POST",))
def verification_request_reveal(request, req, pk):
    value = service.request_reveal(req, actor=request.user)
    if request.htmx:
        return render(request, "households/_revealed.html", {"value": value})
    messages.info(request, f"{req.name}: {value}")
    return redirect("verification_answer_batch", pk=req.batch_id)


urlpatterns = [
    path("verification/", verification_batch_list, name="verification_batch_list"),
    path("verification/new/", verification_batch_create, name="verification_batch_create"),
    path("verification/<int:pk>/", verification_batch_detail, name="verification_batch_detail"),
    path("verification/<int:pk>/send/", verification_batch_send, name="verification_batch_send"),
    path(
        "verification/<int:pk>/download.<str:fmt>",
        verification_batch_download,
        name="verification_batch_download",
    ),
    path(
        "verification/<int:pk>/upload/",
        verification_batch_upload,
        name="verification_batch_upload",
    ),
    path(
        "verification/uploads/<int:pk>/",
        verification_upload_result,
        name="verification_upload_result",
    ),
    path("agency/verification/", verification_inbox, name="verification_inbox"),
    path(
        "agency/verification/<int:pk>/",
        verification_answer_batch,
        name="verification_answer_batch",
    ),
    path(
        "agency/verification/requests/<int:pk>/answer/",
        verification_request_answer,
        name="verification_request_answer",
    ),
    path(
        "agency/verification/requests/<int:pk>/reveal/",
        verification_request_reveal,
        name="verification_request_reveal",
    ),
]
