"""The arrears pages at work: the ledger (buckets, recommendations, filters, a query
count that does not grow with the households, Excel), the bulk SMS, a household's page
and its forms, an agreement's schedule, the rule table's edit page and the “must
vacate” list. Who may open what is the scoping matrix's business (matrix/arrears.py)."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from anju.core.models import Message
from anju.tenancy.models import (
    AgreementStatus,
    ArrearsAction,
    ArrearsNotice,
    ArrearsStep,
    Channel,
    ListingStatus,
    VacateListing,
)
from anju.tenancy.services.agreements import agreement_create
from anju.tenancy.services.arrears import automatic_steps_take
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.payments import payment_record
from anju.testing.tenancy import housed_household

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English source strings, whatever the catalogue holds."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def bill_first_half():
    for month in range(1, 7):
        bill_run(D(2025, month, 1), actor=None)


@pytest.fixture(autouse=True)
def mid_june():
    with time_machine.travel("2025-06-15 10:00 +08:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def arrears(cast):
    """Alice owes January–June (6 months); Charlie paid up to April (2 months)."""
    bill_first_half()
    payment_record(cast.charlie_household, actor=None, amount="1820.00", channel=Channel.CASH)
    return cast


def test_the_ledger_shows_buckets_and_the_next_step_in_the_users_scope(arrears, client_for):
    response = client_for("operator").get(reverse("arrears_ledger"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "HH-A" in text and "HH-C" not in text  # Charlie's estate is not the operator's
    assert 'data-bucket="6+"' in text and 'data-action="must_vacate"' in text
    assert "art. 29" in text
    officer = client_for("officer")
    text = officer.get(reverse("arrears_ledger"), {"bucket": "2"}).content.decode()
    assert "HH-C" in text and ">HH-A<" not in text
    text = officer.get(reverse("arrears_ledger"), {"estate": arrears.e1.pk}).content.decode()
    assert ">HH-A<" in text and ">HH-C<" not in text


def test_the_ledgers_queries_do_not_grow_with_the_households(arrears, client_for):
    client = client_for("officer")
    url = reverse("arrears_ledger")
    client.get(url)  # warm the session and the caches

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(4):
        housed_household(arrears.e1, f"HH-X{n}", arrears.officer, start=D(2025, 1, 1))
    bill_first_half()
    assert count() == before
    # Session, user, roles and navbar; then the rule table, the count and the page of the
    # grouped query, the page's steps, the bucket totals, and the estates to filter by.
    assert before <= 15


def test_the_ledger_exports_every_row_with_its_recommendation(arrears, client_for):
    response = client_for("officer").get(reverse("arrears_ledger"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["HH-A", "HH-C"]
    assert rows[1][5] == 6 and rows[1][10] == str(ArrearsAction.MUST_VACATE.label)
    assert rows[2][5] == 2 and rows[2][6] == "910.00"


def test_the_bulk_sms_reaches_only_the_operators_households(arrears, client_for):
    response = client_for("operator").post(reverse("arrears_sms_bulk"), {})
    assert response.status_code == 302
    assert list(Message.objects.values_list("household__number", flat=True)) == []
    # Alice's step is “must vacate”, not an SMS; the officer's bulk reaches Charlie.
    client_for("officer").post(reverse("arrears_sms_bulk"), {})
    assert list(Message.objects.values_list("household__number", "channel")) == [("HH-C", "sms")]


def test_a_household_page_takes_the_recommended_step(arrears, client_for):
    household = arrears.alice_household
    client = client_for("officer")
    page = client.get(reverse("arrears_household", args=[household.pk])).content.decode()
    assert "Take: " in page and "2025-01-01" in page
    response = client.post(
        reverse("arrears_step_take", args=[household.pk]), {"action": "must_vacate"}
    )
    assert response.status_code == 302
    listing = VacateListing.objects.get(household=household)
    assert listing.status == ListingStatus.LISTED
    page = client.get(reverse("arrears_household", args=[household.pk])).content.decode()
    assert 'data-testid="listed"' in page and "Take: " not in page


def test_a_bad_agreement_is_shown_back_with_the_error_and_a_good_one_is_signed(arrears, client_for):
    household = arrears.alice_household
    client = client_for("operator")
    url = reverse("agreement_create", args=[household.pk])
    response = client.post(url, {"instalments": "2025-06-01 100.00"})
    assert response.status_code == 200
    assert "in the past" in response.content.decode()
    response = client.post(url, {"instalments": "next month 100"})
    assert "Line 1" in response.content.decode()
    response = client.post(url, {"instalments": "2025-06-30 1365.00\n2025-07-31 1365.00"})
    agreement = household.repayment_agreements.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agreement_detail", args=[agreement.pk])
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-state="upcoming"') == 2 and "2730.00" in page


def test_an_agreement_page_shows_a_missed_instalment(arrears, client_for):
    household = arrears.alice_household
    agreement = agreement_create(
        household, actor=arrears.operator, instalments=[(D(2025, 6, 20), "500.00")]
    )
    with time_machine.travel("2025-06-22 10:00 +08:00", tick=False):
        automatic_steps_take()  # the agreement holds the steps: nothing is taken
        assert not ArrearsNotice.objects.filter(household=household).exists()
        from anju.tenancy.services.agreements import agreements_check_due

        agreements_check_due()
        page = client_for("officer").get(reverse("agreement_detail", args=[agreement.pk]))
    text = page.content.decode()
    assert 'data-state="missed"' in text and "2025-06-20" in text
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.MISSED


def test_the_authority_edits_the_rule_table_citing_its_source(arrears, client_for):
    steps = list(ArrearsStep.objects.order_by("order"))
    data = {"source": ""}
    for s in steps:
        data |= {
            f"order_{s.pk}": s.order,
            f"min_months_{s.pk}": s.min_months,
            f"wait_days_{s.pk}": s.wait_days,
            f"active_{s.pk}": "on",
        }
    url = reverse("arrears_steps_edit")
    client = client_for("officer")
    assert client.post(url, data).status_code == 200  # no source: shown back
    vacate = next(s for s in steps if s.action == ArrearsAction.MUST_VACATE)
    data |= {"source": "长住建〔2026〕3号", f"min_months_{vacate.pk}": 5}
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("arrears_steps")).content.decode()
    assert "长住建〔2026〕3号" in page
    assert client_for("operator").get(url).status_code == 403


def test_the_must_vacate_list_shows_the_basis_and_evidence_and_can_be_withdrawn(
    arrears, client_for
):
    automatic_steps_take()
    listing = VacateListing.objects.get()
    client = client_for("officer")
    text = client.get(reverse("vacate_list")).content.decode()
    assert "HH-A" in text and "Art. 29" in text and "2025-01 ¥455.00" in text
    response = client.get(reverse("vacate_list"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "HH-A" and "2730.00" in rows[1][6]
    client.post(reverse("vacate_withdraw", args=[listing.pk]), {"reason": "paid in full"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.WITHDRAWN
    text = client.get(reverse("vacate_list")).content.decode()
    assert ">HH-A<" not in text
    text = client.get(reverse("vacate_list"), {"status": "withdrawn"}).content.decode()
    assert ">HH-A<" in text and "paid in full" in text
