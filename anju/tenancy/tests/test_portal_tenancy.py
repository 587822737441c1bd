"""The tenant's "My tenancy" page: the lease, the rent in force with its history, bills
(open first), payments, the balance and the household's messages; only the signed-in
tenant's own household."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.core import notify
from anju.core import services as core_services
from anju.core.roles import Role
from anju.households import services as hh
from anju.households.models import RentReason
from anju.tenancy.models import Channel, Payment
from anju.tenancy.services import amendments  # noqa: F401  (registers its messages)
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record
from anju.tenancy.services.rent import lease_rent_change

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/my/tenancy/"


@pytest.fixture
def history(cast):
    officer = cast.users["officer"]
    lease_rent_change(
        cast.alice_household.leases.get(),
        actor=officer,
        effective_from=D(2025, 3, 1),
        reason=RentReason.STANDARD,
        monthly_rent=Decimal("480.00"),
        note="租金标准调整",
    )
    for month in (D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)):
        bill_run(month, actor=None)
    for household, txn in ((cast.alice_household, "wx-A"), (cast.charlie_household, "wx-C")):
        payment_record(
            household,
            actor=officer,
            amount="455.00",
            channel=Channel.WECHAT,
            txn_id=txn,
            paid_at=timezone.make_aware(datetime.datetime(2025, 1, 8, 9)),
        )
    for household, text in ((cast.alice_household, "甲"), (cast.charlie_household, "丙")):
        notify.queue(
            "amendment.rejected",
            key=f"test:{household.pk}",
            household=household,
            number=f"L-{household.number}",
            kind="共同居住人增加",
            note=f"给{text}家的消息",
        )
    return cast


def test_the_url_is_the_portal_tenancy_page():
    assert reverse("portal_tenancy") == URL


def test_alice_sees_her_lease_rent_history_bills_payments_and_messages(history, client_for):
    response = client_for("alice").get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "L-HH-A" in text and "E1-01-0101" in text
    assert "¥480.00" in text  # the rent in force
    assert "2025-03-01" in text and "租金标准调整" in text and "2025-01-01" in text
    # February and March are open and come first; January was paid.
    bills = text[text.index('data-testid="bills"') : text.index('data-testid="payments"')]
    assert bills.index("2025-03") < bills.index("2025-02") < bills.index("2025-01")
    payments = text[text.index('data-testid="payments"') : text.index('data-testid="messages"')]
    assert re.search(r"SK2025\d{7}", payments)
    balance = text[text.index('data-testid="balance"') : text.index('data-testid="lease"')]
    assert "935.00" in balance  # ¥455 + ¥480 owed
    assert "给甲家的消息" in text
    for other in ("L-HH-C", "E2-01-0101", "给丙家的消息", "张查理"):
        assert other not in text


def test_a_tenant_downloads_the_receipts_of_her_own_payments_only(history, client_for):
    alice = Payment.objects.get(household=history.alice_household)
    charlie = Payment.objects.get(household=history.charlie_household)
    client = client_for("alice")
    page = client.get(URL).content.decode()
    assert reverse("portal_receipt", args=[alice.pk]) in page
    response = client.get(reverse("portal_receipt", args=[alice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("portal_receipt", args=[charlie.pk])).status_code == 404
    assert client_for("officer").get(reverse("portal_receipt", args=[alice.pk])).status_code == 404


def test_charlie_sees_only_his_own_tenancy(history, client_for):
    text = client_for("charlie").get(URL).content.decode()
    assert "L-HH-C" in text and "给丙家的消息" in text
    assert "L-HH-A" not in text and "给甲家的消息" not in text and "480.00" not in text


def test_staff_and_families_without_a_lease_get_nothing(cast, client_for):
    assert client_for("officer").get(URL).status_code == 404
    household = hh.household_create(actor=None, number="HH-W", category="low_income")
    waiting = core_services.user_create(
        actor=None,
        username="waiting",
        full_name="Waiting",
        organisation=None,
        roles=[Role.TENANT],
        password="waiting-password-2026!",
        household=household,
    )
    client = client_for("alice")
    client.force_login(waiting)
    assert client.get(URL).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_credit_is_shown_as_credit(cast, client_for):
    bill_run(D(2025, 1, 1), actor=None)
    payment_record(cast.alice_household, actor=None, amount="600.00", channel=Channel.CASH)
    text = client_for("alice").get(URL).content.decode()
    balance = text[text.index('data-testid="balance"') : text.index('data-testid="lease"')]
    assert "145.00" in balance and "text-success" in balance
