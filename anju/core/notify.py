"""The notification outbox: SMS, letters, portal messages to households, in-app messages
to staff and email, in one table. A service queues a message by template code; the text
is rendered from the authority's wording (a `MessageTemplate` row) or the default given
when the code was registered, in the recipient's language when it is known and in
Chinese otherwise. Pluggable senders, one per channel (settings.ANJU_MESSAGE_SENDERS,
dotted paths), deliver queued messages:

- `OutboxSender` (SMS and letters by default) keeps them queued in the outbox, where the
  household's archive and the portal show them, until a gateway is plugged in;
- `StoredSender` (portal and in-app messages) delivers by storing: they are sent the
  moment they are queued;
- `EmailSender` sends through Django's default mailer to the account's address;
- `LogSender` writes them to the log, for a test deployment.

The older single setting ANJU_MESSAGE_SENDER, when set, still names one sender for every
channel.

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
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .errors import DomainError
from .models import Message, MessageChannel, MessageStatus, MessageTemplate, User

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
    the unit for a letter, the account's masked address for an email."""
    if household is None:
        return ""
    if channel == MessageChannel.SMS:
        head = household.head
        return head.phone_masked if head else ""
    if channel == MessageChannel.LETTER:
        return household.unit.code if household.unit_id else household.number
    if channel == MessageChannel.EMAIL:
        return mask_email(household_email(household)) or household.number
    return household.number


def mask_email(address: str) -> str:
    if "@" not in address:
        return address
    name, domain = address.split("@", 1)
    return f"{name[:1]}***@{domain}"


def household_email(household) -> str:
    """The address of the household's own account (the portal account that signs in for
    it), if it gave one."""
    accounts = User.objects.filter(household=household, is_active=True).exclude(email="")
    return accounts.order_by("id").values_list("email", flat=True).first() or ""


DEFAULT_LANGUAGE = "zh-hans"


def language_of(user=None) -> str:
    """The language to write to a person in: their account's own choice when the account
    records one, else the district's (Chinese). Households are written to in Chinese."""
    return getattr(user, "language", "") or DEFAULT_LANGUAGE


def _delivered_at_once(channel: str) -> bool:
    return bool(getattr(sender_for(channel), "stores", False))


def queue(
    code: str,
    *,
    key: str,
    household=None,
    user=None,
    language: str | None = None,
    context: dict | None = None,
    **values,
):
    """Queue one message to a household, or to one person's account (`user`: a staff
    member's in-app message, say); the same `key` again returns the message already
    queued and queues nothing. The placeholders are filled from `context` and the
    keyword values (a placeholder named {household} goes in `context`). Portal and
    in-app messages are delivered by being stored: they are sent at once."""
    context = {**(context or {}), **values}
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    template = TEMPLATES[code]
    message = Message(
        key=key,
        household=household,
        user=user,
        channel=template.channel,
        template=code,
        recipient=str(user) if user is not None else recipient_of(household, template.channel),
        body=render(code, context, language=language or language_of(user)),
    )
    if _delivered_at_once(template.channel):
        message.status, message.sent_at, message.attempts = MessageStatus.SENT, timezone.now(), 1
    message.save()
    return message


def queue_many(rows: list[tuple[str, str, Any, dict]], *, language: str = "zh-hans") -> int:
    """Queue many messages at once: rows of (code, key, to, context), where `to` is a
    household or a person's account (a `User`). Keys already in the outbox are
    skipped. Returns how many were queued."""
    keys = [key for _, key, _, _ in rows]
    seen: set[str] = set()
    for start in range(0, len(keys), 5000):  # SQLite allows so many parameters
        chunk = keys[start : start + 5000]
        seen |= set(Message.objects.filter(key__in=chunk).values_list("key", flat=True))
    saved = {row.code: row for row in MessageTemplate.objects.filter(code__in={r[0] for r in rows})}
    at_once = {channel: _delivered_at_once(channel) for channel in MessageChannel.values}
    now = timezone.now()
    fresh = []
    for code, key, to, context in rows:
        if key in seen:
            continue
        seen.add(key)
        template = TEMPLATES[code]
        user = to if isinstance(to, User) else None
        household = None if user is not None else to
        message = Message(
            key=key,
            household=household,
            user=user,
            channel=template.channel,
            template=code,
            recipient=str(user) if user is not None else recipient_of(household, template.channel),
            body=render(code, context, language=language, saved=saved),
        )
        if at_once[template.channel]:
            message.status, message.sent_at, message.attempts = MessageStatus.SENT, now, 1
        fresh.append(message)
    Message.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    return len(fresh)


# --- Delivery --------------------------------------------------------------------------

# A message whose sender fails this many times is given up (status failed).
MAX_ATTEMPTS = 5


