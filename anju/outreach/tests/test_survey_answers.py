"""Answering a survey: every required question answered, every value one the question
allows (a rating from 1 to 5, a choice that exists), once per invited household, only
while the survey is open; and anonymity: nothing leads from a response or its answers
back to the household, and the invitation keeps only the day it was answered."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.households.models import Household
from anju.outreach.models import Answer, Invitation, Response
from anju.outreach.services import surveys as svc
from anju.outreach.services.survey_answers import AnswerProblems, survey_answer

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")


def at(day, hour=15):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ), tick=False
    )


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def survey(cast):
    survey = svc.survey_create(
        svc.SurveyInput(
            title="Estate life",
            year=2026,
            estates=[cast.e1],
            opens_on=D(2026, 6, 1),
            closes_on=D(2026, 6, 30),
        ),
        actor=cast.officer,
    )
    add = svc.question_add
    add(survey, actor=cast.officer, kind="rating", text="Repairs?", dimension="repairs")
    add(survey, actor=cast.officer, kind="single", text="Floor?", options=["low", "high"])
    add(survey, actor=cast.officer, kind="multiple", text="Use?", options=["gym", "park", "hall"])
    add(survey, actor=cast.officer, kind="text", text="Anything else?", required=False)
    with at(D(2026, 6, 1)):
        svc.survey_send(survey, actor=cast.officer)
    return survey


def ids(survey):
    return list(survey.questions.order_by("sort").values_list("pk", flat=True))


def invitation_of(survey, household):
    return Invitation.objects.get(survey=survey, household=household)


def test_a_household_answers_once_and_the_answers_keep_only_its_estate(cast, survey):
    rating, single, multiple, text = ids(survey)
    invitation = invitation_of(survey, cast.alice_household)
    with at(D(2026, 6, 3)):
        response = survey_answer(
            invitation,
            answers={rating: "4", single: 1, multiple: ["2", "0", "2"], text: "  More benches. "},
        )
        with pytest.raises(DomainError) as err:
            survey_answer(invitation, answers={rating: 5, single: 0, multiple: [0]})
        assert err.value.code == "already"
    assert response.estate == cast.e1 and response.submitted_on == D(2026, 6, 3)
    answers = {a.question_id: a for a in Answer.objects.filter(response=response)}
    assert answers[rating].value == 4
    assert answers[single].value == 1
    assert answers[multiple].choices == [0, 2]
    assert answers[text].text == "More benches."
    invitation.refresh_from_db()
    # Answered that day; the time of day is not kept.
    assert timezone.localtime(invitation.responded_at).time() == datetime.time(0, 0)
    assert timezone.localtime(invitation.responded_at).date() == D(2026, 6, 3)
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({0: None}, "Please answer this question."),
        ({0: 6}, "Choose a rating from 1 to 5."),
        ({0: 0}, "Choose a rating from 1 to 5."),
        ({0: "four"}, "Choose a rating from 1 to 5."),
        ({1: 2}, "Choose one of the choices given."),
        ({1: -1}, "Choose one of the choices given."),
        ({2: [0, 3]}, "Choose among the choices given."),
        ({2: []}, "Please answer this question."),
        ({3: "x" * 2001}, "Keep the answer under 2,000 characters."),
    ],
)
def test_a_bad_answer_names_its_question_and_nothing_is_saved(cast, survey, values, problem):
    qids = ids(survey)
    answers = {qids[0]: 3, qids[1]: 0, qids[2]: [1]}
    answers.update({qids[i]: v for i, v in values.items()})
    invitation = invitation_of(survey, cast.alice_household)
    with at(D(2026, 6, 3)), pytest.raises(AnswerProblems) as err:
        survey_answer(invitation, answers=answers)
    (index,) = values
    assert err.value.problems == {qids[index]: problem}
    assert not Response.objects.exists() and not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_every_problem_is_named_at_once_and_unknown_questions_too(cast, survey):
    qids = ids(survey)
    with at(D(2026, 6, 3)), pytest.raises(AnswerProblems) as err:
        survey_answer(invitation_of(survey, cast.alice_household), answers={987654: 1})
    assert set(err.value.problems) == {None, qids[0], qids[1], qids[2]}
    assert "987654" in err.value.problems[None]


def test_an_optional_question_may_stay_blank(cast, survey):
    rating, single, multiple, text = ids(survey)
    with at(D(2026, 6, 3)):
        response = survey_answer(
            invitation_of(survey, cast.alice_household),
            answers={rating: 5, single: 0, multiple: [1], text: "   "},
        )
    assert set(response.answers.values_list("question_id", flat=True)) == {
        rating,
        single,
        multiple,
    }


def test_no_answer_after_the_closing_day_or_once_closed(cast, survey):
    rating, single, multiple, _text = ids(survey)
    answers = {rating: 3, single: 0, multiple: [0]}
    invitation = invitation_of(survey, cast.alice_household)
    with at(D(2026, 7, 1)), pytest.raises(DomainError) as err:
        survey_answer(invitation, answers=answers)
    assert err.value.code == "closed"
    assert str(err.value) == "This survey closed on 2026-06-30."
    svc.survey_close(survey, actor=cast.officer)
    with at(D(2026, 6, 10)), pytest.raises(DomainError) as err:
        survey_answer(invitation, answers=answers)
    assert err.value.code == "closed"
    assert not Response.objects.exists()


def test_nothing_leads_from_a_response_to_the_household(cast, survey):
    rating, single, multiple, _text = ids(survey)
    with at(D(2026, 6, 3)):
        survey_answer(
            invitation_of(survey, cast.alice_household),
            answers={rating: 2, single: 0, multiple: [0]},
        )
    # No foreign key of a response or an answer reaches a household, directly or
    # through the survey's own invitations.
    for model in (Response, Answer):
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            assert related not in (Household, Invitation), (model, field.name)
    response_fields = {f.name for f in Response._meta.concrete_fields}
    assert response_fields == {"id", "survey", "estate", "submitted_on"}
    # And answering wrote no audit entry and no timeline entry that could be matched
    # with the response.
    assert not AuditEntry.objects.filter(action__startswith="survey.answer").exists()
    assert not TimelineEntry.objects.filter(verb__startswith="survey.").exists()
