"""The staff inbox: a staff member reads only the in-app messages addressed to them;
opening the list marks nothing; one message or all are marked read by POST; the
account menu's badge counts the unread ones; a tenant's account is sent to the portal's
messages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.core import notify
from anju.core.models import Message, MessageChannel

pytestmark = pytest.mark.django_db

notify.register("test.escalation", MessageChannel.IN_APP, "Work order {number} is overdue.")


def escalate(user, number):
    return notify.queue("test.escalation", key=f"esc:{number}", user=user, number=number)


def test_the_inbox_shows_only_the_readers_own_messages(cast, client_for):
    escalate(cast.users["propmgr"], "WO-1")
    escalate(cast.users["propmgr"], "WO-2")
    escalate(cast.users["operator"], "WO-3")
    notify.register("test.sms", MessageChannel.SMS, "SMS {number}")
    notify.queue("test.sms", key="sms", household=cast.alice_household, number="S-1")
    response = client_for("propmgr").get(reverse("inbox"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "WO-1" in text and "WO-2" in text
    assert "WO-3" not in text and "S-1" not in text
    assert response.context["unread_count"] == 2
    # Looking changes nothing.
    assert not Message.objects.filter(read_at__isnull=False).exists()


def test_a_message_is_marked_read_by_post_and_only_the_readers_own(cast, client_for):
    mine = escalate(cast.users["propmgr"], "WO-1")
    theirs = escalate(cast.users["operator"], "WO-2")
    client = client_for("propmgr")
    response = client.post(reverse("inbox_read", args=[theirs.pk]))
    assert response.status_code == 404
    response = client.post(reverse("inbox_read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="message-{mine.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert client.get(reverse("inbox") + "?show=unread").context["page"].paginator.count == 0


def test_mark_all_read_and_the_unread_badge(cast, client_for):
    for n in range(3):
        escalate(cast.users["operator"], f"WO-{n}")
    escalate(cast.users["propmgr"], "WO-X")
    client = client_for("operator")
    badge = client.get(reverse("message_badge"))
    assert badge.context["unread_count"] == 3
    assert 'data-testid="unread-badge"' in badge.content.decode()
    response = client.post(reverse("inbox_read_all"))
    assert response.status_code == 302
    assert not Message.objects.filter(user=cast.users["operator"], read_at=None).exists()
    assert Message.objects.get(user=cast.users["propmgr"]).read_at is None
    badge = client.get(reverse("message_badge"))
    assert badge.context["unread_count"] == 0
    assert 'data-testid="unread-badge"' not in badge.content.decode()


def test_a_tenant_is_sent_to_the_portals_messages(cast, client_for):
    response = client_for("alice").get(reverse("inbox"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_messages")


def test_every_page_loads_the_unread_badge_after_it_has_shown(cast, client_for):
    text = client_for("street").get(reverse("home")).content.decode()
    assert f'hx-get="{reverse("message_badge")}"' in text


def test_the_inbox_runs_the_same_queries_for_more_messages(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for("propmgr")
    escalate(cast.users["propmgr"], "WO-0")
    client.get(reverse("inbox"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox"))
    for n in range(1, 15):
        escalate(cast.users["propmgr"], f"WO-{n}")
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("inbox")).status_code == 200


def test_a_staff_members_in_app_message_is_not_in_the_outbox_of_others(cast, client_for):
    notify.register("test.in_app", MessageChannel.IN_APP, "Order {number} is overdue.")
    notify.queue("test.in_app", key="esc", user=cast.users["propmgr"], number="BX1")
    for role in ("officer", "auditor", "operator"):
        assert not Message.objects.visible_to(cast.users[role]).exists(), role
    page = client_for("officer").get(reverse("message_list")).content.decode()
    assert "Order BX1 is overdue." not in page
