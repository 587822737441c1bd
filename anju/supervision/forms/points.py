"""Forms of the tenant-points pages. They parse input only; the services in
anju.supervision.services.points and .credits decide."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import CreditKind, PointRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RuleChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        mark = " · " + str(gettext_lazy("warning first")) if obj.warning_first else ""
        return f"{obj.name} ({obj.points}{mark})"


class PointsRecordForm(forms.Form):
    rule = RuleChoice(
        label=gettext_lazy("Misdeed"),
        queryset=PointRule.objects.filter(active=True).order_by("points", "name"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("Occurred on"), widget=DATE, initial=timezone.localdate
    )
    details = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("Boxes stacked in the 3rd-floor corridor; photographed")
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("occurred_on", "details"):
            self.fields[name].widget.attrs["class"] = "form-control"


class VoidForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class CreditForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[c for c in CreditKind.choices if c[0] != CreditKind.ON_TIME_PAYMENT],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Hours or credit"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("Earned on"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    details = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": gettext_lazy("Volunteered on the community clean-up day"),
            }
        ),
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Misdeed"), max_length=100)
    points = forms.TypedChoiceField(
        label=gettext_lazy("Points"), coerce=int, choices=[(n, n) for n in (3, 5, 7, 15)]
    )
    warning_first = forms.BooleanField(label=gettext_lazy("Written warning first"), required=False)
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)
    source = forms.CharField(
        label=gettext_lazy("Source document of the change"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "长住建〔2026〕9号"}),
    )