class SendFailed(Exception):
    """A delivery that trying again cannot mend (no address to send to): the message
    fails at once, with this as its error."""


class OutboxSender:
    """The default for SMS and letters: messages stay in the outbox (status queued)
    until a gateway is configured. The delivery run skips the channel."""

    keeps = True

    def send(self, message: Message) -> bool:
        return False


class StoredSender:
    """Portal and in-app messages: stored in the outbox is delivered, since the portal
    and the staff inbox read them from there. `queue` marks them sent at once."""

    stores = True

    def send(self, message: Message) -> bool:
        return True


class EmailSender:
    """Sends through django.core.mail (settings.MAILERS) to the addressed account's
    email, or to the household's own account's. Without an address the message fails
    with that said."""

    def send(self, message: Message) -> bool:
        from django.core.mail import EmailMessage

        address, user = "", message.user
        if user is not None:
            address = user.email
        elif message.household_id is not None:
            address = household_email(message.household)
        if not address:
            raise SendFailed(
                _("No email address: the account it is addressed to has none.")
                if user is not None
                else _("No email address: the household's account has none.")
            )
        first_line = message.body.strip().splitlines()[0] if message.body.strip() else ""
        subject = first_line if len(first_line) <= 78 else first_line[:77] + "…"
        EmailMessage(subject=subject, body=message.body, from_email=None, to=[address]).send()
        return True


class LogSender:
    """Writes each message to the log and marks it sent; for a test deployment."""

    def send(self, message: Message) -> bool:
        logger.info("message %s to %s: %s", message.channel, message.recipient, message.body)
        return True


def sender_for(channel: str):
    """The sender of one channel: the older single ANJU_MESSAGE_SENDER when it is set,
    else the channel's entry of ANJU_MESSAGE_SENDERS (the outbox when it has none)."""
    path = getattr(settings, "ANJU_MESSAGE_SENDER", None) or getattr(
        settings, "ANJU_MESSAGE_SENDERS", {}
    ).get(channel, "anju.core.notify.OutboxSender")
    return import_string(path)()


def deliver_queued(limit: int = 500, *, channel: str | None = None) -> int:
    """Hand the queued messages of each channel (or of one) to its sender, oldest first,
    at most `limit` a channel; returns how many were sent. A sender's error is kept on
    the message with one more attempt; after MAX_ATTEMPTS, or at once when nothing can
    mend it (SendFailed), the message fails."""
    sent = 0
    for name in [channel] if channel else MessageChannel.values:
        backend = sender_for(name)
        if getattr(backend, "keeps", False):
            continue
        queued = (
            Message.objects.filter(status=MessageStatus.QUEUED, channel=name)
            .select_related("user", "household")
            .order_by("id")[:limit]
        )
        for message in queued:
            sent += _deliver(backend, message)
    return sent


def _deliver(backend, message: Message) -> int:
    attempts = message.attempts + 1
    row = Message.objects.filter(pk=message.pk)
    try:
        ok = backend.send(message)
    except SendFailed as exc:
        row.update(attempts=attempts, error=str(exc)[:300], status=MessageStatus.FAILED)
        return 0
    except Exception as exc:  # a gateway error must not stop the other messages
        logger.warning("message %s not delivered: %s", message.pk, exc)
        row.update(
            attempts=attempts,
            error=str(exc)[:300] or exc.__class__.__name__,
            status=MessageStatus.FAILED if attempts >= MAX_ATTEMPTS else MessageStatus.QUEUED,
        )
        return 0
    if not ok:
        return 0
    row.update(status=MessageStatus.SENT, sent_at=timezone.now(), attempts=attempts, error="")
    return 1


# --- Reading ---------------------------------------------------------------------------

# What a household reads on the portal: what was sent to it (not staff's copies).
PORTAL_CHANNELS = (MessageChannel.PORTAL, MessageChannel.SMS, MessageChannel.LETTER)


def portal_messages(user):
    """A tenant's messages: those sent to the account's household by portal, SMS or
    letter, and those addressed to the account itself."""
    mine = Q(user=user)
    if user.household_id:
        mine |= Q(household_id=user.household_id, channel__in=PORTAL_CHANNELS, user=None)
    return Message.objects.filter(mine)


def staff_inbox(user):
    """A staff member's in-app messages (an escalation, say): only their own."""
    return Message.objects.filter(user=user, channel=MessageChannel.IN_APP)


def inbox_of(user):
    """The messages a signed-in account reads: the portal's for a tenant account, the
    in-app inbox for staff."""
    return staff_inbox(user) if user.is_staff_user else portal_messages(user)


def unread(messages):
    return messages.filter(read_at__isnull=True)


def mark_read(messages) -> int:
    """Mark the unread ones among `messages` read now; returns how many. Reading is not
    a change of record, so it is not audited."""
    return unread(messages).update(read_at=timezone.now())


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
