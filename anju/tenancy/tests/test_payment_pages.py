"""The household account and the money pages: a payment at the counter and its receipt
(a real PDF, in Chinese, with the amount in capitals), refunds of credit (never more
than the credit, numbered), one-off bills and their cancellation, and the API."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.admission.tests.test_lease import pdf_text
from anju.core.errors import DomainError
from anju.tenancy.models import Bill, BillKind, BillStatus, Channel, Payment, Refund
from anju.tenancy.services.billing import bill_raise, bill_run
from anju.tenancy.services.payments import credit_of, payment_record, refund_record
from anju.tenancy.services.receipts import receipt_pdf

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2025-04-10 09:00 +08:00", tick=False):
        yield


@pytest.fixture
def billed(cast):
    """Alice's household billed January to April 2025 (¥455 a month)."""
    for month in range(1, 5):
        bill_run(D(2025, month, 1), actor=None)
    return cast.alice_household


def account(client, household):
    return client.get(reverse("household_account", args=[household.pk]))


# --- The account -----------------------------------------------------------------------------


def test_the_account_shows_open_bills_payments_with_what_they_settled_and_the_balance(
    cast, client_for, billed
):
    payment, _new = payment_record(
        billed, actor=cast.operator, amount="600.00", channel=Channel.CASH
    )
    response = account(client_for("community"), billed)
    text = response.content.decode()

    assert response.status_code == 200
    # 4 × 455 billed, 600 paid: January paid, February partly.
    assert 'data-testid="owed">¥1220.00<' in text
    assert 'data-testid="credit">¥0.00<' in text
    assert payment.number in text and "2025-02 · ¥145.00" in text
    # A reader without the payment or billing permission sees no buttons.
    assert 'data-testid="pay"' not in text and 'data-testid="bill-raise"' not in text
    operator_page = account(client_for("operator"), billed).content.decode()
    assert 'data-testid="pay"' in operator_page and 'data-testid="bill-raise"' in operator_page


def test_the_account_page_reads_in_a_fixed_number_of_queries(cast, client_for, billed):
    client = client_for("officer")
    payment_record(billed, actor=cast.operator, amount="100.00", channel=Channel.CASH)
    with CaptureQueriesContext(connection) as few:
        account(client, billed)
    for i in range(6):
        payment_record(billed, actor=cast.operator, amount=f"{400 + i}.00", channel=Channel.CARD)
    bill_raise(billed, actor=cast.officer, kind=BillKind.FINE, amount="10.00", due_on=D(2025, 5, 1))
    refund_record(billed, actor=cast.officer, amount="5.00", method="cash", reason="多缴")
    with CaptureQueriesContext(connection) as many:
        account(client, billed)
    assert len(many) == len(few)


def test_a_household_outside_the_scope_has_no_account(cast, client_for):
    response = account(client_for("operator"), cast.charlie_household)
    assert response.status_code == 404


# --- The counter and the receipt ----------------------------------------------------------


def test_a_counter_payment_settles_the_oldest_bill_and_leads_to_its_receipt(
    cast, client_for, billed
):
    client = client_for("operator")
    response = client.post(
        reverse("payment_counter", args=[billed.pk]),
        {"channel": "card", "amount": "500.00", "payer": "王乐乐", "note": "窗口缴费"},
    )
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payment_detail", args=[payment.pk])
    assert (payment.channel, payment.amount, payment.payer, payment.recorded_by) == (
        Channel.CARD,
        Decimal("500.00"),
        "王乐乐",
        cast.operator,
    )
    january = Bill.objects.get(household=billed, period=D(2025, 1, 1))
    february = Bill.objects.get(household=billed, period=D(2025, 2, 1))
    assert january.status == BillStatus.PAID and february.settled == Decimal("45.00")

    page = client.get(response["Location"]).content.decode()
    assert "伍佰元整" in page and "¥455.00" in page and "¥45.00" in page


