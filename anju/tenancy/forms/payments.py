"""Forms of the payment pages: a payment at the counter, a refund, a statement file."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import COUNTER_CHANNELS, STATEMENT_CHANNELS, Channel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_STATEMENT_BYTES = 20 * 1024 * 1024


class CounterPaymentForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(c.value, c.label) for c in COUNTER_CHANNELS],
        widget=forms.RadioSelect,
        initial=Channel.CASH,
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    payer = forms.CharField(
        label=_("Paid by (name)"),
        max_length=60,
        required=False,
        help_text=_("Who handed over the money, if not the head of household."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    method = forms.ChoiceField(
        label=_("Paid back by"),
        choices=[(v, label) for v, label in Channel.choices if v != Channel.DEPOSIT],
    )
    paid_on = forms.DateField(label=_("Paid back on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A refund cannot be dated in the future."))
        return day


class StatementForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, c.label) for c in STATEMENT_CHANNELS]
    )
    file = forms.FileField(
        label=_("Statement file (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        if f.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return f
