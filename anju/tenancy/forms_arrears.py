"""Forms of the arrears and “must vacate” pages. They parse input only; the services
in anju.tenancy.services.arrears, .agreements and .vacate decide."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate

from .models import ArrearsAction, ArrearsStep, ListingStatus, VacateReason
from .services.arrears import BUCKETS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LedgerFilterForm(forms.Form):
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    bucket = forms.ChoiceField(label=gettext_lazy("Months owed"), required=False, choices=())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["bucket"].choices = [("", _("All"))] + [(b.code, b.label) for b in BUCKETS]


class StepForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Step"), choices=[("", "—"), *ArrearsAction.choices], required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Why (for a step the table does not recommend)"),
        max_length=300,
        required=False,
    )


class HoldForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Court case reference"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": "（2026）晋0402民初123号"}),
    )
    since = forms.DateField(label=gettext_lazy("Since"), widget=DATE, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


LINE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})[\s,，;；]+[¥￥]?\s*([\d,]+(?:\.\d+)?)\s*$")


class AgreementForm(forms.Form):
    instalments = forms.CharField(
        label=gettext_lazy("Instalments"),
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "2026-12-31 500.00\n2027-01-31 500.00"}
        ),
        help_text=gettext_lazy("One a line: the due date, then the amount in yuan."),
    )
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DATE, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def clean_instalments(self):
        rows = []
        for n, line in enumerate(self.cleaned_data["instalments"].splitlines(), 1):
            if not line.strip():
                continue
            match = LINE.match(line.replace("/", "-"))
            if not match:
                raise forms.ValidationError(
                    _("Line %(n)s, “%(line)s”: write a date and an amount, e.g. 2026-12-31 500.00.")
                    % {"n": n, "line": line.strip()}
                )
            try:
                day = datetime.date.fromisoformat(
                    "-".join(f"{int(p):02d}" for p in match[1].split("-"))
                )
                amount = Decimal(match[2].replace(",", ""))
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(
                    _("Line %(n)s: “%(line)s” is not a valid date and amount.")
                    % {"n": n, "line": line.strip()}
                ) from None
            rows.append((day, amount))
        if not rows:
            raise forms.ValidationError(_("Give at least one instalment."))
        return rows

    @staticmethod
    def suggestion(owed: Decimal, today: datetime.date, parts: int = 3) -> str:
        """An even split of what is owed over the coming month-ends, to edit."""
        if owed <= 0:
            return ""
        share = (owed / parts).quantize(Decimal("0.01"))
        lines, month = [], today.replace(day=1)
        for i in range(parts):
            month = (month + datetime.timedelta(days=32)).replace(day=1)
            last = month - datetime.timedelta(days=1)
            amount = owed - share * (parts - 1) if i == parts - 1 else share
            lines.append(f"{max(last, today):%Y-%m-%d} {amount:.2f}")
        return "\n".join(lines)


class StepsForm(forms.Form):
    """The rule table, one row of fields per step, and the document that sets it."""

    source = forms.CharField(
        label=gettext_lazy("Document setting this change"),
        max_length=200,
        help_text=gettext_lazy("E.g. 长住建〔2026〕12号; kept in the audit log with the change."),
    )

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        for s in self.steps:
            self.fields[f"order_{s.pk}"] = forms.IntegerField(
                min_value=1, max_value=99, initial=s.order, label=_("Place in the order")
            )
            self.fields[f"min_months_{s.pk}"] = forms.IntegerField(
                min_value=1, max_value=60, initial=s.min_months, label=_("Months owed at least")
            )
            self.fields[f"wait_days_{s.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=365,
                initial=s.wait_days,
                label=_("Days after the previous step"),
            )
            self.fields[f"active_{s.pk}"] = forms.BooleanField(
                required=False, initial=s.active, label=_("In use")
            )

    def rows(self) -> list[tuple[ArrearsStep, list]]:
        return [
            (s, [self[f"{name}_{s.pk}"] for name in ("order", "min_months", "wait_days", "active")])
            for s in self.steps
        ]

    def changes(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            s.pk: {
                name: data[f"{name}_{s.pk}"]
                for name in ("order", "min_months", "wait_days", "active")
            }
            for s in self.steps
        }


class VacateFilterForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False, choices=())
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["reason"].choices = [("", _("All")), *VacateReason.choices]
        self.fields["status"].choices = [("", _("All")), *ListingStatus.choices]
