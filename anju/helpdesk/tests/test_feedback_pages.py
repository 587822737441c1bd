"""The feedback pages: the staff list with one's own organisation's queue first (overdue
first), filters and export; entering feedback at the counter; a feedback's page and the
responsible organisation's actions, refused with a message for anyone else; scoping
(404 outside, 403 without the permission); and the public pages: giving feedback
(limited per address and hour: 429, nothing written), following it by its code without
personal data, and rating it there."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anju.helpdesk.models import Feedback, FeedbackChannel, FeedbackStatus
from anju.helpdesk.services import feedback_clock as clock
from anju.helpdesk.services import feedback_flow as flow
from anju.helpdesk.services.feedback import feedback_submit

pytestmark = pytest.mark.django_db

S = FeedbackStatus
NOW = datetime.datetime.fromisoformat("2026-05-12T10:30:00+08:00")


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


def at(moment):
    return time_machine.travel(moment, tick=False)


def give(cast, *, topic="neighbours", estate="e1", text="The stairwell light is out.", **kw):
    values = {
        "channel": FeedbackChannel.STAFF,
        "actor": cast.officer,
        "kind": "complaint",
        "topic": topic,
        "text": text,
        "estate": getattr(cast, estate) if estate else None,
    }
    return feedback_submit(**{**values, **kw})


def errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


# --- The staff list ------------------------------------------------------------------------


def test_the_list_puts_my_organisations_queue_first_overdue_first(
    cast, client_for, django_assert_max_num_queries
):
    with at(NOW - datetime.timedelta(days=3)):
        late = give(cast, text="Old and overdue.")
    with at(NOW):
        fresh = give(cast, text="Fresh one.")
        other = give(cast, topic="rent", text="The operator's.")
        for n in range(5):
            give(cast, text=f"More feedback {n}.")
        client = client_for("community")
        client.get(reverse("feedback_list"))  # the session's first request writes it
        with django_assert_max_num_queries(20):
            response = client.get(reverse("feedback_list"))
    assert response.status_code == 200
    queue = response.context["queue"]
    assert queue[0] == late and fresh in queue and other not in queue
    assert response.context["queue_overdue"] == 1
    assert response.context["overdue_count"] == 1
    text = response.content.decode()
    assert 'data-testid="feedback-queue"' in text and "The operator&#x27;s." in text
    # The repairer sees the estate's feedback but answers none: no queue.
    response = client_for("repairer").get(reverse("feedback_list"))
    assert response.status_code == 200 and response.context["queue"] is None


def test_the_list_filters_and_exports(cast, client_for):
    with at(datetime.datetime.fromisoformat("2026-04-20T10:00:00+08:00")):
        april = give(cast, topic="accessibility")
    with at(NOW):
        may = give(cast, topic="rent")
        escalated = give(cast, topic="repairs")
    with at(NOW + datetime.timedelta(days=2)):
        clock.feedback_escalate_overdue()
        client = client_for("officer")

        def listed(**params):
            response = client.get(reverse("feedback_list"), params)
            return {f.number for f in response.context["page"]}

        assert listed(topic="accessibility") == {april.number}
        assert listed(month="2026-04") == {april.number}
        assert listed(escalated="on") == {april.number, may.number, escalated.number}
        assert listed(organisation=cast.operator_1.pk) == set()  # escalated to the authority
        assert listed(status="open", estate=cast.e1.pk) == {
            april.number,
            may.number,
            escalated.number,
        }
        export = client.get(reverse("feedback_list"), {"format": "xlsx", "topic": "rent"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


# --- Entering and acting ---------------------------------------------------------------------


def test_staff_enter_feedback_for_a_tenant_found_by_the_unit(cast, client_for):
    client = client_for("community")
    refused = client.post(
        reverse("feedback_create"),
        {"kind": "question", "topic": "rent", "estate": cast.e2.pk, "text": "x"},
    )
    assert refused.status_code == 200 and not Feedback.objects.exists()
    response = client.post(
        reverse("feedback_create"),
        {
            "kind": "question",
            "topic": "rent",
            "estate": cast.e1.pk,
            "unit_code": cast.unit_a.code.lower(),
            "text": "When is the rent due?",
            "contact_phone": "13700001234",
        },
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "feedback_detail", args=[feedback.pk]
    )
    assert feedback.household == cast.alice_household and feedback.submitted_by == cast.community
    assert feedback.organisation == cast.operator_1 and feedback.channel == "staff"
    portal = client_for("alice").get(reverse("portal_feedback"))
    assert feedback.number in portal.content.decode()


def test_the_responsible_organisation_acts_on_the_page_and_others_are_told_why_not(
    cast, client_for
):
    feedback = give(cast)  # the community's
    url = reverse("feedback_answer", args=[feedback.pk])
    refused = client_for("street").post(url, {"answer": "Not ours."}, follow=True)
    assert any("is for 康乐社区 to deal with" in e for e in errors(refused))
    feedback.refresh_from_db()
    assert feedback.status == S.RECEIVED
    page = client_for("street").get(reverse("feedback_detail", args=[feedback.pk]))
    assert 'data-testid="answer-form"' not in page.content.decode()
    community = client_for("community")
    page = community.get(reverse("feedback_detail", args=[feedback.pk]))
    assert 'data-testid="acknowledge-form"' in page.content.decode()
    community.post(reverse("feedback_acknowledge", args=[feedback.pk]), {"note": "On it."})
    response = community.post(url, {"answer": "The light is fixed."})
    assert response.status_code == 302 and not errors(response)
    feedback.refresh_from_db()
    assert feedback.status == S.ANSWERED and feedback.answer == "The light is fixed."
    trail = community.get(reverse("feedback_detail", args=[feedback.pk])).content.decode()
    assert trail.count('class="step-item') == 3


def test_passing_on_from_the_page(cast, client_for):
    feedback = give(cast)
    client = client_for("community")
    response = client.post(
        reverse("feedback_pass_on", args=[feedback.pk]),
        {"to": cast.property_1.pk, "reason": "It is about a broken light."},
    )
    assert response.status_code == 302 and not errors(response)
    feedback.refresh_from_db()
    assert feedback.organisation == cast.property_1
    refused = client.post(
        reverse("feedback_pass_on", args=[feedback.pk]),
        {"to": cast.operator_1.pk, "reason": "Back again."},
    )
    assert errors(refused)  # no longer the community's to pass on


def test_scoping_404_outside_403_without_the_permission(cast, client_for):
    e2 = give(cast, estate="e2")
    placeless = give(cast, estate=None)
    e1 = give(cast)
    for user, feedback in (("community", e2), ("community", placeless), ("propmgr", e2)):
        response = client_for(user).get(reverse("feedback_detail", args=[feedback.pk]))
        assert response.status_code == 404, (user, feedback.estate)
    assert (
        client_for("officer").get(reverse("feedback_detail", args=[placeless.pk])).status_code
        == 200
    )
    assert client_for("repairer").get(reverse("feedback_detail", args=[e1.pk])).status_code == 200
    for user, name in (("repairer", "feedback_acknowledge"), ("auditor", "feedback_answer")):
        response = client_for(user).post(reverse(name, args=[e1.pk]), {"answer": "x"})
        assert response.status_code == 403, (user, name)
    assert client_for("alice").get(reverse("feedback_list")).status_code == 403
    assert client_for("street").get(reverse("feedback_answer", args=[e1.pk])).status_code == 405


def test_anonymous_feedback_shows_staff_no_one(cast, client_for):
    feedback = feedback_submit(
        channel=FeedbackChannel.PORTAL,
        kind="complaint",
        topic="neighbours",
        text="The neighbours play mahjong all night.",
        actor=cast.alice,
        anonymous=True,
    )
    text = client_for("officer").get(reverse("feedback_detail", args=[feedback.pk]))
    text = text.content.decode()
    assert "anonymous" in text
    assert cast.alice_household.number not in text and cast.unit_a.code not in text


def test_revealing_the_contact_is_an_audited_access(cast, client_for):
    feedback = give(cast, contact_name="李四", contact_phone="13700001234")
    page = client_for("community").get(reverse("feedback_detail", args=[feedback.pk]))
    assert "137****1234" in page.content.decode() and "13700001234" not in page.content.decode()
    response = client_for("community").post(
        reverse("feedback_contact", args=[feedback.pk]), HTTP_HX_REQUEST="true"
    )
    assert "13700001234" in response.content.decode()
    assert (
        client_for("propmgr").post(reverse("feedback_contact", args=[feedback.pk])).status_code
        == 403
    )


# --- The public pages ---------------------------------------------------------------------


def form_data(**changes):
    return {
        "kind": "suggestion",
        "topic": "community",
        "estate": "",
        "text": "More benches in the garden, please.",
        **changes,
    }


def test_the_public_form_is_limited_per_address_and_hour(cast, settings):
    client = Client(REMOTE_ADDR="203.0.113.5")
    with at(NOW):
        for _ in range(settings.ANJU_PUBLIC_FEEDBACK_PER_HOUR):
            assert client.post(reverse("feedback_public_new"), form_data()).status_code == 302
        refused = client.post(reverse("feedback_public_new"), form_data())
        assert refused.status_code == 429
        assert Feedback.objects.count() == settings.ANJU_PUBLIC_FEEDBACK_PER_HOUR
        other = Client(REMOTE_ADDR="198.51.100.7")
        assert other.post(reverse("feedback_public_new"), form_data()).status_code == 302
    with at(NOW + datetime.timedelta(hours=1)):
        assert client.post(reverse("feedback_public_new"), form_data()).status_code == 302


def test_public_feedback_can_be_anonymous_and_bad_input_writes_nothing(cast):
    client = Client(REMOTE_ADDR="203.0.113.6")
    for data, error in [
        (form_data(text=""), "This field is required."),
        (form_data(anonymous="on", contact_phone="13700001234"), "Anonymous feedback leaves"),
        (form_data(contact_phone="123"), "The phone number is not valid."),
    ]:
        response = client.post(reverse("feedback_public_new"), data)
        assert response.status_code == 200 and error in response.content.decode(), error
    assert not Feedback.objects.exists()
    response = client.post(
        reverse("feedback_public_new"), form_data(anonymous="on", estate=cast.e1.pk)
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302 and feedback.tracking_code in response["Location"]
    assert feedback.anonymous and feedback.contact_masked == "" and feedback.estate == cast.e1


def test_the_status_page_shows_steps_and_answer_without_personal_data(cast):
    feedback = give(
        cast,
        channel=FeedbackChannel.PUBLIC,
        actor=None,
        contact_name="李四",
        contact_phone="13700001234",
        ip="1",
    )
    flow.feedback_acknowledge(feedback, actor=cast.community, note="Internal: call 李四 back")
    flow.feedback_answer(feedback, actor=cast.community, answer="The light was replaced.")
    client = Client(REMOTE_ADDR="203.0.113.7")
    text = client.get(reverse("feedback_public_status"), {"code": feedback.tracking_code})
    text = text.content.decode()
    assert feedback.number in text and "The light was replaced." in text
    assert "康乐社区" in text and 'data-testid="rate-form"' in text
    for private in ("李四", "1370", "The stairwell light is out.", "Internal", "Community"):
        assert private not in text, private
    missing = client.get(reverse("feedback_public_status"), {"code": "AAAAAAAAAA"})
    assert 'data-testid="status-error"' in missing.content.decode()


def test_the_submitter_rates_and_reopens_by_the_tracking_code(cast):
    feedback = give(cast, channel=FeedbackChannel.PUBLIC, actor=None, ip="1")
    flow.feedback_answer(feedback, actor=cast.community, answer="Done.")
    client = Client(REMOTE_ADDR="203.0.113.8")
    rate = reverse("feedback_public_rate")
    wrong = client.post(rate, {"code": "ZZZZZZZZZZ", "rating": "1", "action": "reopen"})
    assert wrong.status_code == 302 and errors(wrong)
    high = client.post(rate, {"code": feedback.tracking_code, "rating": "4", "action": "reopen"})
    assert errors(high)
    client.post(rate, {"code": feedback.tracking_code, "rating": "1", "action": "reopen"})
    feedback.refresh_from_db()
    assert feedback.status == S.ACKNOWLEDGED and feedback.reopened
    flow.feedback_answer(feedback, actor=cast.community, answer="Done, really.")
    page = client.get(reverse("feedback_public_status"), {"code": feedback.tracking_code})
    assert 'data-testid="reopen"' not in page.content.decode()  # once only
    client.post(rate, {"code": feedback.tracking_code, "rating": "5", "action": "close"})
    feedback.refresh_from_db()
    assert feedback.status == S.CLOSED and feedback.rating == 5


def test_linking_from_the_page_shows_the_link(cast, client_for):
    from anju.supervision.models import TipSource
    from anju.supervision.services.tips import tip_submit

    feedback = give(cast)
    tip = tip_submit(
        source=TipSource.PUBLIC, category="sublet", place="x", text="y", estate=cast.e1, ip="9"
    )
    client = client_for("community")
    missing = client.post(
        reverse("feedback_link", args=[feedback.pk]), {"kind": "tip", "number": "JB0"}
    )
    assert errors(missing)
    client.post(reverse("feedback_link", args=[feedback.pk]), {"kind": "tip", "number": tip.number})
    page = client.get(reverse("feedback_detail", args=[feedback.pk])).content.decode()
    assert f'href="{reverse("tip_detail", args=[tip.pk])}"' in page