def test_a_counter_payment_with_a_bad_amount_records_nothing(cast, client_for, billed):
    response = client_for("operator").post(
        reverse("payment_counter", args=[billed.pk]),
        {"channel": "cash", "amount": "12.345"},
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.content.decode()
    assert not Payment.objects.exists()


def test_only_cash_or_card_is_taken_at_the_counter(cast, client_for, billed):
    response = client_for("operator").post(
        reverse("payment_counter", args=[billed.pk]), {"channel": "wechat", "amount": "1.00"}
    )
    assert response.status_code == 200 and not Payment.objects.exists()


def test_the_receipt_is_a_pdf_in_chinese_with_the_amount_in_capitals(cast, client_for, billed):
    payment, _new = payment_record(
        billed, actor=cast.operator, amount="1000.00", channel=Channel.CASH, payer="王小明"
    )
    response = client_for("community").get(reverse("payment_receipt", args=[payment.pk]))
    data = response.content

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for words in ("收款收据", payment.number, "壹仟元整", "HH-A", "E1-01-0101", "L-HH-A"):
        assert words in text, words
    # January and February settled, ¥90 of the March bill; nothing left over as credit.
    assert "¥455.00" in text and "¥90.00" in text and "安居运营公司" in text


def test_a_receipt_made_later_lists_the_bills_its_credit_settled_since(cast, billed):
    payment, _new = payment_record(
        billed, actor=cast.operator, amount="2000.00", channel=Channel.CASH
    )
    assert credit_of(billed) == Decimal("180.00")
    bill_run(D(2025, 5, 1), actor=None)  # May's rent takes the credit
    from anju.tenancy.services.receipts import receipt_context

    context = receipt_context(payment)
    assert [a.bill.period for a in context["allocations"]][-1] == D(2025, 5, 1)
    assert (context["unallocated"], context["credit"]) == (Decimal("0.00"), Decimal("0.00"))
    assert receipt_pdf(payment).startswith(b"%PDF-")


# --- Refunds ------------------------------------------------------------------------------


def test_a_refund_over_the_credit_is_refused_and_records_nothing(cast, client_for):
    household = cast.alice_household
    payment_record(household, actor=cast.operator, amount="300.00", channel=Channel.CASH)
    with pytest.raises(DomainError) as caught:
        refund_record(household, actor=cast.operator, amount="300.01", method="cash", reason="退还")
    assert caught.value.code == "over_credit"

    response = client_for("operator").post(
        reverse("refund_record", args=[household.pk]),
        {"amount": "400.00", "method": "cash", "paid_on": "2025-04-10", "reason": "退还"},
    )
    assert response.status_code == 200
    assert "¥300.00" in response.content.decode()
    assert not Refund.objects.exists()
    assert credit_of(household) == Decimal("300.00")


def test_refunds_are_numbered_and_reduce_the_credit(cast, client_for):
    household = cast.alice_household
    payment_record(household, actor=cast.operator, amount="300.00", channel=Channel.CASH)
    client = client_for("operator")
    for amount in ("100.00", "50.00"):
        response = client.post(
            reverse("refund_record", args=[household.pk]),
            {"amount": amount, "method": "bank", "paid_on": "2025-04-09", "reason": "多缴退还"},
        )
        assert response.status_code == 302
    assert list(Refund.objects.order_by("id").values_list("number", "amount")) == [
        ("TK2025000001", Decimal("100.00")),
        ("TK2025000002", Decimal("50.00")),
    ]
    assert credit_of(household) == Decimal("150.00")
    # The refunded money is gone: the next bill is settled from what is left.
    bill_run(D(2025, 1, 1), actor=None)
    assert Bill.objects.get(household=household).settled == Decimal("150.00")


def test_a_refund_cannot_be_dated_in_the_future(cast, client_for):
    household = cast.alice_household
    payment_record(household, actor=cast.operator, amount="300.00", channel=Channel.CASH)
    response = client_for("operator").post(
        reverse("refund_record", args=[household.pk]),
        {"amount": "1.00", "method": "cash", "paid_on": "2025-04-11", "reason": "退还"},
    )
    assert response.status_code == 200 and not Refund.objects.exists()


# --- One-off bills ----------------------------------------------------------------------


def test_a_one_off_bill_is_raised_on_the_account_and_cancelled_with_a_reason(cast, client_for):
    household = cast.alice_household
    client = client_for("operator")
    response = client.post(
        reverse("bill_raise", args=[household.pk]),
        {"kind": "deposit", "amount": "910.00", "due_on": "2025-04-20", "description": "押金"},
    )
    assert response.status_code == 302
    bill = Bill.objects.get(kind=BillKind.DEPOSIT)
    assert (bill.amount, bill.status, bill.created_by) == (
        Decimal("910.00"),
        BillStatus.OPEN,
        cast.operator,
    )

    response = client.post(reverse("bill_cancel", args=[bill.pk]), {"reason": "重复开具"})
    bill.refresh_from_db()
    assert response.status_code == 302
    assert (bill.status, bill.cancelled_reason) == (BillStatus.CANCELLED, "重复开具")


def test_rent_cannot_be_raised_by_hand(cast, client_for):
    response = client_for("officer").post(
        reverse("bill_raise", args=[cast.alice_household.pk]),
        {"kind": "rent", "amount": "455.00", "due_on": "2025-04-20", "description": "租金"},
    )
    assert response.status_code == 200 and not Bill.objects.exists()


def test_a_bill_with_money_on_it_cannot_be_cancelled(cast, client_for, billed):
    payment_record(billed, actor=cast.operator, amount="100.00", channel=Channel.CASH)
    bill = Bill.objects.get(household=billed, period=D(2025, 1, 1))
    client = client_for("operator")
    response = client.post(reverse("bill_cancel", args=[bill.pk]), {"reason": "错"}, follow=True)
    bill.refresh_from_db()
    assert bill.status == BillStatus.OPEN
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_a_cancel_without_a_reason_changes_nothing(cast, client_for, billed):
    bill = Bill.objects.filter(household=billed).first()
    client_for("officer").post(reverse("bill_cancel", args=[bill.pk]), {"reason": "  "})
    bill.refresh_from_db()
    assert bill.status == BillStatus.OPEN


# --- The API ----------------------------------------------------------------------------


def test_the_api_gives_a_households_bills_and_payments_with_what_they_settled(
    cast, client_for, billed
):
    payment, _new = payment_record(
        billed, actor=cast.operator, amount="500.00", channel=Channel.CASH
    )
    client = client_for("operator")
    bills = json.loads(client.get(f"/api/v1/households/{billed.pk}/bills?status=open").content)
    assert [b["period"] for b in bills["items"]] == ["2025-02-01", "2025-03-01", "2025-04-01"]
    assert bills["items"][0]["outstanding"] == "410.00"

    payments = json.loads(client.get(f"/api/v1/households/{billed.pk}/payments").content)
    item = payments["items"][0]
    assert (item["number"], item["amount"], item["allocated"]) == (
        payment.number,
        "500.00",
        "500.00",
    )
    assert [a["amount"] for a in item["allocations"]] == ["455.00", "45.00"]

    balance = json.loads(client.get(f"/api/v1/households/{billed.pk}/balance").content)
    assert balance == {
        "household_id": billed.pk,
        "owed": "1320.00",
        "overdue": "1320.00",
        "credit": "0.00",
        "balance": "1320.00",
    }
    other = client.get(f"/api/v1/households/{cast.charlie_household.pk}/bills")
    assert other.status_code == 404
