"""Forms of the inspection pages: the visit form (with its rows of people present and of
notes), ending a task, assigning and cancelling, the task list's filters, and plans.
The rules (what a visit must record) are the service's; these forms only parse."""

import base64
import binascii

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from anju.housing.models import Estate

from ..models import CaseType, CheckResult, Finding, TaskKind, TaskStatus, VisitOutcome
from ..selectors.inspections import inspector_choices
from ..services.inspections import CHECKLIST, Conclusion, Person
from .tips import PhotosField, _inspector_label

PNG_DATA_URL = "data:image/png;base64,"


class InspectorField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _inspector_label(obj)


class PersonForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=40, required=False)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    id_sighted = forms.BooleanField(label=gettext_lazy("Identity document sighted"), required=False)
    says = forms.CharField(
        label=gettext_lazy("Says they are"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. the tenant's son")}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(),
    )
    follow_up = forms.BooleanField(label=gettext_lazy("Follow-up action"), required=False)


PeopleFormSet = formset_factory(PersonForm, extra=1, max_num=20, absolute_max=30)
NotesFormSet = formset_factory(NoteForm, extra=1, max_num=20, absolute_max=30)


def _finding_fields(form, *, keep_open: bool):
    choices = [
        (Finding.NO_ISSUE, _("No issue: close the task")),
        (Finding.VIOLATION, _("Violation found: open a case")),
    ]
    if keep_open:
        choices.insert(0, ("", _("Keep the task open (another visit or follow-up)")))
    form.fields["finding"].choices = choices
    form.fields["case_type"].choices = [("", "—"), *CaseType.choices]


class ConclusionFields(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("How does the inspection end?"),
        required=False,
        widget=forms.RadioSelect,
    )
    case_type = forms.ChoiceField(label=gettext_lazy("Type of violation"), required=False)
    summary = forms.CharField(
        label=gettext_lazy("The violation in a sentence"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    breach_began_on = forms.DateField(
        label=gettext_lazy("Breach began on (if known)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def conclusion(self) -> Conclusion | None:
        data = self.cleaned_data
        if not data.get("finding"):
            return None
        return Conclusion(
            finding=data["finding"],
            case_type=data.get("case_type") or "",
            summary=data.get("summary") or "",
            breach_began_on=data.get("breach_began_on"),
        )


class ConcludeForm(ConclusionFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _finding_fields(self, keep_open=False)
        self.fields["finding"].required = True


class VisitForm(ConclusionFields):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Did anybody answer?"),
        choices=VisitOutcome.choices,
        initial=VisitOutcome.COMPLETED,
        widget=forms.RadioSelect,
    )
    visited_at = forms.DateTimeField(
        label=gettext_lazy("Visited at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    photos = PhotosField(label=gettext_lazy("Photos"))
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signature_refused = forms.BooleanField(
        label=gettext_lazy("The tenant refused to sign"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["photos"].widget.attrs["capture"] = "environment"
        _finding_fields(self, keep_open=True)
        self.checks = []
        for key, label, hint in CHECKLIST:
            self.fields[f"{key}_result"] = forms.ChoiceField(
                label=label,
                help_text=hint,
                choices=CheckResult.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{key}_note"] = forms.CharField(
                label=_("What is wrong"), max_length=500, required=False
            )
            self.checks.append((self[f"{key}_result"], self[f"{key}_note"]))

    def clean_signature(self) -> bytes | None:
        value = (self.cleaned_data.get("signature") or "").strip()
        if not value:
            return None
        if not value.startswith(PNG_DATA_URL):
            raise forms.ValidationError(_("The signature could not be read; sign again."))
        try:
            return base64.b64decode(value[len(PNG_DATA_URL) :], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The signature could not be read; sign again.")) from None

    @property
    def answered(self) -> bool:
        return self.cleaned_data.get("outcome") == VisitOutcome.COMPLETED

    def checklist(self) -> dict:
        data = self.cleaned_data
        out = {}
        for key, _label, _hint in CHECKLIST:
            if data.get(f"{key}_result") or data.get(f"{key}_note"):
                out[key] = {"result": data.get(f"{key}_result"), "note": data.get(f"{key}_note")}
        return out


def people_of(formset) -> list[Person]:
    return [
        Person(
            name=f.cleaned_data.get("name", ""),
            id_number=f.cleaned_data.get("id_number", ""),
            id_sighted=f.cleaned_data.get("id_sighted", False),
            says=f.cleaned_data.get("says", ""),
        )
        for f in formset
        if f.cleaned_data.get("name") or f.cleaned_data.get("id_number")
    ]


def notes_of(formset) -> tuple[str, list[str]]:
    """The plain notes as one text, and the notes marked as follow-up actions."""
    notes, follow_ups = [], []
    for f in formset:
        text = (f.cleaned_data.get("text") or "").strip()
        if text:
            (follow_ups if f.cleaned_data.get("follow_up") else notes).append(text)
    return "\n".join(notes), follow_ups


class AssignForm(forms.Form):
    inspector = InspectorField(
        label=gettext_lazy("Inspector"),
        queryset=None,
        empty_label=gettext_lazy("Choose an inspector"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspector_choices(user)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class TaskFilterForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=())
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=())
    inspector = InspectorField(
        label=gettext_lazy("Inspector"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Anyone"),
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["kind"].choices = everything + list(TaskKind.choices)
        self.fields["status"].choices = everything + list(TaskStatus.choices)
        self.fields["inspector"].queryset = inspector_choices(user)


class PlanForm(forms.Form):
    estate = forms.ModelChoiceField(label=gettext_lazy("Estate"), queryset=Estate.objects.none())
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, choices=())
    inspector = InspectorField(
        label=gettext_lazy("Inspector"),
        queryset=None,
        empty_label=gettext_lazy("Choose an inspector"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        this = timezone.localdate().year
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["year"].choices = [(this, this), (this + 1, this + 1)]
        self.fields["year"].initial = this
        self.fields["inspector"].queryset = inspector_choices(user)
