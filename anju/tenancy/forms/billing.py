"""Forms of the bill pages: a one-off bill, cancelling a bill, running a month."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import BillKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The kinds a clerk raises by hand; rent comes from the bill run.
ONE_OFF_KINDS = [
    (k.value, k.label)
    for k in (
        BillKind.DEPOSIT,
        BillKind.FINE,
        BillKind.MARKET_SURCHARGE,
        BillKind.BACK_RENT,
        BillKind.DAMAGE,
        BillKind.REPAIR,
    )
]


class BillRaiseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of bill"), choices=ONE_OFF_KINDS)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        help_text=_("What the bill is for, as the household will read it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = timezone.localdate()


class BillCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class BillRunForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("Leases that cover part of the month are billed for their days."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"

    def clean_month(self) -> datetime.date:
        text = self.cleaned_data["month"].strip()
        try:
            return datetime.date.fromisoformat(f"{text[:7]}-01")
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None
