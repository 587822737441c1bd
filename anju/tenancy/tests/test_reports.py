"""The rent roll and the collection rate on a small known dataset: three months of
bills for Alice (E1) and Charlie (E2), with payments on time, late, and in advance."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anju.households.models import RentReason
from anju.tenancy.models import Channel
from anju.tenancy.selectors.reports import collection_rates, rent_roll, rent_roll_totals
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record
from anju.tenancy.services.rent import lease_rent_change

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def dataset(cast):
    """January to March 2025 billed at ¥455 a month each.
    Alice pays January on 10 January and February late, on 5 March; March stays open.
    Charlie pays ¥1,000 on 20 January: January, then (as credit) February and ¥90 of
    March. From April Alice's rent is ¥500."""
    operator = cast.users["operator"]
    bill_run(D(2025, 1, 1), actor=None)
    payment_record(
        cast.alice_household,
        actor=operator,
        amount="455.00",
        channel=Channel.WECHAT,
        txn_id="wx-a1",
        paid_at=at(D(2025, 1, 10)),
    )
    payment_record(
        cast.charlie_household,
        actor=cast.users["officer"],
        amount="1000.00",
        channel=Channel.CASH,
        paid_at=at(D(2025, 1, 20)),
    )
    bill_run(D(2025, 2, 1), actor=None)
    bill_run(D(2025, 3, 1), actor=None)
    payment_record(
        cast.alice_household,
        actor=operator,
        amount="455.00",
        channel=Channel.CASH,
        paid_at=at(D(2025, 3, 5)),
    )
    lease_rent_change(
        cast.alice_household.leases.get(),
        actor=cast.users["officer"],
        effective_from=D(2025, 4, 1),
        reason=RentReason.CORRECTION,
        monthly_rent=M("500.00"),
    )
    return cast


def _rows(rates):
    return [
        (f"{m.month:%m}", m.billed, m.collected, m.now, m.rate, m.rate_now) for m in rates.months
    ]


def test_the_collection_rate_counts_what_was_paid_by_the_months_end(dataset):
    officer = dataset.users["officer"]
    months, per_estate, total = collection_rates(officer, until=D(2025, 3, 20), months=3)
    assert months == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    e1, e2 = per_estate
    assert (e1.estate, e2.estate) == (dataset.e1, dataset.e2)
    assert _rows(e1) == [
        ("01", M("455.00"), M("455.00"), M("455.00"), M("100.0"), M("100.0")),
        ("02", M("455.00"), M("0"), M("455.00"), M("0.0"), M("100.0")),  # paid in March
        ("03", M("455.00"), M("0"), M("0"), M("0.0"), M("0.0")),
    ]
    assert _rows(e2) == [
        ("01", M("455.00"), M("455.00"), M("455.00"), M("100.0"), M("100.0")),
        # Paid in advance in January: collected by February's end.
        ("02", M("455.00"), M("455.00"), M("455.00"), M("100.0"), M("100.0")),
        ("03", M("455.00"), M("90.00"), M("90.00"), M("19.8"), M("19.8")),
    ]
    assert _rows(total) == [
        ("01", M("910.00"), M("910.00"), M("910.00"), M("100.0"), M("100.0")),
        ("02", M("910.00"), M("455.00"), M("910.00"), M("50.0"), M("100.0")),
        ("03", M("910.00"), M("90.00"), M("90.00"), M("9.9"), M("9.9")),
    ]
    assert (total.billed, total.collected, total.now) == (M("2730.00"), M("1455.00"), M("1910.00"))


def test_the_collection_rate_covers_only_the_estates_the_user_sees(dataset):
    _months, per_estate, total = collection_rates(
        dataset.users["operator"], until=D(2025, 3, 1), months=12
    )
    assert [r.estate for r in per_estate] == [dataset.e1]
    assert total.billed == M("1365.00")
    # Months before the first bill are there, empty.
    assert total.months[0].month == D(2024, 4, 1) and total.months[0].rate is None


def test_the_rent_roll_shows_the_rent_in_force_and_the_months_bills(dataset):
    roll = rent_roll(dataset.users["officer"], on=D(2025, 3, 15))
    rows = {
        lease.household.number: (
            lease.rent,
            lease.multiplier,
            lease.billed,
            lease.paid,
            lease.balance,
        )
        for lease in roll
    }
    assert rows == {
        "HH-A": (M("455.00"), M("1.00"), M("455.00"), M("0"), M("455.00")),
        "HH-C": (M("455.00"), M("1.00"), M("455.00"), M("90.00"), M("365.00")),
    }
    assert rent_roll_totals(roll) == {
        "rent": M("910.00"),
        "billed": M("910.00"),
        "paid": M("90.00"),
        "balance": M("820.00"),
    }
    # April: Alice's new rent, nothing billed yet.
    april = {
        lease.household.number: (lease.rent, lease.billed)
        for lease in rent_roll(dataset.users["officer"], on=D(2025, 4, 15))
    }
    assert april == {"HH-A": (M("500.00"), M("0")), "HH-C": (M("455.00"), M("0"))}
    # Before the leases began, nothing was in force; the operator sees E1 only.
    assert not rent_roll(dataset.users["officer"], on=D(2024, 12, 31)).exists()
    operator_roll = rent_roll(dataset.users["operator"], on=D(2025, 3, 15))
    assert [lease.household.number for lease in operator_roll] == ["HH-A"]


def test_a_credit_shows_as_a_negative_balance(dataset):
    payment_record(
        dataset.alice_household,
        actor=dataset.users["operator"],
        amount="600.00",
        channel=Channel.CASH,
        paid_at=at(D(2025, 3, 20)),
    )
    lease = rent_roll(dataset.users["officer"], on=D(2025, 3, 20)).get(
        household=dataset.alice_household
    )
    assert (lease.paid, lease.balance) == (M("455.00"), M("-145.00"))


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_report_pages_show_the_numbers_and_export_them(dataset, client_for):
    client = client_for("officer")
    page = client.get(reverse("report_rent_roll"), {"on": "2025-03-15"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "L-HH-A" in text and "L-HH-C" in text and "820.00" in text
    rows = _sheet(client.get(reverse("report_rent_roll"), {"on": "2025-03-15", "format": "xlsx"}))
    assert len(rows) == 3
    assert rows[1][2] == "HH-A" and rows[1][-1] == "455.00"

    page = client.get(reverse("report_collection"), {"until": "2025-03"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="collection-data"' in text and "tenancy/collection.js" in text
    assert "19.8%" in text and "9.9%" in text
    rows = _sheet(client.get(reverse("report_collection"), {"until": "2025-03", "format": "xlsx"}))
    assert ("安泰小区", "2025-03", "455.00", "90.00", "19.8", "90.00", "19.8") in rows
    assert len(rows) == 1 + 12 * 3  # two estates and the total, twelve months each

    index = client.get(reverse("report_index")).content.decode()
    for name in ("report_rent_roll", "report_collection"):
        assert reverse(name) in index


def test_the_rent_roll_page_asks_a_fixed_number_of_queries(
    dataset, client_for, django_assert_max_num_queries
):
    client = client_for("operator")
    client.get(reverse("report_rent_roll"))  # warm the session and the user's roles
    with django_assert_max_num_queries(12):
        assert client.get(reverse("report_rent_roll"), {"on": "2025-03-15"}).status_code == 200
