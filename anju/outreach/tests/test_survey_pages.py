"""The staff pages of surveys: drafting through the form, the builder (adding a question
with its choices, a refused question shown on the page, moving, removing), sending from
the page, the standard yearly survey's page, the list (its filter and a bounded number of
queries), and what a reader without SURVEY_MANAGE sees."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from anju.core.models import Message
from anju.outreach.models import Invitation, Survey, SurveyKind, SurveyStatus
from anju.outreach.services import surveys as svc


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(cast, **changes):
    today = timezone.localdate()
    return {
        "title": "Parking survey",
        "intro": "Two minutes.",
        "year": str(today.year),
        "estates": [cast.e1.pk],
        "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=10)).isoformat(),
        **changes,
    }


def test_an_officer_drafts_builds_and_sends_a_survey_from_the_pages(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for("officer")
    response = client.post(reverse("survey_new"), form_data(cast))
    survey = Survey.objects.get()
    assert response["Location"] == reverse("survey_detail", args=[survey.pk])
    add = reverse("survey_question_add", args=[survey.pk])
    response = client.post(add, {"kind": "single", "text": "Do you park here?", "options": "yes"})
    assert response.status_code == 200
    assert "Give at least two choices, one a line." in response.content.decode()
    assert not survey.questions.exists()
    client.post(add, {"kind": "single", "text": "Do you park here?", "options": "yes\nno\n"})
    client.post(
        add, {"kind": "rating", "text": "The car park?", "dimension": "safety", "required": "on"}
    )
    first, second = survey.questions.order_by("sort")
    assert first.options == ["yes", "no"] and not first.required
    assert second.dimension == "safety" and second.required
    client.post(reverse("survey_question_move", args=[survey.pk, second.pk]), {"direction": "up"})
    assert list(survey.questions.values_list("text", flat=True)) == [
        "The car park?",
        "Do you park here?",
    ]
    page = client.get(reverse("survey_detail", args=[survey.pk])).content.decode()
    assert 'data-testid="question-form"' in page and "measures: Safety" in page
    response = client.post(
        reverse("survey_question_remove", args=[survey.pk, first.pk]), follow=True
    )
    assert said(response) == ["Question removed."]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("survey_send", args=[survey.pk]), follow=True)
    assert said(response) == ["The survey is open: 1 households are invited by a portal message."]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    assert Invitation.objects.get().household == cast.alice_household
    assert Message.objects.filter(template="survey.invited.portal").count() == 1
    page = response.content.decode()
    assert 'data-testid="question-form"' not in page and 'data-testid="survey-close"' in page
    response = client.post(reverse("survey_close", args=[survey.pk]), follow=True)
    assert said(response) == ["The survey is closed; no more answers are taken."]


def test_the_yearly_survey_is_drafted_from_its_page(cast, client_for):
    data = form_data(cast, estates=[cast.e1.pk, cast.e2.pk])
    data.pop("title")
    data.pop("intro")
    response = client_for("officer").post(reverse("survey_yearly_new"), data)
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.kind == SurveyKind.YEARLY
    assert survey.questions.count() == 7
    response = client_for("officer").post(reverse("survey_yearly_new"), data)
    assert response.status_code == 200
    assert "already in the yearly survey" in response.content.decode()


def test_the_list_filters_by_status_in_few_queries(cast, client_for, django_assert_max_num_queries):
    for n in range(5):
        survey = svc.survey_create(
            svc.SurveyInput(
                title=f"Survey {n}",
                year=2026,
                estates=[cast.e1, cast.e2] if n % 2 else [cast.e1],
                opens_on=datetime.date(2026, 6, 1),
                closes_on=datetime.date(2026, 6, 30),
            ),
            actor=cast.officer,
        )
        svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    svc.survey_create(
        svc.SurveyInput(
            title="Only E2",
            year=2026,
            estates=[cast.e2],
            opens_on=datetime.date(2026, 6, 1),
            closes_on=datetime.date(2026, 6, 30),
        ),
        actor=cast.officer,
    )
    community = client_for("community")
    with django_assert_max_num_queries(14):
        page = community.get(reverse("survey_list")).content.decode()
    assert "Survey 4" in page and "Only E2" not in page
    page = community.get(reverse("survey_list") + "?status=open").content.decode()
    assert "Survey 4" not in page and "No survey matches." in page


def test_a_reader_sees_the_survey_without_the_builder(cast, client_for):
    survey = svc.survey_create(
        svc.SurveyInput(
            title="Read only",
            year=2026,
            estates=[cast.e1],
            opens_on=datetime.date(2026, 6, 1),
            closes_on=datetime.date(2026, 6, 30),
        ),
        actor=cast.officer,
    )
    svc.question_add(survey, actor=cast.officer, kind="rating", text="Overall?")
    page = client_for("auditor").get(reverse("survey_detail", args=[survey.pk])).content.decode()
    assert "Overall?" in page
    assert 'data-testid="question-form"' not in page and 'data-testid="survey-send"' not in page
    assert client_for("auditor").post(reverse("survey_send", args=[survey.pk])).status_code == 403
