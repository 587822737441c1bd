"""Forms of the exit-case pages. They parse input only; the services in
anju.exits.services.cases and .court decide."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate

from ..models import ExitReason, LegalStepKind, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$")


class ExitFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Case, notice, household or unit"), required=False)
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), required=False)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            ("live", _("In progress")),
            ("", _("All")),
            *Stage.choices,
        ]
        self.fields["reason"].choices = [("", _("All")), *ExitReason.choices]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


def evidence_rows(text: str) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if not match:
            raise forms.ValidationError(
                _("Line %(n)s: write the fact as “what: what was found”.") % {"n": n}
            )
        rows.append((match.group(1), match.group(2)))
    return rows


class ExitOpenForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason for the exit"),
        choices=[("", "—"), *ExitReason.choices],
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=gettext_lazy("What happened, in a sentence or two; the notice quotes it."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": gettext_lazy(
                    "Real-estate registry: a flat bought on 2026-02-14\n"
                    "Verification: answered by the registry on 2026-03-02"
                ),
            }
        ),
        help_text=gettext_lazy("One fact a line: what, a colon, then what was found."),
    )
    requested_move_out = forms.DateField(
        label=gettext_lazy("Wishes to move out on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy(
            "Voluntary exit only: the day the household would like to hand the keys back."
        ),
    )

    def clean_evidence(self):
        return evidence_rows(self.cleaned_data["evidence"])

    def clean(self):
        data = super().clean()
        if data.get("reason") == ExitReason.VOLUNTARY:
            if not data.get("requested_move_out"):
                self.add_error(
                    "requested_move_out",
                    _("A voluntary exit needs the day the household wishes to move out."),
                )
        else:
            data["requested_move_out"] = None
        return data


class DecideForm(forms.Form):
    decision = forms.CharField(
        label=gettext_lazy("Decision and reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    has_other_housing = forms.BooleanField(
        label=gettext_lazy("The household has other housing"),
        required=False,
        help_text=gettext_lazy(
            "Art. 31: a household that truly has no other housing pays market rent if it "
            "stays after the moving period; one that has other housing is taken to court."
        ),
    )


class NoticeForm(forms.Form):
    vacate_by = forms.DateField(
        label=gettext_lazy("A sooner deadline (optional)"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Leave empty for the deadline the rules give."),
    )


class CourtStepForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Step"),
        choices=LegalStepKind.choices,
    )
    court = forms.CharField(
        label=gettext_lazy("Court"),
        max_length=100,
    )
    court_case_number = forms.CharField(
        label=gettext_lazy("Court case no."),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "（2026）晋0402民初1234号"}),
    )
    on = forms.DateField(
        label=gettext_lazy("Date"),
        widget=DATE,
        help_text=gettext_lazy("For a hearing, the day it is scheduled for."),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Next deadline"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy(
            "What must happen next, and by when: the hearing's day, the date the judgment "
            "orders the household out by, the enforcement date."
        ),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    award = forms.DecimalField(
        label=gettext_lazy("Amount awarded (yuan)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        help_text=gettext_lazy(
            "A judgment only: occupation fees, back rent at market price and costs; billed "
            "to the household as back rent."
        ),
    )
    document = forms.FileField(
        label=gettext_lazy("Document (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.FileInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Why"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class ExitRequestForm(forms.Form):
    """The tenant's own request to leave, on the portal."""

    move_out_on = forms.DateField(
        label=gettext_lazy("The day you would like to hand the keys back"),
        widget=DATE,
    )
    note = forms.CharField(
        label=gettext_lazy("Anything we should know (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": gettext_lazy("For example: we have bought a flat and move in May."),
            }
        ),
    )


def errors_text(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
        for name, errs in form.errors.items()
    )
