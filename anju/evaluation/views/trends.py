"""Indicator trends (Perm.EVALUATION_VIEW): one indicator, chosen from a select, over
the disclosed and published periods, for every party of its kind the viewer may see,
as a multi-line chart with the target and a table."""

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy

from anju.core.access import staff_view
from anju.core.roles import Perm

from ..models import Indicator
from ..selectors.party_dashboards import chart_labels
from ..selectors.trends import indicator_choices, indicator_trend


class IndicatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_party_kind_display()} · {obj.name}"


class TrendForm(forms.Form):
    indicator = IndicatorChoice(
        label=gettext_lazy("Indicator"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.queryset = indicator_choices(user)
        field.empty_label = None
        field.widget.attrs.update({"class": "form-select", "data-testid": "trend-indicator"})

    def chosen(self) -> Indicator | None:
        """The indicator asked for, else the first one there is."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("indicator"):
            return self.cleaned_data["indicator"]
        return self.fields["indicator"].queryset.first()


@staff_view(Perm.EVALUATION_VIEW)
def evaluation_trends(request):
    form = TrendForm(request.GET or None, user=request.user)
    indicator = form.chosen()
    trend = indicator_trend(request.user, indicator) if indicator else None
    return render(
        request,
        "evaluation/dashboards/trends.html",
        {
            "form": form,
            "trend": trend,
            "chart": trend.as_chart() if trend else None,
            "labels": chart_labels(),
        },
    )


urlpatterns = [path("evaluation/trends/", evaluation_trends, name="evaluation_trends")]
