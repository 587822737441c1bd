"""Applying on the portal, one page per step: start (category and community), the
family's situation, its members, its documents, consent to data checks, submit. Each
step calls the same service as the community counter."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anju.admission.models import Channel
from anju.admission.services import applications as apps
from anju.core.errors import DomainError
from anju.households.models import DocumentType

from ..access import (
    is_applicant_account,
    own_application,
    own_document,
    own_member,
    portal_view,
)
from ..forms import (
    CONSENT_CHECKS,
    ConsentForm,
    DetailsForm,
    DocumentForm,
    MemberForm,
    StartForm,
)
from ..selectors import apply_checklist, reviewer_name, rules_summary

# Which field a service's refusal belongs to, by its code; others go above the form.
FIELD_OF_ERROR = {
    "id_number_length": "id_number",
    "id_number_invalid": "id_number",
    "id_number_birth_date": "id_number",
    "id_number_checksum": "id_number",
    "duplicate_member": "id_number",
    "phone_invalid": "phone",
    "head_exists": "relation",
    "bad_relation": "relation",
    "name_required": "name",
    "bad_income": "monthly_income",
    "upload_empty": "file",
    "upload_too_large": "file",
    "upload_type": "file",
    "bad_doc_type": "doc_type",
    "community": "community",
}


def _refused(form, exc: DomainError) -> None:
    form.add_error(FIELD_OF_ERROR.get(exc.code), exc.message)


def _editable_or_back(request, application):
    """None when the family may still change the application; otherwise a redirect to
    its status page, saying why."""
    if application.status in apps.EDITABLE_STATUSES:
        return None
    messages.info(
        request,
        _("Your application has been submitted (%(status)s); it can no longer be changed here.")
        % {"status": application.get_status_display()},
    )
    return redirect("portal_application")


def _step_context(application, step: str) -> dict:
    checklist = apply_checklist(application)
    here = next(s for s in checklist if s["code"] == step)
    after = checklist[here["number"]] if here["number"] < len(checklist) else None
    return {
        "application": application,
        "checklist": checklist,
        "here": here,
        "next_step": after,
        "missing": apps.application_missing(application),
    }


@portal_view(methods=("GET", "POST"))
def apply(request):
    user = request.user
    if not is_applicant_account(user):
        raise Http404
    if user.household_id:
        return redirect("portal_home")
    ruleset, categories = rules_summary()
    form = StartForm(request.POST or None, categories=[c["category"] for c in categories])
    if request.method == "POST" and form.is_valid():
        try:
            apps.application_create(
                actor=user,
                community=form.cleaned_data["community"],
                category=form.cleaned_data["category"],
                channel=Channel.PORTAL,
                account=user,
                ruleset=ruleset,
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request, _("Your application is started. Fill in each step, then submit it.")
            )
            return redirect("portal_application_details")
    return render(
        request,
        "portal/apply.html",
        {"form": form, "ruleset": ruleset, "categories": categories},
    )


@portal_view(find=own_application, methods=("GET", "POST"))
def details(request, application):
    if (back := _editable_or_back(request, application)) is not None:
        return back
    offered = application.ruleset.categories.values_list("category", flat=True)
    form = DetailsForm(
        request.POST or None,
        categories=list(offered),
        initial={field: getattr(application, field) for field in apps.DECLARED_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            apps.application_update(application, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your family's situation is saved."))
            return redirect("portal_application_members")
    return render(
        request,
        "portal/apply_details.html",
        {**_step_context(application, "details"), "form": form},
    )


@portal_view(find=own_application, methods=("GET", "POST"))
def members(request, application):
    if (back := _editable_or_back(request, application)) is not None:
        return back
    listed = list(application.members.all())
    has_head = any(m.relation == "head" for m in listed)
    initial = {} if has_head else {"relation": "head", "name": request.user.full_name}
    form = MemberForm(request.POST or None, initial=initial, has_head=has_head)
    if request.method == "POST" and form.is_valid():
        try:
            member = apps.application_member_add(
                application, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": member.name})
            return redirect("portal_application_members")
    return render(
        request,
        "portal/apply_members.html",
        {**_step_context(application, "members"), "form": form, "members": listed},
    )


@portal_view(find=own_member, methods=("POST",))
def member_remove(request, member, pk):
    try:
        apps.application_member_remove(member, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": member.name})
    return redirect("portal_application_members")


@portal_view(find=own_application, methods=("GET", "POST"))
def documents(request, application):
    if (back := _editable_or_back(request, application)) is not None:
        return back
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = apps.application_document_add(
                application, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("%(title)s is uploaded.") % {"title": document.title})
            return redirect("portal_application_documents")
    uploaded = list(application.documents.all())
    have = {d.doc_type for d in uploaded}
    return render(
        request,
        "portal/apply_documents.html",
        {
            **_step_context(application, "documents"),
            "form": form,
            "documents": uploaded,
            "required": [(DocumentType(t).label, t in have) for t in apps.REQUIRED_DOCUMENTS],
        },
    )


@portal_view(find=own_document)
def document_download(request, document, pk):
    # Uploaded scans are never served from a public media URL; each one is the family's.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


@portal_view(find=own_application, methods=("GET", "POST"))
def consent(request, application):
    if (back := _editable_or_back(request, application)) is not None:
        return back
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            apps.application_consent(application, actor=request.user)
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Thank you; your consent is recorded."))
            return redirect("portal_application")
    return render(
        request,
        "portal/apply_consent.html",
        {
            **_step_context(application, "consent"),
            "form": form,
            "checks": CONSENT_CHECKS,
            "members": list(application.members.all()),
        },
    )


@portal_view(find=own_application, methods=("POST",))
def submit(request, application):
    try:
        apps.application_submit(application, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Application %(number)s is submitted. %(reviewer)s decides by %(due)s.")
            % {
                "number": application.number,
                "reviewer": reviewer_name(application),
                "due": application.due_on,
            },
        )
    return redirect("portal_application")
