"""Surveys on the portal: the household sees the surveys it was asked, answers one once
(a missing or wrong answer shows the form again with the problem beside its question,
and nothing is saved), and another household's survey is 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from anju.outreach.models import Answer, Invitation, Response
from anju.outreach.services import surveys as svc


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def survey(cast):
    today = timezone.localdate()
    survey = svc.survey_create(
        svc.SurveyInput(
            title="Life in Kangju Garden",
            intro="Tell us honestly.",
            year=today.year,
            estates=[cast.e1],
            opens_on=today,
            closes_on=today + datetime.timedelta(days=7),
        ),
        actor=cast.officer,
    )
    svc.question_add(
        survey, actor=cast.officer, kind="rating", text="The repairs?", dimension="repairs"
    )
    svc.question_add(
        survey, actor=cast.officer, kind="multiple", text="Which rooms?", options=["gym", "hall"]
    )
    svc.question_add(survey, actor=cast.officer, kind="text", text="Else?", required=False)
    svc.survey_send(survey, actor=cast.officer)
    return survey


def test_a_tenant_answers_a_survey_once(cast, survey, client_for):
    alice = client_for("alice")
    rating, rooms, text = survey.questions.order_by("sort")
    page = alice.get(reverse("portal_surveys")).content.decode()
    assert "Life in Kangju Garden" in page and 'data-testid="waiting"' in page
    url = reverse("portal_survey", args=[survey.pk])
    page = alice.get(url).content.decode()
    assert "Tell us honestly." in page and f'name="q-{rating.pk}"' in page
    response = alice.post(url, {f"q-{rating.pk}": "9", f"q-{rooms.pk}": ["1"]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a rating from 1 to 5." in page
    assert 'value="1" checked' in page  # what was ticked is kept
    assert not Response.objects.exists()
    response = alice.post(
        url, {f"q-{rating.pk}": "4", f"q-{rooms.pk}": ["0", "1"], f"q-{text.pk}": "Thanks"}
    )
    assert response["Location"] == reverse("portal_surveys")
    response_row = Response.objects.get()
    assert response_row.estate == cast.e1
    assert sorted(Answer.objects.values_list("question__text", flat=True)) == [
        "Else?",
        "The repairs?",
        "Which rooms?",
    ]
    page = alice.get(url).content.decode()
    assert 'data-testid="answered"' in page and 'data-testid="answer-form"' not in page
    response = alice.post(url, {f"q-{rating.pk}": "1", f"q-{rooms.pk}": ["0"]})
    assert response["Location"] == reverse("portal_surveys")
    assert Response.objects.count() == 1
    page = alice.get(reverse("portal_surveys")).content.decode()
    assert "No survey is waiting for your answers." in page and "answered" in page


def test_another_households_survey_is_not_found(cast, survey, client_for):
    url = reverse("portal_survey", args=[survey.pk])
    assert client_for("charlie").get(url).status_code == 404
    assert client_for("charlie").post(url, {}).status_code == 404
    assert client_for("community").get(url).status_code == 404
    assert (
        "Life in Kangju Garden"
        not in client_for("charlie").get(reverse("portal_surveys")).content.decode()
    )
    assert Invitation.objects.filter(household=cast.charlie_household).count() == 0


def test_the_home_page_asks_for_the_waiting_survey(cast, survey, client_for):
    page = client_for("alice").get(reverse("portal_home")).content.decode()
    assert 'data-testid="home-survey"' in page and "Life in Kangju Garden" in page
