"""The penalty arithmetic of arts. 35 and 36 (anju.supervision.services.penalties):
back rent at market price prorated by day, the fine caps at their edges, and the
workings line by line. Pure functions: no database."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from anju.core.errors import DomainError
from anju.supervision.services import penalties as p

D = datetime.date
RULES = p.Numbers(
    market_rent_multiple=Decimal("2.00"),
    fine_cap=Decimal("1000.00"),
    illegal_income_multiple=Decimal("3.00"),
    illegal_income_fine_cap=Decimal("30000.00"),
)
LEASE = [p.RentSpan(D(2025, 1, 1), D(2027, 12, 31), Decimal("455.00"))]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def months(lines):
    return {line["month"]: Decimal(line["amount"]) for line in lines if line["code"] == "month"}


def test_a_whole_month_of_breach_owes_the_difference_to_market_rent():
    total, lines = p.back_rent(LEASE, began=D(2026, 3, 1), until=D(2026, 3, 31), multiple=2)
    assert total == Decimal("455.00")  # 455 × 2 market, 455 billed as rent
    assert lines[0] == {
        "code": "period",
        "began": "2026-03-01",
        "until": "2026-03-31",
        "days": 31,
        "multiple": "2",
    }
    assert lines[-1] == {"code": "back_rent", "amount": "455.00"}


def test_back_rent_is_prorated_by_day_in_each_month_and_rounded_per_month():
    total, lines = p.back_rent(LEASE, began=D(2026, 3, 10), until=D(2026, 4, 15), multiple=2)
    # March: 455 × 22 / 31 = 322.903… → 322.90; April: 455 × 15 / 30 = 227.50.
    assert months(lines) == {"2026-03": Decimal("322.90"), "2026-04": Decimal("227.50")}
    assert total == Decimal("550.40")


def test_both_ends_of_the_breach_count():
    total, _ = p.back_rent(LEASE, began=D(2026, 2, 28), until=D(2026, 2, 28), multiple=2)
    assert total == Decimal("16.25")  # one day of February 2026: 455 / 28


def test_a_rent_change_inside_a_month_is_split_at_the_day():
    spans = [
        p.RentSpan(D(2025, 1, 1), D(2026, 6, 15), Decimal("300.00")),
        p.RentSpan(D(2026, 6, 16), None, Decimal("600.00")),
    ]
    total, lines = p.back_rent(spans, began=D(2026, 6, 1), until=D(2026, 6, 30), multiple=3)
    # (300 × 15 + 600 × 15) × (3 − 1) / 30 = 900.00
    assert total == Decimal("900.00")
    assert lines[1]["pieces"] == [["300.00", 15], ["600.00", 15]]


def test_days_without_a_lease_add_nothing():
    spans = [p.RentSpan(D(2026, 5, 1), D(2026, 5, 31), Decimal("310.00"))]
    total, lines = p.back_rent(spans, began=D(2026, 3, 1), until=D(2026, 6, 30), multiple=2)
    assert total == Decimal("310.00")
    assert list(months(lines)) == ["2026-05"]


@pytest.mark.parametrize("multiple", [Decimal("1.00"), Decimal("0.50")])
def test_back_rent_is_never_negative(multiple):
    total, _ = p.back_rent(LEASE, began=D(2026, 1, 1), until=D(2026, 12, 31), multiple=multiple)
    assert total == Decimal("0.00")


def test_a_breach_cannot_begin_after_the_decision():
    with pytest.raises(DomainError) as err:
        p.back_rent(LEASE, began=D(2026, 5, 2), until=D(2026, 5, 1), multiple=2)
    assert err.value.code == "bad_dates"


def test_a_year_of_back_rent_over_a_leap_february():
    total, lines = p.back_rent(LEASE, began=D(2028, 1, 1), until=D(2028, 12, 31), multiple=2)
    assert total == Decimal("0.00")  # the lease ended 2027-12-31
    spans = [p.RentSpan(D(2028, 1, 1), None, Decimal("455.00"))]
    total, lines = p.back_rent(spans, began=D(2028, 2, 1), until=D(2028, 2, 29), multiple=2)
    assert total == Decimal("455.00")


# --- The fine caps ----------------------------------------------------------------


def test_without_illegal_income_the_cap_is_the_plain_cap():
    cap, lines = p.fine_cap(RULES, illegal_income=None)
    assert cap == Decimal("1000.00")
    assert lines == [{"code": "cap_plain", "amount": "1000.00"}]
    assert p.fine_cap(RULES, illegal_income=Decimal("0"))[0] == Decimal("1000.00")


@pytest.mark.parametrize(
    ("income", "cap"),
    [
        ("5000.00", "15000.00"),  # 3 × income
        ("9999.99", "29999.97"),  # just under the top
        ("10000.00", "30000.00"),  # exactly the top
        ("10000.01", "30000.00"),  # capped
        ("250000.00", "30000.00"),  # capped
        ("100.00", "300.00"),  # art. 36: the income clause replaces the plain cap
    ],
)
def test_with_illegal_income_the_cap_is_three_times_it_but_no_more_than_30000(income, cap):
    got, lines = p.fine_cap(RULES, illegal_income=Decimal(income))
    assert got == Decimal(cap)
    assert lines[0]["code"] == "cap_income"
    assert lines[0]["amount"] == cap


def test_art_35_has_no_illegal_income_clause():
    cap, _ = p.fine_cap(RULES, illegal_income=Decimal("5000"), income_clause=False)
    assert cap == Decimal("1000.00")
    with pytest.raises(DomainError) as err:
        p.assess(
            RULES,
            spans=LEASE,
            began=D(2025, 1, 1),
            until=D(2026, 1, 1),
            illegal_income=Decimal("5000"),
            income_clause=False,
        )
    assert err.value.code == "income_not_applicable"


# --- A whole assessment -------------------------------------------------------------


def test_the_fine_defaults_to_the_cap_and_the_officer_may_choose_less():
    full = p.assess(RULES, spans=LEASE, began=D(2026, 3, 1), until=D(2026, 3, 31))
    assert (full.back_rent, full.fine, full.total) == (
        Decimal("455.00"),
        Decimal("1000.00"),
        Decimal("1455.00"),
    )
    less = p.assess(
        RULES, spans=LEASE, began=D(2026, 3, 1), until=D(2026, 3, 31), fine=Decimal("600")
    )
    assert less.fine == Decimal("600") and less.fine_cap == Decimal("1000.00")
    assert less.workings[-2] == {"code": "fine", "amount": "600.00", "cap": "1000.00"}
    assert less.workings[-1] == {"code": "total", "amount": "1055.00"}


@pytest.mark.parametrize(
    ("income", "fine", "ok"),
    [
        (None, "1000.00", True),
        (None, "1000.01", False),
        ("10000", "30000.00", True),
        ("20000", "30000.01", False),
        ("100", "300.00", True),
        ("100", "300.01", False),
    ],
)
def test_the_cap_is_enforced(income, fine, ok):
    def go():
        return p.assess(
            RULES,
            spans=LEASE,
            began=D(2026, 3, 1),
            until=D(2026, 3, 31),
            illegal_income=Decimal(income) if income else None,
            fine=Decimal(fine),
        )

    if ok:
        assert go().fine == Decimal(fine)
    else:
        with pytest.raises(DomainError) as err:
            go()
        assert err.value.code == "fine_above_cap"


@pytest.mark.parametrize(
    ("fine", "code"), [(Decimal("-1"), "bad_fine"), (Decimal("10.001"), "bad_fine")]
)
def test_a_negative_or_sub_cent_fine_is_refused(fine, code):
    with pytest.raises(DomainError) as err:
        p.assess(RULES, spans=LEASE, began=D(2026, 3, 1), until=D(2026, 3, 31), fine=fine)
    assert err.value.code == code


def test_back_rent_needs_the_day_the_breach_began():
    with pytest.raises(DomainError) as err:
        p.assess(RULES, spans=LEASE, began=None, until=D(2026, 3, 31))
    assert err.value.code == "began_required"
    fine_only = p.assess(RULES, spans=[], began=None, until=D(2026, 3, 31), with_back_rent=False)
    assert fine_only.back_rent == 0 and fine_only.fine == Decimal("1000.00")


def test_every_line_of_the_workings_reads_as_a_sentence():
    a = p.assess(
        RULES,
        spans=LEASE,
        began=D(2026, 3, 10),
        until=D(2026, 4, 15),
        illegal_income=Decimal("2000"),
    )
    text = [p.describe(line) for line in a.workings]
    assert text[0].startswith("Breach from 2026-03-10 to the decision on 2026-04-15: 37 days")
    assert text[1] == "2026-03: (¥455.00 × 22 days) × (2.00 − 1) ÷ 31 days"
    assert "¥2000.00 × 3.00 = ¥6000.00, no more than ¥30000.00" in text[4]
    assert all(t and not t.startswith(("period", "month", "cap", "fine", "total")) for t in text)
