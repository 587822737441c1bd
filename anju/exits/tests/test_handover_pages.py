"""The handover and settlement pages: a move-out walked from the form on the phone to
the settlement and its PDF; the form shows the move-in beside each item; bad input
names every problem and writes nothing, a unit the household never held among them;
the four answers (works, outsider 404, read-only 403, wrong method 405); and pages
asked for in the wrong stage."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from anju.exits.models import DepositSettlement, Stage, UnitHandover
from anju.housing.handover import CHECKLIST_ITEMS
from anju.housing.models import UnitStatus
from anju.tenancy.models import Bill, BillKind, Refund
from anju.testing.admission import make_ruleset

# The autouse fixtures come along with the builders.
from .test_handovers import (  # noqa: F401
    PDF,
    D,
    at,
    english,
    hand_over,
    moving_case,
    quick_pdfs,
)

TODAY = D(2026, 5, 12)


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


# The smallest PNG there is: a photo for the form.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def login(cast, username):
    client = Client()
    client.force_login(cast.users[username])
    return client


def messages_of(response, level="error"):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == level]


def form_data(case, **extra):
    data = {
        "on": "2026-05-10",
        "unit": case.unit.code,
        "keys": "3",
        "cards": "2",
        "unit_after": "vacant",
        "note": "",
        "meter-water": "180.5",
        "meter-electricity": "3456.7",
        "meter-gas": "",
    }
    for item in CHECKLIST_ITEMS:
        data[f"item-{item}"] = "ok"
    data["item-kitchen"], data["note-kitchen"] = "defect", "Cracked floor tile"
    return data | extra


def url(name, case):
    return reverse(name, args=[case.pk])


def test_a_move_out_is_walked_from_the_form_to_the_settlement_and_its_pdf(cast, rules):
    household, case = moving_case(cast)
    with at(TODAY):
        operator = login(cast, "operator")
        page = operator.get(url("exit_handover_new", case))
        text = page.content.decode()
        assert page.status_code == 200
        # The move-in beside each item, and the keys and cards handed over then.
        assert "Cracked floor tile" in text and "3 handed over at move-in" in text
        assert case.unit.code in text
        response = operator.post(
            url("exit_handover_new", case),
            form_data(
                case,
                **{
                    "item-walls": "defect",
                    "note-walls": "Holes drilled",
                    "charge-walls": "350",
                    "item-floor": "ok",
                    "charge-floor": "99",  # typed, then the item was set back in order
                    "unit_after": "under_repair",
                    "photos": SimpleUploadedFile("wall.png", PNG, "image/png"),
                },
            ),
        )
        assert response.status_code == 302 and response["Location"] == url("exit_handover", case)
        assert "Settle the deposit next" in messages_of(response, "success")[0]
        handover = UnitHandover.objects.get(exit_case=case)
        assert handover.photos.count() == 1
        assert Bill.objects.get(kind=BillKind.DAMAGE).amount == Decimal("350.00")
        case.unit.refresh_from_db()
        assert case.unit.status == UnitStatus.UNDER_REPAIR

        page = operator.get(url("exit_handover", case))
        text = page.content.decode()
        assert page.status_code == 200
        for expected in ("Holes drilled", "350.00", "¥406.45", "Under repair", "Move-out photo 1"):
            assert expected in text, expected
        assert 'data-testid="settle-link"' in text

        page = operator.get(url("exit_settlement_new", case))
        text = page.content.decode()
        assert page.status_code == 200
        # 1,000 held; April 600, May 193.55 and the wall 350 owed: 1,143.55.
        assert 'data-testid="refunded">¥0.00' in text
        assert 'data-testid="still-owed">¥143.55' in text
        response = operator.post(
            url("exit_settlement_new", case), {"refund_method": "", "on": "2026-05-12"}
        )
        assert response.status_code == 302, messages_of(response)
        assert response["Location"] == url("exit_settlement", case)
        settlement = DepositSettlement.objects.get(case=case)
        assert (settlement.applied, settlement.still_owed) == (
            Decimal("1000.00"),
            Decimal("143.55"),
        )
        page = operator.get(url("exit_settlement", case))
        assert page.status_code == 200 and settlement.number in page.content.decode()
        pdf = operator.get(url("exit_settlement_pdf", case))
        assert pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content) == PDF
    case.refresh_from_db()
    household.refresh_from_db()
    assert case.stage == Stage.CLOSED and household.closed_at is not None


def test_bad_input_names_every_problem_on_the_page_and_writes_nothing(cast, rules):
    _household, case = moving_case(cast)
    data = form_data(case, **{"item-walls": "", "meter-water": "", "unit_after": "", "on": ""})
    with at(TODAY):
        response = login(cast, "operator").post(url("exit_handover_new", case), data)
    text = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "Say on which day the keys came back.",
        "Say whether the unit is ready to let or needs repair.",
        "Say whether “Walls and ceilings” is in order.",
        "Read the Water (m³) meter.",
    ):
        assert expected in text, expected
    # What was typed is kept.
    assert 'value="Cracked floor tile"' in text and 'value="3456.7"' in text
    assert not UnitHandover.objects.filter(exit_case=case).exists()
    case.refresh_from_db()
    assert case.stage == Stage.MOVING


def test_a_unit_the_household_never_held_is_refused_on_the_page(cast, rules):
    _household, case = moving_case(cast)
    with at(TODAY):
        operator = login(cast, "operator")
        response = operator.post(
            url("exit_handover_new", case), form_data(case, unit=cast.vacant_e1.code)
        )
        assert response.status_code == 200
        assert f"never held unit {cast.vacant_e1.code}" in response.content.decode()
        response = operator.post(url("exit_handover_new", case), form_data(case, unit="NOPE-1"))
        assert "There is no unit NOPE-1 in your estates." in response.content.decode()
    assert not UnitHandover.objects.filter(exit_case=case).exists()


def test_a_refund_method_is_asked_for_when_money_goes_back(cast, rules):
    _household, case = moving_case(cast, bill_months=())
    hand_over(cast, case)
    with at(TODAY):
        operator = login(cast, "operator")
        response = operator.post(url("exit_settlement_new", case), {"on": "2026-05-12"})
        assert response.status_code == 200
        assert "Say how the ¥1000.00 is paid back." in response.content.decode()
        assert not DepositSettlement.objects.exists()
        response = operator.post(
            url("exit_settlement_new", case), {"refund_method": "alipay", "on": "2026-05-12"}
        )
    assert response.status_code == 302
    assert Refund.objects.get().method == "alipay"


def test_pages_in_the_wrong_stage_say_so_or_send_on(cast, rules):
    _household, case = moving_case(cast)
    with at(TODAY):
        officer = login(cast, "officer")
        assert officer.get(url("exit_handover", case)).status_code == 404
        assert officer.get(url("exit_settlement", case)).status_code == 404
        assert officer.get(url("exit_settlement_pdf", case)).status_code == 404
        page = officer.get(url("exit_settlement_new", case))
        assert 'data-testid="wrong-stage"' in page.content.decode()
        response = officer.post(
            url("exit_settlement_new", case), {"refund_method": "bank", "on": "2026-05-12"}
        )
        assert "Only a case whose keys are back can be settled" in response.content.decode()
    hand_over(cast, case)
    with at(TODAY):
        officer = login(cast, "officer")
        response = officer.get(url("exit_handover_new", case))
        assert response.status_code == 302 and response["Location"] == url("exit_handover", case)
        response = officer.post(url("exit_handover_new", case), form_data(case))
        assert messages_of(response) == ["The keys of this case have already been handed back."]


@pytest.mark.parametrize(
    ("name", "method", "username", "status"),
    [
        ("exit_handover_new", "get", "community", 403),  # sees exits, may not hand over
        ("exit_handover_new", "get", "auditor", 403),
        ("exit_settlement_new", "post", "auditor", 403),
        ("exit_handover", "get", "auditor", 200),
        ("exit_handover_new", "put", "operator", 405),
        ("exit_handover", "post", "operator", 405),
        ("exit_settlement_pdf", "post", "officer", 405),
    ],
)
def test_who_may_do_what(cast, rules, name, method, username, status):
    _household, case = moving_case(cast)
    hand_over(cast, case)
    with at(TODAY):
        client = login(cast, username)
        response = getattr(client, method)(url(name, case))
    assert response.status_code == status


def test_an_outsider_gets_404_for_every_page(cast, rules):
    _household, case = moving_case(cast, "HE2", estate=cast.e2)
    hand_over(cast, case)
    with at(TODAY):
        operator = login(cast, "operator")  # E1's operator
        for name in ("exit_handover_new", "exit_handover", "exit_settlement_new"):
            assert operator.get(url(name, case)).status_code == 404, name
        officer = login(cast, "officer")  # the whole district
        assert officer.get(url("exit_handover", case)).status_code == 200


def test_the_handover_record_reads_in_a_fixed_number_of_queries(
    cast, rules, django_assert_max_num_queries
):
    _household, case = moving_case(cast)
    hand_over(cast, case, charges={"kitchen": "10"})
    with at(TODAY):
        officer = login(cast, "officer")
        officer.get(url("exit_handover", case))  # warm the session and caches
        with django_assert_max_num_queries(24):
            assert officer.get(url("exit_handover", case)).status_code == 200
    assert datetime.date.today()
