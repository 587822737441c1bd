"""Forms of the evaluation periods: opening one, filtering its scorecards, entering a
manual score, objecting and resolving an objection. They parse input only; the rules
are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Grade, PartyKind, PeriodKind
from ..services.manual_scores import COMMENT_MAX
from ..services.objections import REASONS_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PeriodOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    starts_on = forms.DateField(
        label=_("Starts on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A quarter starts on the 1st of January, April, July or October."),
    )


class ScorecardFilterForm(forms.Form):
    party_kind = forms.ChoiceField(
        label=_("Party"), choices=[("", _("All parties")), *PartyKind.choices], required=False
    )
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=[("", _("All grades")), *Grade.choices, ("none", _("Not graded"))],
        required=False,
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ScoreForm(forms.Form):
    value = forms.DecimalField(
        label=_("Score (0–100)"), min_value=0, max_value=100, decimal_places=2
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = MultipleFileField(
        label=_("Evidence (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("At least one file, unless the score already has some."),
    )


class ObjectionForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("About"), coerce=int, required=False, empty_value=None, choices=()
    )
    reasons = forms.CharField(
        label=_("Your reasons"),
        max_length=REASONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, scores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = [
            ("", _("The whole scorecard")),
            *((s.pk, s.line.indicator.name) for s in scores),
        ]


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Uphold")), ("0", _("Reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=_("Resolution and reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_value = forms.DecimalField(
        label=_("Corrected value"),
        required=False,
        decimal_places=2,
        help_text=_("Only when upholding an objection to one indicator; leave empty otherwise."),
    )
