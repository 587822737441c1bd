"""Turning one row of text into typed values, with the reasons it cannot be. Each row
is judged on its own here; rules that need other rows or the database live in
`validate`."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from anju.core import pii
from anju.core.errors import DomainError

from .columns import (
    CATEGORIES,
    CREDENTIAL_KINDS,
    CREDENTIAL_SEPARATORS,
    MAX_LENGTH,
    OCCUPANT_COLUMNS,
    RELATIONS,
    ROLE_HEAD,
    ROLES,
)
from .read import RawRow

CENT = Decimal("0.01")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_POSITION = re.compile(r"(\d{2})$")
MAX_AREA = Decimal("99999.99")
MAX_MONEY = Decimal("99999999.99")


@dataclass
class UnitIn:
    line: int
    estate_code: str
    estate_name: str
    street: str
    community: str
    building_no: str
    code: str
    floor: int | None
    position: int | None
    area: Decimal | None
    rooms: int | None  # None: keep what the database has (1 for a new unit)

    def describe(self) -> tuple:
        """The values every row naming this unit must agree on."""
        return (
            self.estate_code,
            self.building_no,
            self.floor,
            self.area,
            self.rooms,
        )


@dataclass
class MemberIn:
    line: int
    role: str
    name: str
    id_number: str  # normalised; kept in memory only, to be encrypted
    id_hash: str
    relation: str
    phone: str
    phone_hash: str
    income: Decimal | None
    # None: the cell was empty, leave the member's credentials as they are.
    credentials: list[tuple[str, str]] | None = None


@dataclass
class ParsedRow:
    line: int
    unit: UnitIn
    household_no: str
    category: str = ""
    lease_start: date | None = None
    lease_end: date | None = None
    rent: Decimal | None = None
    member: MemberIn | None = None
    extras: dict[str, str] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def household_values(self) -> dict:
        return {
            "estate_code": self.unit.estate_code,
            "unit_code": self.unit.code,
            "category": self.category,
            "lease_start": self.lease_start,
            "lease_end": self.lease_end,
            "monthly_rent": self.rent,
        }


class _Row:
    """One row's cells and the errors found while reading them."""

    def __init__(self, raw: RawRow):
        self.values = raw.values
        self.errors: list[tuple[str, str]] = []

    def error(self, code: str, message: str) -> None:
        self.errors.append((code, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error("required", _("%(column)s is required.") % {"column": column})
            return ""
        limit = MAX_LENGTH.get(column)
        if limit and len(value) > limit:
            self.error(
                "too_long",
                _("%(column)s is longer than %(max)s characters.")
                % {"column": column, "max": limit},
            )
        return value

    def decimal(
        self, column: str, *, required: bool, low: Decimal, high: Decimal, above: bool = False
    ) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        cleaned = value.replace("¥", "").replace("￥", "").strip()
        if _THOUSANDS.fullmatch(cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(
                "not_a_number",
                _("%(column)s is not a number: %(value)s") % {"column": column, "value": value},
            )
            return None
        number = number.quantize(CENT)
        if (number <= low if above else number < low) or number > high:
            message = (
                _("%(column)s must be more than zero.")
                if above
                else _("%(column)s must not be negative.")
            )
            if number > high:
                message = _("%(column)s is too large.")
            self.error("out_of_range", message % {"column": column})
            return None
        return number

    def integer(self, column: str, *, required: bool) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            self.error(
                "not_a_whole_number",
                _("%(column)s is not a whole number: %(value)s")
                % {"column": column, "value": value},
            )
            return None
        if not 1 <= number <= 999:
            self.error(
                "out_of_range",
                _("%(column)s must be between 1 and 999.") % {"column": column},
            )
            return None
        return int(number)

    def date(self, column: str) -> date | None:
        value = self.text(column, required=True)
        if not value:
            return None
        match = _DATE.fullmatch(value)
        try:
            if match:
                return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
        self.error(
            "not_a_date",
            _("%(column)s is not a date (write YYYY-MM-DD or YYYY/MM/DD): %(value)s")
            % {"column": column, "value": value},
        )
        return None

    def choice(self, column: str, choices) -> str:
        value = self.text(column, required=True).lower()
        if value and value not in choices:
            self.error(
                f"unknown_{column}",
                _("Unknown %(column)s “%(value)s”; use one of: %(choices)s.")
                % {"column": column, "value": value, "choices": ", ".join(choices)},
            )
            return ""
        return value


def parse_row(raw: RawRow) -> ParsedRow:
    row = _Row(raw)
    unit = _parse_unit(row, raw.line)
    household_no = row.text("household_no")
    parsed = ParsedRow(line=raw.line, unit=unit, household_no=household_no, extras=raw.extras)
    if not household_no:
        if any(raw.values.get(c) for c in OCCUPANT_COLUMNS):
            row.error(
                "household_no_missing",
                _(
                    "This row has household details but no household_no: fill in "
                    "household_no, or clear the household columns for a vacant unit."
                ),
            )
        parsed.errors = row.errors
        return parsed
    parsed.category = row.choice("category", CATEGORIES)
    parsed.lease_start = row.date("lease_start")
    parsed.lease_end = row.date("lease_end")
    if parsed.lease_start and parsed.lease_end and parsed.lease_end <= parsed.lease_start:
        row.error("lease_dates", _("lease_end must be after lease_start."))
    parsed.rent = row.decimal("monthly_rent", required=True, low=Decimal(0), high=MAX_MONEY)
    parsed.member = _parse_member(row, raw.line)
    parsed.errors = row.errors
    return parsed


def _parse_unit(row: _Row, line: int) -> UnitIn:
    estate_code = row.text("estate_code", required=True)
    code = row.text("unit_code", required=True)
    position = None
    if code:
        if estate_code and not code.startswith(estate_code):
            row.error(
                "unit_code_estate",
                _("Unit code %(unit)s does not start with its estate code %(estate)s.")
                % {"unit": code, "estate": estate_code},
            )
        match = _POSITION.search(code)
        if match and int(match.group(1)) > 0:
            position = int(match.group(1))
        else:
            row.error(
                "unit_code_position",
                _(
                    "Unit code %(unit)s must end in two digits, 01 to 99: the unit's "
                    "position on its floor."
                )
                % {"unit": code},
            )
    return UnitIn(
        line=line,
        estate_code=estate_code,
        estate_name=row.text("estate_name"),
        street=row.text("street", required=True),
        community=row.text("community", required=True),
        building_no=row.text("building_no", required=True),
        code=code,
        floor=row.integer("floor", required=True),
        position=position,
        area=row.decimal("area_m2", required=True, low=Decimal(0), high=MAX_AREA, above=True),
        rooms=row.integer("rooms", required=False),
    )


def _parse_member(row: _Row, line: int) -> MemberIn | None:
    role = row.choice("member_role", ROLES)
    name = row.text("name", required=True)
    relation = row.choice("relation", RELATIONS)
    if role and relation:
        if role == ROLE_HEAD and relation != "head":
            row.error("head_relation", _("The head (member_role head) must have relation head."))
        elif role != ROLE_HEAD and relation == "head":
            row.error(
                "head_relation", _("Only the head (member_role head) can have relation head.")
            )
    id_number = id_hash = ""
    raw_id = row.text("id_number", required=True)
    if raw_id:
        try:
            id_number = pii.validate_id_number(raw_id)
            id_hash = pii.blind_index(id_number)
        except DomainError as exc:
            row.error(exc.code, str(exc.message))
    phone = phone_hash = ""
    raw_phone = row.text("phone")
    if raw_phone:
        try:
            phone = pii.validate_phone(raw_phone)
            phone_hash = pii.blind_index(phone)
        except DomainError as exc:
            row.error(exc.code, str(exc.message))
    income = row.decimal("monthly_income", required=False, low=Decimal(0), high=MAX_MONEY)
    credentials = _parse_credentials(row)
    if not (role and name and relation and id_hash):
        return None
    return MemberIn(
        line=line,
        role=role,
        name=name,
        id_number=id_number,
        id_hash=id_hash,
        relation=relation,
        phone=phone,
        phone_hash=phone_hash,
        income=income,
        credentials=credentials,
    )


def _parse_credentials(row: _Row) -> list[tuple[str, str]] | None:
    value = row.text("credential_refs")
    if not value:
        return None
    for sep in CREDENTIAL_SEPARATORS[1:]:
        value = value.replace(sep, CREDENTIAL_SEPARATORS[0])
    found: list[tuple[str, str]] = []
    for item in value.split(CREDENTIAL_SEPARATORS[0]):
        item = item.strip().replace("：", ":")
        if not item:
            continue
        kind, sep, ref = item.partition(":")
        if not sep:
            kind, ref = "card", item
        kind, ref = kind.strip().lower(), ref.strip()
        if kind not in CREDENTIAL_KINDS or not ref:
            row.error(
                "bad_credential",
                _("Credential “%(item)s” is not kind:reference with kind one of %(kinds)s.")
                % {"item": item, "kinds": ", ".join(CREDENTIAL_KINDS)},
            )
            continue
        if len(ref) > 64:
            row.error(
                "too_long",
                _("Credential reference %(ref)s is longer than 64 characters.") % {"ref": ref},
            )
            continue
        if (kind, ref) not in found:
            found.append((kind, ref))
    return found
