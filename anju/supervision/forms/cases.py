"""Forms of the violation-case pages. They parse input only; the services in
anju.supervision.services.cases decide."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate

from ..models import CaseOutcome, CaseStatus, CaseType, NoticeKind, PointRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
# Staff open cases from a household by hand: the other sources come with their record.
STAFF_SOURCES = [
    ("staff", gettext_lazy("Staff")),
    ("recertification", gettext_lazy("Recertification")),
]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Case, household or unit"), required=False)
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    overdue = forms.BooleanField(label=gettext_lazy("Deadline passed"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All")), *CaseType.choices]
        self.fields["status"].choices = [
            ("active", _("Not closed")),
            ("", _("All")),
            *CaseStatus.choices,
        ]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        for name in ("type", "status", "estate"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["q"].widget.attrs["class"] = "form-control"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"


LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$")


class CaseOpenForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Type of violation"), choices=CaseType.choices)
    source = forms.ChoiceField(label=gettext_lazy("Opened from"), choices=STAFF_SOURCES)
    summary = forms.CharField(
        label=gettext_lazy("What the breach is"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("A sentence the tenant will read in the notice."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": gettext_lazy(
                    "Inspection: two non-members found on 2026-03-28\n"
                    "Sublease agreement: original seen"
                ),
            }
        ),
        help_text=gettext_lazy("One fact a line: what, a colon, then what was found."),
    )
    breach_began_on = forms.DateField(
        label=gettext_lazy("Breach began on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Back rent at market price runs from this day (art. 36)."),
    )

    def clean_evidence(self):
        rows = []
        for n, line in enumerate(self.cleaned_data["evidence"].splitlines(), 1):
            if not line.strip():
                continue
            match = LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    _("Line %(n)s: write the fact as “what: what was found”.") % {"n": n}
                )
            rows.append((match.group(1), match.group(2)))
        return rows


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=NoticeKind.choices)
    respond_by = forms.DateField(
        label=gettext_lazy("Rectify or make a statement by"),
        widget=DATE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["respond_by"].initial = timezone.localdate() + datetime.timedelta(days=15)


class StatementForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("The tenant's statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=gettext_lazy("Written down as said, or leave empty and attach the letter."),
    )
    document = forms.FileField(
        label=gettext_lazy("Scanned statement (PDF, JPEG or PNG)"), required=False
    )
    received_on = forms.DateField(label=gettext_lazy("Received on"), required=False, widget=DATE)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=CaseOutcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=gettext_lazy("Decision and reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    breach_began_on = forms.DateField(
        label=gettext_lazy("Breach began on"), required=False, widget=DATE
    )
    illegal_income = forms.DecimalField(
        label=gettext_lazy("Illegal income (yuan)"),
        required=False,
        help_text=gettext_lazy(
            "Art. 36: the fine may then be up to 3× the income, at most 30,000."
        ),
        **MONEY,
    )
    fine = forms.DecimalField(
        label=gettext_lazy("Fine (yuan)"),
        required=False,
        help_text=gettext_lazy("Leave empty for the cap; a lower fine may be chosen."),
        **MONEY,
    )
    point_rule = forms.ModelChoiceField(
        label=gettext_lazy("Misdeed (minor misconduct)"),
        queryset=PointRule.objects.filter(active=True),
        required=False,
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        from ..services.cases import OUTCOMES

        if case is not None:
            allowed = OUTCOMES[CaseType(case.type)]
            self.fields["outcome"].choices = [c for c in CaseOutcome.choices if c[0] in allowed]
            if case.type != CaseType.MINOR:
                del self.fields["point_rule"]
            if case.type in (CaseType.MINOR, CaseType.ARREARS):
                for name in ("breach_began_on", "illegal_income", "fine"):
                    del self.fields[name]
            elif case.type == CaseType.FALSE_DECLARATION:
                del self.fields["illegal_income"]
                self.fields["breach_began_on"].help_text = _(
                    "Empty: from the start of the first lease (the unit was obtained by deception)."
                )
        for name, field in self.fields.items():
            if name != "outcome":
                field.widget.attrs.setdefault(
                    "class", "form-select" if name == "point_rule" else "form-control"
                )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


def errors_text(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
        for name, errs in form.errors.items()
    )
