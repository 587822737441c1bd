"""The public site's evaluation ranking, open to anyone without logging in: for each
published period, the operators' and the property companies' rank, name, total and
grade. Nothing else: no tenant, no indicator, no period still open or disclosed."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from ..selectors.periods import public_ranking as ranking


@require_safe
def public_ranking(request):
    return render(request, "evaluation/public/ranking.html", {"periods": ranking()})


urlpatterns = [path("evaluation/ranking/", public_ranking, name="public_ranking")]
