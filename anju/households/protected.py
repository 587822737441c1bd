"""Setting a member's protected fields (ID and phone numbers) in one place, for the
services and the bulk paths alike."""

from anju.core import pii
from anju.core.pinyin import name_pinyin

from .models import Member


def set_name(member: Member, name: str) -> None:
    member.name = name.strip()
    member.name_pinyin, member.name_initials = name_pinyin(member.name)


def set_id_number(member: Member, raw: str) -> None:
    """Validate (raises DomainError), then store encrypted, indexed and masked, with the
    birth date and sex the number encodes."""
    number = pii.validate_id_number(raw)
    member.id_number_enc = pii.encrypt(number)
    member.id_number_hash = pii.blind_index(number)
    member.id_number_masked = pii.mask_id_number(number)
    member.birth_date = pii.id_birth_date(number)
    member.sex = pii.id_sex(number)


def set_phone(member: Member, raw: str) -> None:
    if not (raw or "").strip():
        member.phone_enc = member.phone_hash = member.phone_masked = ""
        return
    phone = pii.validate_phone(raw)
    member.phone_enc = pii.encrypt(phone)
    member.phone_hash = pii.blind_index(phone)
    member.phone_masked = pii.mask_phone(phone)
