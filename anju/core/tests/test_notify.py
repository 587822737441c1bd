"""The notification outbox: rendering, idempotent queueing, the authority's wording,
and delivery through a pluggable sender."""

import pytest
from django.test import override_settings
from django.urls import reverse

from anju.core import notify
from anju.core.errors import DomainError
from anju.core.models import Message, MessageChannel, MessageStatus, MessageTemplate

pytestmark = pytest.mark.django_db

notify.register("test.rent_due", MessageChannel.SMS, "Rent of {amount} yuan is due on {due}.")


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
    assert Message.objects.get().status == MessageStatus.QUEUED
    with override_settings(ANJU_MESSAGE_SENDER="anju.core.notify.LogSender"):
        assert notify.deliver_queued() == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT and message.sent_at is not None
