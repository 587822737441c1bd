from functools import partial

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.access import get_or_404, staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page, sorted_by
from anju.core.roles import Perm

from . import selectors, services
from .conduct import conduct_record
from .filters import HouseholdFilter
from .forms import DocumentForm, LoanForm, PaperFileForm
from .models import ConductReason, PaperFileLoan


@staff_view(Perm.HOUSEHOLDS_VIEW)
def household_list(request):
    base = selectors.household_list(request.user)
    filters = HouseholdFilter(request.GET or None, queryset=base, user=request.user)
    households = sorted_by(
        filters.qs, request, {"number", "category", "member_count"}, "number", unique={"number"}
    )
    return list_page(
        request,
        "households/household_list.html",
        households,
        {"filter": filters},
        export=(
            "households.xlsx",
            [
                _("Household no."),
                _("Category"),
                _("Status"),
                _("Head"),
                _("Head's ID number"),
                _("Members"),
                _("Estate"),
                _("Unit"),
            ],
            lambda h: [
                h.number,
                h.get_category_display(),
                h.get_status_display(),
                h.head.name if h.head else "",
                h.head.id_number_masked if h.head else "",
                h.member_count,
                h.estate.name if h.estate else "",
                h.unit.code if h.unit else "",
            ],
        ),
    )


class ConductForm(forms.Form):
    """A bad-conduct record entered by hand; the supervision issue writes them from
    violation cases. (Kept beside its one view until households/forms.py takes it.)"""

    member = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int)
    reason = forms.ChoiceField(label=gettext_lazy("Conduct"), choices=ConductReason.choices)
    occurred_on = forms.DateField(
        label=gettext_lazy("Occurred on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    banned_until = forms.DateField(
        label=gettext_lazy("Barred from applying until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "Art. 35 and 36: five years for a place or unit obtained by deception and for "
            "the acts of art. 27."
        ),
    )
    details = forms.CharField(label=gettext_lazy("Details"), max_length=300, required=False)

    def __init__(self, *args, members, **kwargs):
        """`members`: the household's members, already loaded for the page."""
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members}
        self.fields["member"].choices = [
            (m.pk, f"{m.name} · {m.get_relation_display()}") for m in members
        ]

    def clean_member(self):
        return self.members[self.cleaned_data["member"]]


@staff_view(Perm.HOUSEHOLDS_VIEW, find=selectors.household_for_user)
def household_detail(request, household, pk):
    archive = selectors.archive(household)
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            **archive,
            "document_form": DocumentForm(),
            "paper_form": PaperFileForm(),
            "loan_form": LoanForm(),
            "conduct_records": list(household.conduct_records.select_related("recorded_by")),
            "conduct_form": ConductForm(members=archive["members"]),
        },
    )


@staff_view(Perm.CONDUCT_RECORD, find=selectors.household_for_user, methods=("POST",))
def household_conduct_record(request, household, pk):
    return _archive_action(
        request,
        household,
        partial(conduct_record, household, actor=request.user),
        _("Bad conduct recorded in the archive."),
        ConductForm(request.POST, members=list(household.members.all())),
    )


def _member_for(user, pk, field):
    return selectors.member_for_user(user, pk)


@staff_view(Perm.PII_UNMASK, find=_member_for, methods=("POST",))
def member_reveal(request, member, pk, field):
    try:
        value = services.member_reveal(member, actor=request.user, field=field)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("household_detail", pk=member.household_id)
    if request.htmx:
        return render(request, "households/_revealed.html", {"value": value})
    messages.info(request, f"{member.name}: {value}")
    return redirect("household_detail", pk=member.household_id)


def _form_errors(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


def _archive_action(request, household, action, success, form=None):
    """Run `action` (with the form's cleaned data when a form is given), say how it went
    as a message, and go back to the household's archive."""
    if form is not None and not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            action(**(form.cleaned_data if form is not None else {}))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
    return redirect("household_detail", pk=household.pk)


@staff_view(Perm.HOUSEHOLDS_CHANGE, find=selectors.household_for_user, methods=("POST",))
def document_add(request, household, pk):
    return _archive_action(
        request,
        household,
        partial(services.document_add, household, actor=request.user),
        _("Document added to the archive."),
        DocumentForm(request.POST, request.FILES),
    )


@staff_view(Perm.HOUSEHOLDS_CHANGE, find=selectors.household_for_user, methods=("POST",))
def paper_file_place(request, household, pk):
    return _archive_action(
        request,
        household,
        partial(services.paper_file_place, household, actor=request.user),
        _("Paper file location saved."),
        PaperFileForm(request.POST),
    )


@staff_view(Perm.HOUSEHOLDS_CHANGE, find=selectors.household_for_user, methods=("POST",))
def paper_file_lend(request, household, pk):
    paper = getattr(household, "paper_file", None)
    if paper is None:
        messages.error(request, _("Record where the paper file is kept first."))
        return redirect("household_detail", pk=household.pk)
    return _archive_action(
        request,
        household,
        partial(services.paper_file_lend, paper, actor=request.user),
        _("Loan recorded."),
        LoanForm(request.POST),
    )


def _loan_for(user, pk, loan_pk):
    household = selectors.household_for_user(user, pk)
    return get_or_404(
        PaperFileLoan.objects.select_related("paper_file__household"),
        pk=loan_pk,
        paper_file__household=household,
    )


@staff_view(Perm.HOUSEHOLDS_CHANGE, find=_loan_for, methods=("POST",))
def paper_file_return(request, loan, pk, loan_pk):
    return _archive_action(
        request,
        loan.paper_file.household,
        partial(services.paper_file_return, loan, actor=request.user),
        _("Return recorded."),
    )


def _document_for(user, pk, doc_pk):
    household = selectors.household_for_user(user, pk)
    return get_or_404(household.documents.all(), pk=doc_pk)


@staff_view(Perm.HOUSEHOLDS_VIEW, find=_document_for)
def document_download(request, document, pk, doc_pk):
    # Archive files are never served from a public media URL; each download is scoped.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.file.name.rsplit("/", 1)[-1],
    )
