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
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .errors import DomainError
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


def render(code: str, context: dict, *, language: str = "zh-hans", saved=None) -> str:
    """The message text: the authority's wording if it has one, else the default.
    A placeholder the context lacks is left as written, so a typo shows instead of
    failing the whole run. `saved` ({code: MessageTemplate}) spares a query per message
    when many are rendered."""
    template = TEMPLATES[code]
    row = MessageTemplate.objects.filter(code=code).first() if saved is None else saved.get(code)
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


def queue(
    code: str,
    *,
    key: str,
    household=None,
    language: str = "zh-hans",
    context: dict | None = None,
    **values,
):
    """Queue one message; the same `key` again returns the message already queued and
    queues nothing. The placeholders are filled from `context` and the keyword values
    (a placeholder named {household} goes in `context`)."""
    context = {**(context or {}), **values}
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


def queue_many(rows: list[tuple[str, str, Any, dict]], *, language: str = "zh-hans") -> int:
    """Queue many messages at once: rows of (code, key, household, context). Keys
    already in the outbox are skipped. Returns how many were queued."""
    keys = [key for _, key, _, _ in rows]
    seen: set[str] = set()
    for start in range(0, len(keys), 5000):  # SQLite allows so many parameters
        chunk = keys[start : start + 5000]
        seen |= set(Message.objects.filter(key__in=chunk).values_list("key", flat=True))
    saved = {row.code: row for row in MessageTemplate.objects.filter(code__in={r[0] for r in rows})}
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
                body=render(code, context, language=language, saved=saved),
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


def template_rows(language: str = "zh-hans") -> list[dict]:
    """Every registered template with the wording in use: the authority's, or the
    default."""
    saved = {row.code: row for row in MessageTemplate.objects.all()}
    rows = []
    for code in sorted(TEMPLATES):
        template = TEMPLATES[code]
        with translation.override("zh-hans"):
            default_zh = str(template.default)
        with translation.override("en"):
            default_en = str(template.default)
        row = saved.get(code)
        rows.append(
            {
                "code": code,
                "channel": template.channel,
                "body_zh": row.body_zh if row else default_zh,
                "body_en": (row.body_en or default_en) if row else default_en,
                "default_zh": default_zh,
                "default_en": default_en,
                "customised": row is not None,
                "placeholders": sorted(_placeholders(default_zh) | _placeholders(default_en)),
            }
        )
    return rows


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def template_save(code: str, *, actor, body_zh: str, body_en: str = ""):
    """Save the authority's wording of one template. A placeholder the default does not
    know is refused (it would never be filled in). Saving the default wording removes
    the override."""
    if code not in TEMPLATES:
        raise DomainError(_("Unknown message template."), code="template")
    row = next(r for r in template_rows() if r["code"] == code)
    body_zh, body_en = (body_zh or "").strip(), (body_en or "").strip()
    if not body_zh:
        raise DomainError(_("The Chinese text cannot be empty."), code="empty")
    known = set(row["placeholders"])
    for text in (body_zh, body_en):
        try:
            unknown = _placeholders(text) - known
        except ValueError:
            raise DomainError(
                _("A brace is not closed; placeholders are written {name}."), code="braces"
            ) from None
        if unknown:
            raise DomainError(
                _("Unknown placeholders: %(p)s. Known: %(k)s")
                % {
                    "p": ", ".join(f"{{{p}}}" for p in sorted(unknown)),
                    "k": ", ".join(f"{{{p}}}" for p in sorted(known)) or "—",
                },
                code="placeholder",
            )
    before = [row["body_zh"], row["body_en"]]
    with transaction.atomic():
        if body_zh == row["default_zh"] and body_en in ("", row["default_en"]):
            MessageTemplate.objects.filter(code=code).delete()
        else:
            MessageTemplate.objects.update_or_create(
                code=code,
                defaults={
                    "body_zh": body_zh,
                    "body_en": body_en,
                    "updated_by": actor,
                    "updated_at": timezone.now(),
                },
            )
        audit.record(
            actor=actor,
            action="message_template.save",
            target=("core.messagetemplate", code, code),
            changes={"text": [before, [body_zh, body_en]]},
        )
