"""The notification outbox: rendering, idempotent queueing, the authority's wording,
and delivery through pluggable senders, one per channel: the outbox keeps SMS queued,
portal and in-app messages are sent by being stored, email goes through Django's mail
with its failures kept, and a failing gateway is tried again up to five times."""

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from anju.core import notify
from anju.core.errors import DomainError
from anju.core.models import Message, MessageChannel, MessageStatus, MessageTemplate

pytestmark = pytest.mark.django_db

notify.register("test.rent_due", MessageChannel.SMS, "Rent of {amount} yuan is due on {due}.")
notify.register("test.portal", MessageChannel.PORTAL, "Your repair {number} is done.")
notify.register("test.in_app", MessageChannel.IN_APP, "Work order {number} is overdue.")
notify.register("test.email", MessageChannel.EMAIL, "Receipt {number}\nThank you for paying.")


def test_queueing_twice_with_one_key_queues_once(cast):
    household = cast.alice_household
    first = notify.queue("test.rent_due", key="k1", household=household, amount="455", due="3-1")
    again = notify.queue("test.rent_due", key="k1", household=household, amount="999", due="x")
    assert first == again
    assert Message.objects.get().body == "Rent of 455 yuan is due on 3-1."
    assert first.recipient == household.head.phone_masked
    rows = [("test.rent_due", "k1", household, {}), ("test.rent_due", "k2", household, {})]
    assert notify.queue_many(rows) == 1
    assert Message.objects.count() == 2


def test_a_missing_placeholder_is_left_as_written(cast):
    message = notify.queue("test.rent_due", key="k", household=None, amount="1")
    assert message.body == "Rent of 1 yuan is due on {due}."


def test_the_authoritys_wording_replaces_the_default_and_unknown_placeholders_are_refused(
    cast, client_for
):
    officer = cast.users["officer"]
    with pytest.raises(DomainError) as caught:
        notify.template_save("test.rent_due", actor=officer, body_zh="请缴纳{amont}元")
    assert caught.value.code == "placeholder"
    notify.template_save("test.rent_due", actor=officer, body_zh="请于{due}前缴纳租金{amount}元。")
    message = notify.queue("test.rent_due", key="k", household=None, amount="455", due="3月1日")
    assert message.body == "请于3月1日前缴纳租金455元。"
    # Saving the default again removes the authority's wording.
    notify.template_save(
        "test.rent_due", actor=officer, body_zh="Rent of {amount} yuan is due on {due}."
    )
    assert not MessageTemplate.objects.exists()
    page = client_for("officer").post(
        reverse("message_template_edit", args=["test.rent_due"]), {"body_zh": "{amount"}
    )
    assert page.status_code == 200
    assert 'data-testid="form-errors"' in page.content.decode()
    assert not MessageTemplate.objects.exists()


def test_the_default_sender_keeps_messages_queued_and_another_sender_delivers(cast):
    notify.queue("test.rent_due", key="k", household=cast.alice_household, amount="1", due="2")
    assert notify.deliver_queued() == 0
    message = Message.objects.get()
    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    # The older single setting still names one sender for every channel.
    with override_settings(ANJU_MESSAGE_SENDER="anju.core.notify.LogSender"):
        assert notify.deliver_queued() == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT and message.sent_at is not None
    assert message.attempts == 1


def test_portal_and_in_app_messages_are_sent_by_being_stored(cast):
    portal = notify.queue("test.portal", key="p", household=cast.alice_household, number="R1")
    in_app = notify.queue("test.in_app", key="i", user=cast.users["propmgr"], number="W7")
    rows = [("test.portal", f"p{i}", cast.alice_household, {"number": i}) for i in range(3)]
    assert notify.queue_many(rows) == 3
    for message in Message.objects.all():
        assert message.status == MessageStatus.SENT, message.key
        assert message.sent_at is not None and message.attempts == 1
    assert portal.channel == MessageChannel.PORTAL and portal.recipient == "HH-A"
    assert in_app.channel == MessageChannel.IN_APP and in_app.user == cast.users["propmgr"]
    assert in_app.body == "Work order W7 is overdue."
    assert notify.deliver_queued() == 0


def test_each_channel_has_its_own_sender(cast, settings):
    settings.ANJU_MESSAGE_SENDERS = {
        **settings.ANJU_MESSAGE_SENDERS,
        "letter": "anju.core.notify.LogSender",
    }
    household = cast.alice_household
    notify.register("test.letter", MessageChannel.LETTER, "Dear {household}")
    notify.queue("test.letter", key="l", household=household, context={"household": "HH-A"})
    notify.queue("test.rent_due", key="s", household=household, amount="1", due="2")
    assert notify.deliver_queued(channel=MessageChannel.SMS) == 0
    assert notify.deliver_queued() == 1
    statuses = dict(Message.objects.values_list("key", "status"))
    assert statuses == {"l": MessageStatus.SENT, "s": MessageStatus.QUEUED}


def test_email_goes_to_the_accounts_address(cast):
    officer = cast.users["officer"]
    officer.email = "officer@l-district.example"
    officer.save(update_fields=["email"])
    alice = cast.users["alice"]
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    notify.queue("test.email", key="e1", user=officer, number="P-1")
    to_household = notify.queue(
        "test.email", key="e2", household=cast.alice_household, number="P-2"
    )
    assert to_household.recipient == "a***@example.com"  # the address stays off staff screens
    assert notify.deliver_queued() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.com",
        "officer@l-district.example",
    ]
    first = next(m for m in mail.outbox if m.to == ["officer@l-district.example"])
    assert first.subject == "Receipt P-1"
    assert "Thank you for paying." in first.body
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_an_email_without_an_address_fails_at_once_saying_why(cast):
    notify.queue("test.email", key="e", household=cast.charlie_household, number="P-3")
    with translation.override("en"):  # the error is kept in the words of the moment
        assert notify.deliver_queued() == 0
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert message.error == "No email address: the household's account has none."
    assert not mail.outbox


class BrokenGateway:
    def send(self, message):
        raise ConnectionError("gateway timed out")


def test_a_failing_sender_is_tried_again_and_given_up_after_five_attempts(cast, settings):
    settings.ANJU_MESSAGE_SENDERS = {
        **settings.ANJU_MESSAGE_SENDERS,
        "sms": f"{__name__}.BrokenGateway",
    }
    notify.queue("test.rent_due", key="k", household=cast.alice_household, amount="1", due="2")
    for attempt in range(1, 5):
        assert notify.deliver_queued() == 0
        message = Message.objects.get()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, attempt)
        assert message.error == "gateway timed out"
    notify.deliver_queued()
    message = Message.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 5)
    notify.deliver_queued()  # a failed message is not tried again
    assert Message.objects.get().attempts == 5


def test_the_outbox_list_shows_attempts_and_errors_and_filters_by_channel(cast, client_for):
    notify.queue("test.email", key="e", household=cast.alice_household, number="P-3")
    notify.queue("test.portal", key="p", household=cast.alice_household, number="R1")
    with translation.override("en"):
        notify.deliver_queued()
    client = client_for("officer")
    page = client.get(reverse("message_list") + "?channel=email").content.decode()
    assert "No email address: the household&#x27;s account has none." in page
    assert "Your repair R1 is done." not in page
    page = client.get(reverse("message_list") + "?status=sent").content.decode()
    assert "Your repair R1 is done." in page and "No email address" not in page
