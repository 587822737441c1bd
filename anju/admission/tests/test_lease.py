"""From a chosen unit to moving in: the lease offer's rent and term from the rules, the
contract PDF in Chinese, the signed scan in the archive, and the move-in handover that
starts the lease."""

import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import translation

from anju.admission.models import (
    ApplicationStatus,
    CategoryRule,
    LeaseOffer,
    MoveInHandover,
    SelectionStatus,
    WaitingStatus,
)
from anju.admission.services import lease as svc
from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.households.models import Credential, DocumentType, HouseholdStatus, LeaseStatus
from anju.housing.models import UnitStatus
from anju.housing.services import rent_standard_add

from .matrix.allocation import (
    choose_in_turn,
    make_round,
    new_units,
    signed_scan,
    waiting_households,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
START = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def quick_contract(request, monkeypatch):
    """WeasyPrint takes about a second a contract. Tests that do not read the contract
    render its template (so that it stays sound) but skip the typesetting; the ones that
    do ask for `real_contract`."""
    if "real_contract" not in request.fixturenames:
        monkeypatch.setattr(
            svc,
            "render_pdf",
            lambda template, context: (render_to_string(template, context), PDF)[1],
        )


@pytest.fixture
def real_contract():
    """Typeset the contract with WeasyPrint (see `quick_contract`)."""


@pytest.fixture
def selection(cast):
    units = new_units(cast.e1, 1, area="37.85")
    entries = waiting_households(cast, 1)
    rnd = make_round(cast, units, entries, to="published")
    return choose_in_turn(cast, rnd, 1)[0]


def all_ok(**overrides):
    rows = [{"item": code, "ok": True, "note": ""} for code in svc.CHECKLIST_ITEMS]
    for row in rows:
        if row["item"] in overrides:
            row.update(overrides[row["item"]])
    return rows


def handover(offer, cast, **kwargs):
    values = {
        "checklist": all_ok(),
        "meter_readings": {"water": "12.5", "electricity": "3456.7", "gas": ""},
        "keys": 3,
        "cards": 2,
        **kwargs,
    }
    return svc.move_in_handover(offer, actor=cast.operator, **values)


def signed_offer(selection, cast):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    return svc.lease_offer_sign(offer, actor=cast.operator, signed_scan_file=signed_scan())


# --- Rent and term ---------------------------------------------------------------------


def test_rent_is_area_times_the_estate_standard_times_the_relief_tier_to_the_cent(cast, selection):
    # 37.85 m² × 10.00 yuan × 0.50 (low income) = 189.25
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    assert offer.monthly_rent == Decimal("189.25")
    assert (offer.area_m2, offer.price_per_m2, offer.relief_tier) == (
        Decimal("37.85"),
        Decimal("10.00"),
        Decimal("0.50"),
    )


def test_rent_rounds_half_up_and_follows_the_standard_in_force_on_the_start_date(cast, selection):
    rent_standard_add(
        cast.e1,
        actor=cast.officer,
        price_per_m2=Decimal("11.13"),
        effective_from=date(2027, 1, 1),
        source="长住建〔2026〕30号",
    )
    CategoryRule.objects.filter(category="low_income").update(relief_tier=Decimal("0.70"))
    before = svc.lease_offer_terms(selection, start=date(2026, 12, 31))
    after = svc.lease_offer_terms(selection, start=date(2027, 1, 1))
    assert before.monthly_rent == Decimal("264.95")  # 37.85 × 10.00 × 0.70 = 264.95
    # 37.85 × 11.13 × 0.70 = 294.89415 → 294.89; the half-up rule at the cent:
    assert after.monthly_rent == Decimal("294.89")
    assert svc.monthly_rent(Decimal("10.00"), Decimal("1.00"), Decimal("0.4125")) == Decimal("4.13")


def test_the_term_is_the_rules_longest_unless_a_shorter_one_is_asked(cast, selection):
    ruleset = selection.round.ruleset
    ruleset.max_lease_years = 3
    ruleset.save(update_fields=["max_lease_years"])
    terms = svc.lease_offer_terms(selection, start=date(2028, 2, 29))
    assert (terms.years, terms.end) == (3, date(2031, 2, 28))
    assert svc.lease_offer_terms(selection, start=START, years=1).end == date(2027, 12, 1)
    with pytest.raises(DomainError) as error, translation.override("en"):
        svc.lease_offer_create(selection, actor=cast.operator, start=START, years=4)
    assert error.value.code == "term_too_long"
    assert "art. 18" in error.value.message
    assert not LeaseOffer.objects.exists()


def test_an_estate_without_a_rent_standard_gets_no_offer(cast, selection):
    with pytest.raises(DomainError) as error:
        svc.lease_offer_terms(selection, start=date(2023, 6, 1))
    assert error.value.code in {"start_too_early", "no_rent_standard"}
    selection.unit.estate.rent_standards.all().delete()
    with pytest.raises(DomainError) as error:
        svc.lease_offer_create(selection, actor=cast.operator, start=START)
    assert error.value.code == "no_rent_standard"


def test_one_offer_per_selection(cast, selection):
    svc.lease_offer_create(selection, actor=cast.operator, start=START)
    with pytest.raises(DomainError) as error:
        svc.lease_offer_create(selection, actor=cast.operator, start=START)
    assert error.value.code == "offer_exists"


def test_an_offer_not_yet_signed_can_move_its_dates_and_gets_a_new_contract(
    cast, selection, real_contract
):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    svc.lease_offer_revise(offer, actor=cast.operator, start=date(2027, 1, 1), years=2)
    offer.refresh_from_db()
    assert (offer.start, offer.end) == (date(2027, 1, 1), date(2029, 1, 1))
    assert "2029年1月1日" in contract_text(offer)
    signed = svc.lease_offer_sign(offer, actor=cast.operator, signed_scan_file=signed_scan())
    with pytest.raises(DomainError) as error:
        svc.lease_offer_revise(signed, actor=cast.operator, start=START)
    assert error.value.code == "offer_signed"


def test_money_is_written_out_in_capitals_as_contracts_write_it():
    assert svc.rmb_upper(Decimal("455.00")) == "肆佰伍拾伍元整"
    assert svc.rmb_upper(Decimal("189.25")) == "壹佰捌拾玖元贰角伍分"
    assert svc.rmb_upper(Decimal("1005.30")) == "壹仟零伍元叁角整"
    assert svc.rmb_upper(Decimal("100000.05")) == "壹拾万元零伍分"
    assert svc.rmb_upper(Decimal("10010.00")) == "壹万零壹拾元整"
    assert svc.rmb_upper(Decimal("0.50")) == "伍角整"


# --- The contract ----------------------------------------------------------------------


def _streams(data: bytes) -> dict[int, bytes]:
    """Every stream object of a PDF by its number, inflated. Each stream is cut by its
    /Length: its compressed bytes may themselves end in a carriage return or hold the
    word "endstream"."""
    out = {}
    for match in re.finditer(rb">>\s*stream\r?\n", data):
        head_at = data.rfind(b" 0 obj", 0, match.start())
        number = re.search(rb"(\d+)$", data[max(0, head_at - 12) : head_at])
        length = re.search(rb"/Length (\d+)", data[head_at : match.start()])
        if head_at < 0 or not number or not length:
            continue
        body = data[match.end() : match.end() + int(length.group(1))]
        try:
            out[int(number.group(1))] = zlib.decompress(body)
        except zlib.error:
            continue
    return out


def pdf_text(data: bytes) -> str:
    """The text of a WeasyPrint PDF: each page's glyph strings mapped back to characters
    through the ToUnicode table of the font they are set in."""
    streams = _streams(data)
    tables = {}  # font subset tag → {glyph: character}
    for body in streams.values():
        for tag, ref in re.findall(rb"/BaseFont /(\w{6})\+\S*?/ToUnicode (\d+) 0 R", body):
            cmap = tables.setdefault(tag, {})
            for block in re.findall(rb"beginbfchar\s*(.*?)endbfchar", streams[int(ref)], re.S):
                for glyph, code in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    cmap[glyph.lower()] = bytes.fromhex(code.decode()).decode("utf-16-be")
    text, cmap = [], {}
    for body in streams.values():
        if b" Tf" not in body:
            continue
        for match in re.finditer(rb"/(\w+) [\d.]+ Tf|<([0-9a-fA-F]+)>", body):
            if match.group(1):
                cmap = tables.get(match.group(1), {})
                continue
            glyphs = match.group(2).lower()
            text.append("".join(cmap.get(glyphs[i : i + 4], "") for i in range(0, len(glyphs), 4)))
    return "".join(text)


def fonts(data: bytes) -> set[str]:
    names = set()
    for body in _streams(data).values():
        # A subset font's name carries a six-letter tag; a font embedded whole has none.
        names |= {n.decode() for n in re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w\-]+)", body)}
    return names


