"""The notification outbox. A service queues a message by template code; the text is
rendered from the authority's wording (a `MessageTemplate` row) or the default given
when the code was registered, in Chinese unless asked otherwise. A pluggable sender
(settings.ANJU_MESSAGE_SENDER, a dotted path) delivers queued messages; the default
sender keeps them in the outbox, where the household's archive and the portal show
them, for an SMS gateway to be plugged in later.

    notify.register("arrears.sms", MessageChannel.SMS, _("…{amount}…"))
    notify.queue("arrears.sms", key="arrears:12:2026-03:sms", household=h, amount="1,200")
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import Message, MessageChannel, MessageStatus, MessageTemplate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    code: str
    channel: str
    default: object  # a lazily translated string with {placeholders}


TEMPLATES: dict[str, Template] = {}


def register(code: str, channel: str, default) -> None:
    TEMPLATES[code] = Template(code, channel, default)


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(code: str, context: dict, *, language: str = "zh-hans") -> str:
    """The message text: the authority's wording if it has one, else the default.
    A placeholder the context lacks is left as written, so a typo shows instead of
    failing the whole run."""
    template = TEMPLATES[code]
    row = MessageTemplate.objects.filter(code=code).first()
    if row is not None:
        body = row.body_en if language.startswith("en") and row.body_en else row.body_zh
    else:
        with translation.override(language):
            body = str(template.default)
    return string.Formatter().vformat(body, (), _Blank(context))


def recipient_of(household, channel: str) -> str:
    """Who a message goes to, as shown to staff: the head's masked phone for an SMS,
    the unit for a letter."""
    if household is None:
        return ""
    if channel == MessageChannel.SMS:
        head = household.head
        return head.phone_masked if head else ""
    if channel == MessageChannel.LETTER:
        return household.unit.code if household.unit_id else household.number
    return household.number


def queue(code: str, *, key: str, household=None, language: str = "zh-hans", **context):
    """Queue one message; the same `key` again returns the message already queued and
    queues nothing. Delivery starts once the transaction commits."""
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    template = TEMPLATES[code]
    message = Message.objects.create(
        key=key,
        household=household,
        channel=template.channel,
        template=code,
        recipient=recipient_of(household, template.channel),
        body=render(code, context, language=language),
    )
    return message


def queue_many(rows: list[tuple[str, str, object, dict]], *, language: str = "zh-hans") -> int:
    """Queue many messages at once: rows of (code, key, household, context). Keys
    already in the outbox are skipped. Returns how many were queued."""
    keys = [key for _, key, _, _ in rows]
    seen = set(Message.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = []
    for code, key, household, context in rows:
        if key in seen:
            continue
        seen.add(key)
        template = TEMPLATES[code]
        fresh.append(
            Message(
                key=key,
                household=household,
                channel=template.channel,
                template=code,
                recipient=recipient_of(household, template.channel),
                body=render(code, context, language=language),
            )
        )
    Message.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    return len(fresh)


class OutboxSender:
    """The default: messages stay in the outbox (status queued) until a gateway is
    configured. Returns False: nothing was sent."""

    def send(self, message: Message) -> bool:
        return False


class LogSender:
    """Writes each message to the log and marks it sent; for a test deployment."""

    def send(self, message: Message) -> bool:
        logger.info("message %s to %s: %s", message.channel, message.recipient, message.body)
        return True


def sender():
    return import_string(
        getattr(settings, "ANJU_MESSAGE_SENDER", "anju.core.notify.OutboxSender")
    )()


def deliver_queued(limit: int = 500) -> int:
    """Hand queued messages to the sender; returns how many were sent."""
    backend = sender()
    sent = 0
    for message in Message.objects.filter(status=MessageStatus.QUEUED).order_by("id")[:limit]:
        try:
            ok = backend.send(message)
        except Exception as exc:  # a gateway error must not stop the other messages
            Message.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1,
                error=str(exc)[:300],
                status=MessageStatus.FAILED if message.attempts >= 4 else MessageStatus.QUEUED,
            )
            continue
        if ok:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1
            )
            sent += 1
    return sent
