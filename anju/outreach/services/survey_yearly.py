"""The standard yearly satisfaction survey: one rating question per dimension the
evaluation scores (property services, the operator, the community, repairs, safety)
and one overall, then an open question. The evaluation reads its averages per estate
and dimension (anju.outreach.selectors.surveys.dimension_scores).

The questions are written in the district's language when the survey is built (the
wording below is the English source of the translation catalogue), so that every
household reads the same words, whatever language the officer uses."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.errors import DomainError
from anju.housing.models import Estate

from ..models import Dimension, QuestionKind, Survey, SurveyKind
from .surveys import SurveyInput, question_add, survey_create

# How long the yearly survey stays open unless the officer says otherwise.
DEFAULT_OPEN_DAYS = 30

TITLE = gettext_lazy("%(year)s satisfaction survey of public rental housing")
INTRO = gettext_lazy(
    "Every year we ask each household how well the estate is run, so that the property "
    "company, the operator and the community can be assessed and do better. Your answers "
    "are anonymous: nobody can see which household gave them. 1 means very dissatisfied "
    "and 5 very satisfied."
)
RATING_QUESTIONS = [
    (
        Dimension.PROPERTY,
        gettext_lazy(
            "How satisfied are you with the property services (cleaning, security, "
            "greenery and the upkeep of shared areas)?"
        ),
    ),
    (
        Dimension.OPERATOR,
        gettext_lazy(
            "How satisfied are you with the operator (leases, rent, handovers and how it "
            "answers your requests)?"
        ),
    ),
    (
        Dimension.COMMUNITY,
        gettext_lazy("How satisfied are you with the community's services and activities?"),
    ),
    (
        Dimension.REPAIRS,
        gettext_lazy(
            "How satisfied are you with repairs (how fast they come, the quality of the "
            "work, the repairers' manner)?"
        ),
    ),
    (
        Dimension.SAFETY,
        gettext_lazy(
            "How safe do you feel in the estate (doors and gates, fire safety, lighting, order)?"
        ),
    ),
    (
        Dimension.OVERALL,
        gettext_lazy("Overall, how satisfied are you with living in public rental housing?"),
    ),
]
OPEN_QUESTION = gettext_lazy("What should we improve first? (optional)")


def survey_yearly_create(
    year: int,
    *,
    actor,
    estates: Sequence[Estate],
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
) -> Survey:
    """A draft of the standard yearly survey of `year` for `estates`. An estate is in
    one yearly survey a year, since the evaluation reads one score per estate."""
    opens_on = opens_on or timezone.localdate()
    closes_on = closes_on or opens_on + datetime.timedelta(days=DEFAULT_OPEN_DAYS)
    taken = sorted(
        Estate.objects.filter(
            pk__in=[e.pk for e in estates], surveys__kind=SurveyKind.YEARLY, surveys__year=year
        )
        .distinct()
        .values_list("name", flat=True)
    )
    if taken:
        raise DomainError(
            _("These estates are already in the yearly survey of %(y)s: %(e)s.")
            % {"y": year, "e": "、".join(taken)},
            code="duplicate",
        )
    with translation.override(settings.LANGUAGE_CODE):
        title, intro = str(TITLE) % {"year": year}, str(INTRO)
        questions = [(d, str(t)) for d, t in RATING_QUESTIONS]
        open_question = str(OPEN_QUESTION)
    with transaction.atomic():
        survey = survey_create(
            SurveyInput(
                title=title,
                intro=intro,
                year=year,
                estates=estates,
                opens_on=opens_on,
                closes_on=closes_on,
            ),
            actor=actor,
            kind=SurveyKind.YEARLY,
        )
        for dimension, text in questions:
            question_add(
                survey, actor=actor, kind=QuestionKind.RATING, text=text, dimension=dimension
            )
        question_add(
            survey, actor=actor, kind=QuestionKind.TEXT, text=open_question, required=False
        )
    return survey
