from django import forms
from django.utils.translation import gettext_lazy as _

from .models import UnitStatus


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=UnitStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RentStandardForm(forms.Form):
    price_per_m2 = forms.DecimalField(
        label=_("Rent per m² per month (yuan)"), max_digits=6, decimal_places=2, min_value=0.01
    )
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(label=_("Source document"), max_length=200)
