"""Protected personal data: resident ID and phone numbers.

They are stored encrypted (Fernet, with ANJU_DATA_KEY), with a keyed-hash blind index
for exact lookup and uniqueness, and a masked form for display and fuzzy search. No
plaintext ever reaches the database."""

import base64
import hashlib
import hmac
import re
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .errors import DomainError


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(("anju-pii:" + secret).encode()).digest())


@cache
def _cipher() -> MultiFernet:
    keys = [settings.DATA_KEY, *settings.DATA_KEY_FALLBACKS]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


@cache
def _index_key() -> bytes:
    return hashlib.sha256(("anju-blind-index:" + settings.DATA_KEY).encode()).digest()


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        return "?"


def blind_index(value: str) -> str:
    return hmac.new(_index_key(), value.encode(), hashlib.sha256).hexdigest()


def rotate(token: str) -> str:
    """Re-encrypt a token under the current key (it may have been made with a fallback)."""
    return _cipher().rotate(token.encode()).decode() if token else token


# --- Resident ID numbers -----------------------------------------------------


def normalise_id_number(raw: str) -> str:
    return re.sub(r"\s+", "", raw or "").upper()


PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def validate_id_number(raw: str) -> str:
    """Return the normalised 18-character number, or raise DomainError.

    The check digit and birth date are verified with stdnum. The county code is not
    looked up: stdnum's table predates the 2018 reorganisation of Changzhi (潞州区
    140403, 上党区 140404, 屯留区 140405, 潞城区 140406), so only the province is checked."""
    number = normalise_id_number(raw)
    if len(number) != 18:
        raise DomainError(_("An ID number has 18 characters."), code="id_number_length")
    if not re.fullmatch(r"\d{17}[\dX]", number) or number[:2] not in PROVINCE_CODES:
        raise DomainError(_("The ID number is not valid."), code="id_number_invalid")
    try:
        ric.get_birth_date(number)
    except ValidationError as exc:
        raise DomainError(
            _("The ID number holds no valid birth date."), code="id_number_birth_date"
        ) from exc
    if ric.calc_check_digit(number) != number[-1]:
        raise DomainError(_("The ID number's check digit is wrong."), code="id_number_checksum")
    return number


def id_birth_date(number: str) -> date:
    return ric.get_birth_date(number)


def id_sex(number: str) -> str:
    return "M" if int(number[16]) % 2 else "F"


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


# --- Phone numbers ------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def validate_phone(raw: str) -> str:
    phone = normalise_phone(raw)
    if not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
        raise DomainError(_("The phone number is not valid."), code="phone_invalid")
    return phone


def phone_username(phone: str) -> str:
    """The username of an account that logs in with a phone number: a keyed hash of
    the number, so the accounts table holds no phone in the clear."""
    return "tel-" + blind_index(normalise_phone(phone))[:40]


def mask_text(text: str) -> str:
    """Free text with every run of seven or more digits masked like a phone number
    ("张先生 13800000000" → "张先生 138****0000"); for contacts written in one line."""
    return re.sub(r"\d{7,}", lambda m: mask_phone(m.group(0)), text or "")


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
