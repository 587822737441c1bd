"""My messages on the portal: a tenant reads what was sent to their own household (by
portal, SMS or letter) and what was addressed to their account, never another
household's or staff's; the list changes nothing; messages are marked read by POST,
one or all; the account menu's badge counts the unread ones."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.core import notify
from anju.core.models import Message, MessageChannel

pytestmark = pytest.mark.django_db

notify.register("test.portal_msg", MessageChannel.PORTAL, "Repair {number} is done.")
notify.register("test.sms_msg", MessageChannel.SMS, "Rent {number} is due.")
notify.register("test.staff_msg", MessageChannel.IN_APP, "Escalated {number}.")


def send(code, key, **kwargs):
    number = kwargs.pop("number", key)
    return notify.queue(code, key=key, number=number, **kwargs)


@pytest.fixture
def inbox(cast):
    alice, charlie = cast.alice_household, cast.charlie_household
    return {
        "portal": send("test.portal_msg", "A-PORTAL", household=alice),
        "sms": send("test.sms_msg", "A-SMS", household=alice),
        "own": send("test.portal_msg", "A-OWN", user=cast.users["alice"]),
        "charlie": send("test.portal_msg", "C-PORTAL", household=charlie),
        "staff": send("test.staff_msg", "STAFF", user=cast.users["operator"]),
    }


def test_a_tenant_reads_only_their_households_and_their_own_messages(cast, client_for, inbox):
    response = client_for("alice").get(reverse("portal_messages"))
    text = response.content.decode()
    assert response.status_code == 200
    for number in ("A-PORTAL", "A-SMS", "A-OWN"):
        assert number in text
    assert "C-PORTAL" not in text and "STAFF" not in text
    assert response.context["unread_count"] == 3
    assert not Message.objects.filter(read_at__isnull=False).exists()
    charlie = client_for("charlie").get(reverse("portal_messages")).content.decode()
    assert "C-PORTAL" in charlie and "A-PORTAL" not in charlie


def test_a_message_is_marked_read_by_post_and_another_households_answers_404(
    cast, client_for, inbox
):
    client = client_for("alice")
    assert (
        client.post(reverse("portal_message_read", args=[inbox["charlie"].pk])).status_code == 404
    )
    assert client.post(reverse("portal_message_read", args=[inbox["staff"].pk])).status_code == 404
    assert client.get(reverse("portal_message_read", args=[inbox["sms"].pk])).status_code == 405
    response = client.post(reverse("portal_message_read", args=[inbox["sms"].pk]))
    assert response.status_code == 302
    inbox["sms"].refresh_from_db()
    inbox["charlie"].refresh_from_db()
    assert inbox["sms"].read_at is not None and inbox["charlie"].read_at is None
    badge = client.get(reverse("message_badge"))
    assert badge.context["unread_count"] == 2


def test_mark_all_read_leaves_other_households_unread(cast, client_for, inbox):
    client = client_for("alice")
    assert client.post(reverse("portal_messages_read")).status_code == 302
    assert not Message.objects.filter(household=cast.alice_household, read_at=None).exists()
    assert Message.objects.get(key="C-PORTAL").read_at is None
    assert Message.objects.get(key="STAFF").read_at is None
    page = client.get(reverse("portal_messages"))
    assert page.context["unread_count"] == 0


def test_staff_have_no_portal_messages(cast, client_for, inbox):
    assert client_for("operator").get(reverse("portal_messages")).status_code == 404


def test_the_list_runs_the_same_queries_for_more_messages(
    cast, client_for, inbox, django_assert_max_num_queries
):
    client = client_for("alice")
    client.get(reverse("portal_messages"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal_messages"))
    for n in range(15):
        send("test.sms_msg", f"MORE-{n}", household=cast.alice_household)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("portal_messages")).status_code == 200