def contract_text(offer) -> str:
    with offer.contract.open("rb") as f:
        return pdf_text(f.read())


def test_the_contract_is_a_pdf_in_chinese_with_the_noto_fonts_embedded(
    cast, selection, real_contract
):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    with offer.contract.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"} <= fonts(data)
    text = contract_text(offer)
    head = selection.household.head
    for words in (
        "公共租赁住房租赁合同",
        offer.number,
        "甲方（出租人）",
        "安居运营公司",  # the estate's operator, for the authority
        head.name,
        head.reveal_id_number(),
        selection.unit.code,
        "37.85",
        "189.25",
        "壹佰捌拾玖元贰角伍分",
        "自 2026年12月1日 起至 2031年12月1日 止",
        "第四条　租赁保证金",
        "无正当理由连续6个月以上闲置",  # art. 27
        "累计6个月以上拖欠租金",  # art. 29
        "租赁期满3个月前",  # art. 30
        "签字并按手印",
    ):
        assert words in text, words


def test_the_contract_reveal_is_in_the_audit_log(cast, selection):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    entry = AuditEntry.objects.get(action="lease_offer.create", target_id=str(offer.pk))
    assert entry.changes["contract_reveals"] == "id_number"
    assert entry.changes["monthly_rent"] == "189.25"


