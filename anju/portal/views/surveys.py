"""Satisfaction surveys on the portal: the surveys the household was asked to answer,
and the answer form of one of them. The household answers once, while the survey is
open; its answers are kept without its name. Every lookup starts from the signed-in
tenant's own household: a survey it was not asked is 404."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.errors import DomainError
from anju.outreach.forms.surveys import answers_from_post
from anju.outreach.models import QuestionKind, SurveyStatus
from anju.outreach.selectors import surveys as selectors
from anju.outreach.services.survey_answers import AnswerProblems, survey_answer

from ..access import portal_view
from .tenancy import own_tenant_household

RATING_LABELS = {1: gettext_lazy("Very dissatisfied"), 5: gettext_lazy("Very satisfied")}


def own_invitation(user, pk):
    return selectors.own_invitation(own_tenant_household(user), pk)


def _open(invitation, today) -> bool:
    survey = invitation.survey
    return (
        invitation.responded_at is None
        and survey.status == SurveyStatus.OPEN
        and survey.closes_on >= today
    )


@portal_view(find=own_tenant_household)
def my_surveys(request, household):
    today = timezone.localdate()
    invitations = selectors.invitations_of(household)
    return render(
        request,
        "portal/surveys/list.html",
        {
            "household": household,
            "waiting": [i for i in invitations if _open(i, today)],
            "others": [i for i in invitations if not _open(i, today)],
            "today": today,
        },
    )


def _rows(questions, answers, problems):
    """One row per question for the form: what was chosen, and the problem if any."""
    rows = []
    for q in questions:
        value = answers.get(q.pk, [] if q.kind == QuestionKind.MULTIPLE else "")
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        rows.append(
            {
                "question": q,
                "value": value,
                "chosen": chosen,
                "options": list(enumerate(q.options)),
                "problem": problems.get(q.pk, ""),
            }
        )
    return rows


@portal_view(find=own_invitation, methods=("GET", "POST"))
def my_survey(request, invitation, pk):
    today = timezone.localdate()
    survey = invitation.survey
    questions = selectors.questions_of(survey)
    answers: dict = {}
    problems: dict = {}
    if request.method == "POST":
        answers = answers_from_post(questions, request.POST)
        try:
            survey_answer(invitation, answers=answers)
        except AnswerProblems as exc:
            problems = exc.problems
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal_surveys")
        else:
            messages.success(request, _("Thank you: your answers are in."))
            return redirect("portal_surveys")
    return render(
        request,
        "portal/surveys/answer.html",
        {
            "household": invitation.household,
            "invitation": invitation,
            "survey": survey,
            "open": _open(invitation, today),
            "rows": _rows(questions, answers, problems),
            "general_problem": problems.get(None, ""),
            "ratings": [(n, RATING_LABELS.get(n, "")) for n in range(1, 6)],
        },
    )


urlpatterns = [
    path("my/surveys/", my_surveys, name="portal_surveys"),
    path("my/surveys/<int:pk>/", my_survey, name="portal_survey"),
]
