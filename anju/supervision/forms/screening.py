"""Forms of the screening pages: the results filter, starting a run, dismissing a flag,
and setting a threshold. They only parse input; the services hold the rules."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from anju.housing.models import Estate

from .. import thresholds
from ..models import FlagKind, FlagStatus
from ..services.screening import WINDOW_MAX, WINDOW_MIN

RUN_COUNTS = (1, 5, 10, 30, 100)
DEFAULT_RUN_COUNT = 10


class ResultsFilterForm(forms.Form):
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[("", _("All flags")), *FlagKind.choices],
    )
    estate = forms.ModelChoiceField(
        label=_("Estate"),
        required=False,
        queryset=Estate.objects.none(),
        empty_label=_("All estates"),
    )
    min_score = forms.DecimalField(
        label=_("Score at least"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *FlagStatus.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def filters(self) -> dict:
        """The filters to apply; an invalid field is left out (the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "flag": data.get("flag") or "",
            "estate": data.get("estate"),
            "min_score": data.get("min_score"),
            "status": data.get("status") or "",
        }


class RunForm(forms.Form):
    until = forms.DateField(
        label=_("Window ends on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    window_days = forms.IntegerField(
        label=_("Window (days)"),
        min_value=WINDOW_MIN,
        max_value=WINDOW_MAX,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["until"].initial = today - datetime.timedelta(days=1)
        self.fields["window_days"].initial = int(thresholds.value("window_days"))


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this lead dismissed?"),
        max_length=300,
    )


class ThresholdForm(forms.Form):
    value = forms.CharField(
        label=_("New value"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    source = forms.CharField(
        label=_("Source document"),
        max_length=200,
        help_text=_("The document that sets the value, with its number and date."),
    )


class ReportForm(forms.Form):
    runs = forms.TypedChoiceField(
        label=_("Over the last"),
        required=False,
        coerce=int,
        initial=DEFAULT_RUN_COUNT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: a lazy plural formatted at import would keep the language
        # active then.
        self.fields["runs"].choices = [
            (n, ngettext("%(n)d run", "%(n)d runs", n) % {"n": n}) for n in RUN_COUNTS
        ]

    def count(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["runs"]:
            return self.cleaned_data["runs"]
        return DEFAULT_RUN_COUNT