# --- Signing -----------------------------------------------------------------------------


def test_signing_keeps_the_scan_in_the_archive_and_marks_the_selection_signed(cast, selection):
    offer = signed_offer(selection, cast)
    document = offer.signed_scan
    assert document.household == selection.household
    assert document.doc_type == DocumentType.LEASE
    assert offer.signed_at is not None
    selection.refresh_from_db()
    assert selection.status == SelectionStatus.SIGNED
    verbs = set(selection.household.timeline.values_list("verb", flat=True))
    assert {"lease.offered", "lease.signed", "document.added"} <= verbs


@pytest.mark.parametrize(
    ("upload", "code", "named"),
    [
        (
            SimpleUploadedFile("contract.docx", b"PK\x03\x04word", "application/msword"),
            "upload_type",
            "contract.docx",
        ),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "upload_empty", "empty.pdf"),
    ],
)
def test_a_bad_signed_scan_is_named_and_nothing_is_signed(cast, selection, upload, code, named):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    with pytest.raises(DomainError) as error:
        svc.lease_offer_sign(offer, actor=cast.operator, signed_scan_file=upload)
    assert error.value.code == code
    assert named in error.value.message
    offer.refresh_from_db()
    assert offer.signed_at is None
    assert not selection.household.documents.filter(doc_type=DocumentType.LEASE).exists()


def test_a_lease_is_signed_once(cast, selection):
    offer = signed_offer(selection, cast)
    with pytest.raises(DomainError) as error:
        svc.lease_offer_sign(offer, actor=cast.operator, signed_scan_file=signed_scan())
    assert error.value.code == "already_signed"


# --- The handover --------------------------------------------------------------------------


