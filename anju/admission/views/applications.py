"""Staff pages of applications: the scoped list, the counter entry (one page per step:
declared data, members, documents, consent and submission; the same pages correct a
returned application), the application's page, its documents and withdrawal."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm
from anju.households.models import Relation

from ..forms import (
    ApplicationFilter,
    DeclaredForm,
    DocumentForm,
    FlagResolveForm,
    MemberForm,
    NewApplicationForm,
    ReviewForm,
    WithdrawForm,
    form_errors,
)
from ..models import APPLICATION_TRANSITIONS, ApplicationStatus, Channel
from ..selectors import applications as selectors
from ..services import applications as services

SORTS = {"number", "due_on", "submitted_at", "created_at", "category", "status"}


def list_export():
    return (
        "applications.xlsx",
        [
            _("Application no."),
            pgettext("person", "Applicant"),
            _("Category"),
            _("Community"),
            _("Members"),
            _("Status"),
            _("Submitted"),
            _("Review due"),
        ],
        lambda a: [
            a.number,
            a.head_name or "",
            a.get_category_display(),
            a.community.name,
            a.member_count,
            a.get_status_display(),
            timezone.localdate(a.submitted_at) if a.submitted_at else None,
            a.due_on,
        ],
    )


@staff_view(Perm.ADMISSION_VIEW)
def application_list(request):
    base = selectors.application_list(request.user)
    filters = ApplicationFilter(request.GET or None, queryset=base, user=request.user)
    applications = sorted_by(filters.qs, request, SORTS, "-created_at")
    return list_page(
        request,
        "admission/applications/list.html",
        applications,
        {"filter": filters, "tasks": False},
        export=list_export(),
    )


# --- The counter entry, one step per page -------------------------------------------

STEPS = [
    ("declared", _("Family and housing")),
    ("members", _("Members")),
    ("documents", _("Documents")),
    ("submit", _("Consent and submission")),
]


def _entry(request, application, step, template, **context):
    """Render one step of the entry. An application no longer open to changes is shown
    on its own page instead."""
    state = selectors.entry_state(application)
    if not state["editable"]:
        messages.info(
            request,
            _("Application %(n)s can no longer be changed (%(s)s).")
            % {"n": application.number, "s": application.get_status_display()},
        )
        return redirect("application_detail", pk=application.pk)
    return render(
        request,
        f"admission/applications/{template}",
        {**state, "steps": STEPS, "step": step, **context},
    )


@staff_view(Perm.APPLICATION_ENTER, methods=("GET", "POST"))
def application_create(request):
    form = NewApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        community = values.pop("community")
        try:
            application = services.application_create(
                actor=request.user, community=community, channel=Channel.COUNTER, **values
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Application %(n)s started. Now add the family's members.")
                % {"n": application.number},
            )
            return redirect("application_members", pk=application.pk)
    return render(
        request,
        "admission/applications/entry_declared.html",
        {"form": form, "steps": STEPS, "step": "declared", "application": None},
    )


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("GET", "POST"))
def application_declared(request, application, pk):
    initial = {f: getattr(application, f) for f in services.DECLARED_FIELDS}
    form = DeclaredForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(application, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Declared data saved."))
            return redirect("application_members", pk=application.pk)
    return _entry(request, application, "declared", "entry_declared.html", form=form)


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("GET", "POST"))
def application_members(request, application, pk):
    # The applicant comes first; once named, the next member is most often a spouse.
    has_head = application.members.filter(relation=Relation.HEAD).exists()
    form = MemberForm(
        request.POST or None, initial={"relation": Relation.SPOUSE if has_head else Relation.HEAD}
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.application_member_add(
                application, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            field = "id_number" if exc.code.startswith("id_number") else None
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("%(name)s added.") % {"name": member.name})
            return redirect("application_members", pk=application.pk)
    return _entry(request, application, "members", "entry_members.html", form=form)


@staff_view(Perm.APPLICATION_ENTER, find=selectors.member_for_user, methods=("POST",))
def application_member_remove(request, member, pk, member_pk):
    try:
        services.application_member_remove(member, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s removed.") % {"name": member.name})
    return redirect("application_members", pk=pk)


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("GET", "POST"))
def application_documents(request, application, pk):
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.application_document_add(
                application, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            # The message names the file and what is wrong with it.
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("%(title)s uploaded.") % {"title": document.title})
            return redirect("application_documents", pk=application.pk)
    return _entry(request, application, "documents", "entry_documents.html", form=form)


@staff_view(Perm.ADMISSION_VIEW, find=selectors.document_for_user)
def application_document_download(request, document, pk, doc_pk):
    # Application files are never served from a public media URL; each download is
    # scoped to the application's readers.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("POST",))
def application_consent(request, application, pk):
    try:
        services.application_consent(application, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The applicant's consent is recorded."))
    return redirect("application_submit", pk=application.pk)


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("GET", "POST"))
def application_submit(request, application, pk):
    if request.method == "POST":
        try:
            services.application_submit(application, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("application_submit", pk=application.pk)
        messages.success(
            request,
            _("Application %(n)s submitted for review; due by %(due)s.")
            % {"n": application.number, "due": application.due_on},
        )
        return redirect("application_detail", pk=application.pk)
    return _entry(request, application, "submit", "entry_submit.html")


@staff_view(Perm.APPLICATION_ENTER, find=selectors.application_for_user, methods=("POST",))
def application_withdraw(request, application, pk):
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("application_detail", pk=application.pk)
    try:
        services.application_withdraw(application, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Application %(n)s withdrawn.") % {"n": application.number})
    return redirect("application_detail", pk=application.pk)


# --- The application's page ---------------------------------------------------------


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@staff_view(Perm.ADMISSION_VIEW, find=selectors.application_for_user)
def application_detail(request, application, pk):
    detail = selectors.application_detail(application, user=request.user)
    return render(
        request,
        "admission/applications/detail.html",
        {
            **detail,
            "review_form": ReviewForm(),
            "flag_form": FlagResolveForm(),
            "withdraw_form": WithdrawForm(),
            "withdrawable": ApplicationStatus.WITHDRAWN
            in APPLICATION_TRANSITIONS.get(application.status, ()),
            # The verification helper's partial reads the words its service attaches.
            "answers_partial": hasattr(detail["verifications"], "mismatches")
            and _template_exists("admission/verification/answers.html"),
        },
    )


urlpatterns = [
    path("applications/", application_list, name="application_list"),
    path("applications/new/", application_create, name="application_create"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/declared/", application_declared, name="application_declared"),
    path("applications/<int:pk>/members/", application_members, name="application_members"),
    path(
        "applications/<int:pk>/members/<int:member_pk>/remove/",
        application_member_remove,
        name="application_member_remove",
    ),
    path("applications/<int:pk>/documents/", application_documents, name="application_documents"),
    path(
        "applications/<int:pk>/documents/<int:doc_pk>/",
        application_document_download,
        name="application_document_download",
    ),
    path("applications/<int:pk>/consent/", application_consent, name="application_consent"),
    path("applications/<int:pk>/submit/", application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application_withdraw"),
]
