"""Forms of the scheme and indicator pages. They parse input only; the rules (ordered
thresholds, directions, which consequence fits which party) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import (
    TENANT_CONSEQUENCES,
    ConsequenceKind,
    Direction,
    Grade,
    IndicatorUnit,
    PartyKind,
)


def styled(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchemeNewForm(_Styled):
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    source = forms.CharField(label=_("Source document"), max_length=200)


class SchemeForm(_Styled):
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    source = forms.CharField(label=_("Source document"), max_length=200)
    pass_from = forms.DecimalField(label=_("Pass from (score)"), max_digits=5, decimal_places=2)
    good_from = forms.DecimalField(label=_("Good from (score)"), max_digits=5, decimal_places=2)
    excellent_from = forms.DecimalField(
        label=_("Excellent from (score)"), max_digits=5, decimal_places=2
    )
    objection_days = forms.IntegerField(label=_("Days to object"), min_value=0)
    citation = forms.CharField(
        label=_("Amending document"),
        max_length=200,
        required=False,
        help_text=_("Required to change a published scheme."),
    )


class LineForm(_Styled):
    weight = forms.DecimalField(label=_("Weight"), max_digits=5, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=2)
    zero_at = forms.DecimalField(label=_("Scores nought at"), max_digits=12, decimal_places=2)


class LineAddForm(LineForm):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None)

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.order_fields(["indicator", "weight", "target", "zero_at"])


class RuleForm(_Styled):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    kind = forms.ChoiceField(label=_("Consequence"))
    percent = forms.DecimalField(label=_("Percent"), max_digits=5, decimal_places=2, required=False)
    days = forms.IntegerField(label=_("Days"), min_value=1, required=False)
    consecutive_fails = forms.IntegerField(
        label=_("After failing periods in a row"), min_value=2, required=False
    )

    def __init__(self, *args, party_kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = party_kind == PartyKind.TENANT
        self.fields["kind"].choices = [
            c for c in ConsequenceKind.choices if (c[0] in TENANT_CONSEQUENCES) == tenant
        ]


class IndicatorForm(_Styled):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    definition_zh = forms.CharField(
        label=_("Definition (Chinese)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    definition_en = forms.CharField(
        label=_("Definition (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    sort = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class IndicatorNewForm(_Styled):
    code = forms.CharField(label=_("Code"), max_length=40)
    party_kind = forms.ChoiceField(label=_("Party kind"), choices=PartyKind.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=IndicatorUnit.choices, initial="score")
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    definition_zh = forms.CharField(
        label=_("Definition (Chinese)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    definition_en = forms.CharField(
        label=_("Definition (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    sort = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
