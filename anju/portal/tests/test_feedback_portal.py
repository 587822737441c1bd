"""Feedback on the portal: a tenant gives it about their own estate, follows every step,
and rates the answer, which closes it or (once, after a low rating) reopens it. Only
the tenant's own household's feedback: another family's answers 404."""

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from anju.helpdesk.models import Feedback, FeedbackChannel, FeedbackStatus
from anju.helpdesk.services import feedback_flow as flow
from anju.helpdesk.services.feedback import feedback_submit

pytestmark = pytest.mark.django_db

S = FeedbackStatus


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def given_by(tenant, text="Water drips from the flat above.", **kwargs):
    return feedback_submit(
        channel=FeedbackChannel.PORTAL,
        kind="complaint",
        topic="neighbours",
        text=text,
        actor=tenant,
        **kwargs,
    )


def errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def test_a_tenant_gives_feedback_about_their_home_and_follows_it(cast, client_for):
    client = client_for("alice")
    assert client.get(reverse("portal_feedback_new")).status_code == 200
    response = client.post(
        reverse("portal_feedback_new"),
        {"kind": "suggestion", "topic": "accessibility", "text": "A handrail by the door."},
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_feedback_detail", args=[feedback.pk])
    assert feedback.estate == cast.e1 and feedback.household == cast.alice_household
    assert feedback.organisation == cast.community_a
    page = client.get(response["Location"]).content.decode()
    assert "A handrail by the door." in page and "康乐社区" in page
    assert 'data-testid="feedback-trail"' in page and 'data-testid="rate-form"' not in page
    home = client.get(reverse("portal_home")).content.decode()
    assert 'data-testid="feedback-card"' in home and feedback.number in home


def test_the_list_shows_the_households_own_feedback_in_a_few_queries(
    cast, client_for, django_assert_max_num_queries
):
    for n in range(6):
        given_by(cast.alice, text=f"Alice's feedback {n}")
    given_by(cast.charlie, text="Charlie's feedback")
    client = client_for("alice")
    client.get(reverse("portal_feedback"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal_feedback"))
    text = response.content.decode()
    assert text.count("Alice&#x27;s feedback") == 6 and "Charlie" not in text


def test_another_familys_feedback_answers_404(cast, client_for):
    charlies = given_by(cast.charlie)
    flow.feedback_answer(charlies, actor=cast.officer, answer="Done.")
    client = client_for("alice")
    assert client.get(reverse("portal_feedback_detail", args=[charlies.pk])).status_code == 404
    response = client.post(
        reverse("portal_feedback_rate", args=[charlies.pk]), {"rating": "1", "action": "close"}
    )
    assert response.status_code == 404
    charlies.refresh_from_db()
    assert charlies.status == S.ANSWERED
    # Staff have no household on the portal.
    assert client_for("officer").get(reverse("portal_feedback")).status_code == 404


def test_the_tenant_reopens_once_after_a_low_rating_then_closes_it(cast, client_for):
    feedback = flow.feedback_answer(
        given_by(cast.alice), actor=cast.community, answer="We spoke to them."
    )
    client = client_for("alice")
    url = reverse("portal_feedback_detail", args=[feedback.pk])
    page = client.get(url).content.decode()
    assert "We spoke to them." in page and 'data-testid="reopen"' in page
    rate = reverse("portal_feedback_rate", args=[feedback.pk])
    high = client.post(rate, {"rating": "4", "action": "reopen"})
    assert any("Only a rating of 2 or less" in e for e in errors(high))
    client.post(rate, {"rating": "2", "comment": "Still dripping.", "action": "reopen"})
    feedback.refresh_from_db()
    assert feedback.status == S.ACKNOWLEDGED and feedback.reopened
    page = client.get(url).content.decode()
    assert "Still dripping." in page and "We spoke to them." in page  # the trail keeps both
    flow.feedback_answer(feedback, actor=cast.community, answer="The pipe is replaced.")
    page = client.get(url).content.decode()
    assert 'data-testid="rate-form"' in page and 'data-testid="reopen"' not in page
    client.post(rate, {"rating": "5", "action": "close"})
    feedback.refresh_from_db()
    assert feedback.status == S.CLOSED and feedback.rating == 5


def test_anonymous_portal_feedback_is_still_the_tenants_to_follow(cast, client_for):
    feedback = given_by(cast.alice, anonymous=True, contact_phone="13700001234")
    assert feedback.contact_masked == "" and feedback.household == cast.alice_household
    page = client_for("alice").get(reverse("portal_feedback_detail", args=[feedback.pk]))
    assert "Given without your name" in page.content.decode()