def test_the_handover_starts_the_lease_and_makes_the_unit_occupied_and_the_household_a_tenant(
    cast, selection
):
    offer = signed_offer(selection, cast)
    household = selection.household
    head = household.head
    record = handover(
        offer,
        cast,
        checklist=all_ok(walls={"ok": False, "note": "客厅墙面有裂缝"}),
        photos=[SimpleUploadedFile("living.png", PNG, "image/png")],
        credentials=[(head, "card", "CARD-0001"), (head.pk, "face", "FACE-0001")],
    )
    assert record.meter_readings == {"water": "12.5", "electricity": "3456.7"}
    assert (record.keys, record.cards) == (3, 2)
    assert [row["ok"] for row in record.checklist].count(False) == 1
    assert record.photos.get().doc_type == DocumentType.PHOTO
    unit, household = selection.unit, household
    unit.refresh_from_db()
    household.refresh_from_db()
    offer.refresh_from_db()
    selection.refresh_from_db()
    assert unit.status == UnitStatus.OCCUPIED
    assert household.status == HouseholdStatus.TENANT
    assert household.unit == unit
    assert offer.lease.status == LeaseStatus.ACTIVE
    assert (offer.lease.number, offer.lease.monthly_rent) == (offer.number, offer.monthly_rent)
    assert (offer.lease.start, offer.lease.end) == (offer.start, offer.end)
    # The lease keeps the terms its rent came from, the signed contract, and the first
    # row of its rent history.
    lease = offer.lease
    assert (lease.area_m2, lease.price_per_m2, lease.relief_tier) == (
        offer.area_m2,
        offer.price_per_m2,
        offer.relief_tier,
    )
    assert lease.signed_document == offer.signed_scan
    assert list(lease.rents.values_list("effective_from", "monthly_rent")) == [
        (offer.start, offer.monthly_rent)
    ]
    assert selection.status == SelectionStatus.MOVED_IN
    assert household.application.status == ApplicationStatus.HOUSED
    assert household.waiting_entry.status == WaitingStatus.ALLOCATED
    assert set(Credential.objects.filter(member=head).values_list("kind", "ref")) == {
        ("card", "CARD-0001"),
        ("face", "FACE-0001"),
    }
    assert "lease.handover" in set(unit.timeline.values_list("verb", flat=True))


def test_a_unit_is_handed_over_once(cast, selection):
    offer = signed_offer(selection, cast)
    handover(offer, cast)
    with pytest.raises(DomainError) as error:
        handover(offer, cast)
    assert error.value.code == "already_handed_over"
    assert MoveInHandover.objects.count() == 1


def test_no_handover_before_signing(cast, selection):
    offer = svc.lease_offer_create(selection, actor=cast.operator, start=START)
    with pytest.raises(DomainError) as error:
        handover(offer, cast)
    assert error.value.code == "not_signed"


def test_a_bad_handover_names_every_problem_and_writes_nothing(cast, selection):
    offer = signed_offer(selection, cast)
    checklist = all_ok(kitchen={"ok": False, "note": ""})
    checklist = [row for row in checklist if row["item"] != "floor"]
    with pytest.raises(DomainError) as error, translation.override("en"):
        handover(
            offer,
            cast,
            checklist=checklist,
            meter_readings={"water": "-1", "electricity": "abc"},
            keys="two",
            photos=[SimpleUploadedFile("scan.pdf", b"%PDF-1.4 x", "application/pdf")],
            credentials=[(cast.alice_household.head, "card", "X-1")],
        )
    message = error.value.message
    assert error.value.code == "bad_handover"
    for words in (
        "Kitchen",
        "Floor",
        "Water",
        "Electricity",
        "Keys",
        "scan.pdf",
        "not living in this household",
    ):
        assert words in message, words
    selection.unit.refresh_from_db()
    assert selection.unit.status == UnitStatus.RESERVED
    assert not MoveInHandover.objects.exists()
    assert not Credential.objects.filter(ref="X-1").exists()


def test_a_credential_already_enrolled_for_someone_else_undoes_the_whole_handover(cast, selection):
    offer = signed_offer(selection, cast)
    Credential.objects.create(member=cast.alice_household.head, kind="card", ref="CARD-TAKEN")
    with pytest.raises(DomainError) as error:
        handover(offer, cast, credentials=[(selection.household.head, "card", "CARD-TAKEN")])
    assert error.value.code == "credential_taken"
    assert not MoveInHandover.objects.exists()
    selection.unit.refresh_from_db()
    assert selection.unit.status == UnitStatus.RESERVED
