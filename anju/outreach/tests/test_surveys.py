"""Surveys through their services: a draft and its questions (the kinds, choices and
dimensions they take, reordering, removing), sending (one invitation and one portal
message per housed household of the estates, nobody twice when sent again, only the
households housed since), the standard yearly survey with every dimension, and
closing, by hand and by the daily step. Time is frozen."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import Message
from anju.households.services import lease_end
from anju.outreach.models import (
    Dimension,
    Invitation,
    QuestionKind,
    Survey,
    SurveyKind,
    SurveyStatus,
)
from anju.outreach.services import surveys as svc
from anju.outreach.services.survey_yearly import survey_yearly_create
from anju.testing.tenancy import housed_household

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")


def at(day):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10), tzinfo=TZ), tick=False
    )


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def draft(cast, *estates, title="Lift service survey"):
    return svc.survey_create(
        svc.SurveyInput(
            title=title,
            year=2026,
            estates=list(estates) or [cast.e1],
            opens_on=D(2026, 6, 1),
            closes_on=D(2026, 6, 30),
        ),
        actor=cast.officer,
    )


def test_a_draft_takes_questions_of_every_kind_in_order(cast):
    survey = draft(cast)
    a = svc.question_add(
        survey, actor=cast.officer, kind="rating", text="The lifts?", dimension="property"
    )
    b = svc.question_add(
        survey, actor=cast.officer, kind="single", text="Which lift?", options=["A", " B ", ""]
    )
    c = svc.question_add(
        survey, actor=cast.officer, kind="multiple", text="What breaks?", options=["door", "light"]
    )
    d = svc.question_add(survey, actor=cast.officer, kind="text", text="More?", required=False)
    assert [q.sort for q in (a, b, c, d)] == [0, 1, 2, 3]
    assert b.options == ["A", "B"] and d.options == [] and not d.required
    svc.question_move(c, actor=cast.officer, by=-1)
    svc.question_move(a, actor=cast.officer, by=-1)  # already first: nothing moves
    assert list(survey.questions.values_list("text", flat=True)) == [
        "The lifts?",
        "What breaks?",
        "Which lift?",
        "More?",
    ]
    svc.question_remove(b, actor=cast.officer)
    assert list(survey.questions.values_list("sort", "text")) == [
        (0, "The lifts?"),
        (1, "What breaks?"),
        (2, "More?"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "essay", "text": "?"}, "kind"),
        ({"kind": "rating", "text": " "}, "text"),
        ({"kind": "single", "text": "?", "options": ["only one"]}, "options"),
        ({"kind": "multiple", "text": "?", "options": ["a", "a"]}, "options"),
        ({"kind": "text", "text": "?", "dimension": "safety"}, "dimension"),
        ({"kind": "rating", "text": "?", "dimension": "weather"}, "dimension"),
    ],
)
def test_bad_questions_are_refused(cast, kwargs, code):
    survey = draft(cast)
    with pytest.raises(DomainError) as err:
        svc.question_add(survey, actor=cast.officer, **kwargs)
    assert err.value.code == code
    assert not survey.questions.exists()


def test_a_survey_is_for_the_estates_its_author_sees(cast):
    with pytest.raises(DomainError) as err:
        svc.survey_create(
            svc.SurveyInput(
                title="Ours",
                year=2026,
                estates=[cast.e2],
                opens_on=D(2026, 6, 1),
                closes_on=D(2026, 6, 30),
            ),
            actor=cast.community,
        )
    assert err.value.code == "estates"
    with pytest.raises(DomainError) as err:
        svc.survey_create(
            svc.SurveyInput(
                title="Back to front",
                year=2026,
                estates=[cast.e1],
                opens_on=D(2026, 6, 30),
                closes_on=D(2026, 6, 1),
            ),
            actor=cast.officer,
        )
    assert err.value.code == "dates"
    assert not Survey.objects.exists()


def test_sending_invites_each_housed_household_once_and_messages_it(
    cast, django_capture_on_commit_callbacks
):
    survey = draft(cast, cast.e1, cast.e2)
    with at(D(2026, 6, 2)):
        with pytest.raises(DomainError) as err:
            svc.survey_send(survey, actor=cast.officer)
        assert err.value.code == "no_questions"
        svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
        with django_capture_on_commit_callbacks(execute=True):
            assert svc.survey_send(survey, actor=cast.officer) == 2
        with pytest.raises(DomainError) as err:
            svc.question_add(survey, actor=cast.officer, kind="rating", text="Late?")
        assert err.value.code == "sent"
        # Sent again: nobody twice, and a household housed since is invited.
        with django_capture_on_commit_callbacks(execute=True):
            assert svc.survey_send(survey, actor=cast.officer) == 0
        newcomer = housed_household(cast.e2, "HH-N", cast.officer)
        with django_capture_on_commit_callbacks(execute=True):
            assert svc.survey_send(survey, actor=cast.officer) == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN and survey.sent_at is not None
    assert set(Invitation.objects.values_list("household__number", flat=True)) == {
        "HH-A",
        "HH-C",
        newcomer.number,
    }
    messages = Message.objects.filter(template="survey.invited.portal")
    assert messages.count() == 3
    body = messages.get(household=cast.alice_household).body
    assert "Lift service survey" in body and "2026-06-30" in body


def test_a_household_no_longer_housed_is_not_invited(cast):
    survey = draft(cast)
    svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    lease = cast.alice_household.leases.get()
    with at(D(2026, 6, 2)):
        lease_end(lease, actor=cast.officer, on=D(2026, 6, 1))
        assert svc.survey_send(survey, actor=cast.officer) == 0


def test_sending_opens_the_survey_on_the_day_it_is_sent(cast):
    survey = draft(cast)
    svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    with at(D(2026, 5, 25)):
        svc.survey_send(survey, actor=cast.officer)
    survey.refresh_from_db()
    assert survey.opens_on == D(2026, 5, 25)
    other = draft(cast, title="Too late")
    svc.question_add(other, actor=cast.officer, kind="rating", text="Overall?")
    with at(D(2026, 7, 1)), pytest.raises(DomainError) as err:
        svc.survey_send(other, actor=cast.officer)
    assert err.value.code == "dates"


def test_the_yearly_survey_rates_every_dimension_and_asks_what_to_improve(cast):
    with at(D(2026, 10, 8)):
        survey = survey_yearly_create(2026, actor=cast.officer, estates=[cast.e1, cast.e2])
    assert survey.kind == SurveyKind.YEARLY and survey.year == 2026
    assert survey.status == SurveyStatus.DRAFT
    assert (survey.opens_on, survey.closes_on) == (D(2026, 10, 8), D(2026, 11, 7))
    questions = list(survey.questions.order_by("sort"))
    ratings = [q for q in questions if q.kind == QuestionKind.RATING]
    assert [q.dimension for q in ratings] == [
        Dimension.PROPERTY,
        Dimension.OPERATOR,
        Dimension.COMMUNITY,
        Dimension.REPAIRS,
        Dimension.SAFETY,
        Dimension.OVERALL,
    ]
    assert set(Dimension.values) == {q.dimension for q in ratings}
    assert all(q.required for q in ratings)
    last = questions[-1]
    assert last.kind == QuestionKind.TEXT and not last.required
    assert survey.title == "2026 satisfaction survey of public rental housing"
    # An estate is in one yearly survey a year.
    with pytest.raises(DomainError) as err:
        survey_yearly_create(2026, actor=cast.officer, estates=[cast.e2])
    assert err.value.code == "duplicate"
    assert survey_yearly_create(2027, actor=cast.officer, estates=[cast.e2]).year == 2027


def test_the_yearly_survey_is_written_in_the_districts_language(cast, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    survey = survey_yearly_create(2026, actor=cast.officer, estates=[cast.e1])
    # The wording is taken through the catalogue in the district's language, whatever
    # the officer's own; without a translation yet it is the English source.
    with translation.override("zh-hans"):
        from anju.outreach.services.survey_yearly import TITLE

        assert survey.title == str(TITLE) % {"year": 2026}


def test_a_survey_closes_by_hand_or_the_day_after_its_closing_day(cast):
    first, second = draft(cast, title="First"), draft(cast, title="Second")
    for survey in (first, second):
        svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    with at(D(2026, 6, 2)):
        with pytest.raises(DomainError) as err:
            svc.survey_close(first, actor=cast.officer)
        assert err.value.code == "bad_transition"
        svc.survey_send(first, actor=cast.officer)
        svc.survey_send(second, actor=cast.officer)
        svc.survey_close(first, actor=cast.officer)
        with pytest.raises(DomainError) as err:
            svc.survey_send(first, actor=cast.officer)
        assert err.value.code == "bad_transition"
    assert svc.surveys_close_due(D(2026, 6, 30)) == 0
    assert svc.surveys_close_due(D(2026, 7, 1)) == 1
    assert svc.surveys_close_due(D(2026, 7, 1)) == 0
    assert set(Survey.objects.values_list("status", flat=True)) == {SurveyStatus.CLOSED}


def test_only_a_draft_changes_and_its_estates_with_it(cast):
    survey = draft(cast)
    changed = svc.survey_edit(
        survey,
        svc.SurveyInput(
            title="Lift survey",
            year=2026,
            estates=[cast.e1, cast.e2],
            opens_on=D(2026, 6, 1),
            closes_on=D(2026, 7, 15),
        ),
        actor=cast.officer,
    )
    assert changed.title == "Lift survey" and changed.closes_on == D(2026, 7, 15)
    assert set(changed.estates.values_list("code", flat=True)) == {"E1", "E2"}
    svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    with at(D(2026, 6, 2)):
        svc.survey_send(survey, actor=cast.officer)
    with pytest.raises(DomainError) as err:
        svc.survey_edit(
            survey,
            svc.SurveyInput(
                title="x",
                year=2026,
                estates=[cast.e1],
                opens_on=D(2026, 6, 1),
                closes_on=D(2026, 6, 2),
            ),
            actor=cast.officer,
        )
    assert err.value.code == "sent"


def test_the_daily_task_closes_due_surveys_and_sign_ups(cast):
    from anju.outreach.tasks.community import outreach_daily_task

    survey = draft(cast)
    svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    with at(D(2026, 6, 2)):
        svc.survey_send(survey, actor=cast.officer)
    with at(D(2026, 7, 1)):
        assert outreach_daily_task.call_local() == {"surveys": 1, "activities": 0}
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
