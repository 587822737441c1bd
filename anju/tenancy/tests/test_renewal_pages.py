"""The renewal pages: the counter application with the members prefilled, bad input
that writes nothing, the decision, the renewals-due list with its filters and Excel
file, and the tenant's own renewal on the portal (card, application, status). Who may
open which page, in and out of scope, is the scoping matrix's
(anju/tenancy/tests/matrix/renewal.py)."""

import datetime
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from anju.households.models import LeaseStatus
from anju.tenancy.models import (
    Declaration,
    Renewal,
    RenewalStatus,
    VacateListing,
    VacateReason,
)
from anju.tenancy.services.leases import leases_roll
from anju.tenancy.services.renewal import renewal_apply, renewal_refuse
from anju.testing.admission import make_ruleset

pytestmark = pytest.mark.django_db

D = datetime.date
OPENS, END = D(2027, 10, 1), D(2028, 1, 1)


def at(day):
    return time_machine.travel(f"{day.isoformat()} 10:00 +08:00", tick=False)


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def logged_in(user) -> Client:
    """A client signed in now (a session goes idle when the clock moves on)."""
    client = Client()
    client.force_login(user)
    return client


def lease_of(household):
    return household.leases.get(status=LeaseStatus.ACTIVE)


def form_data(household, *, consent=True, incomes=None, **changes) -> dict:
    """The declaration form as a browser sends it: every current member at their
    income on file (or `incomes[i]`), present, and no newcomer."""
    members = list(household.members.current().order_by("id"))
    data = {
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": str(len(members)),
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "1000",
        "n-TOTAL_FORMS": "2",
        "n-INITIAL_FORMS": "0",
        "n-MIN_NUM_FORMS": "0",
        "n-MAX_NUM_FORMS": "6",
        "d-deposits": "8000",
        "d-vehicles": "0",
        "d-housing_acquired": "none",
    }
    for i, m in enumerate(members):
        data[f"m-{i}-member"] = str(m.pk)
        data[f"m-{i}-monthly_income"] = str(incomes[i] if incomes else m.monthly_income)
        data[f"m-{i}-present"] = "on"
    if consent:
        data["d-consent"] = "on"
    data.update(changes)
    return data


def applied(cast, household=None):
    household = household or cast.alice_household
    members = [
        {"member": m.pk, "monthly_income": m.monthly_income, "present": True}
        for m in household.members.current()
    ]
    with at(OPENS):
        return renewal_apply(
            lease_of(household),
            actor=cast.operator,
            channel="counter",
            members=members,
            deposits="1000",
            consent=True,
        )


# --- The counter ---------------------------------------------------------------------------


def test_the_counter_form_is_prefilled_and_records_the_application(cast, rules, client_for):
    lease = lease_of(cast.alice_household)
    url = reverse("renewal_apply", args=[lease.pk])
    with at(OPENS):
        client = client_for("operator")
        page = client.get(url).content.decode()
        assert "王小明" in page and "王乐乐" in page
        assert 'value="1500.00"' in page  # the head's income on file
        response = client.post(url, form_data(cast.alice_household, incomes=["1600", "0"]))
    renewal = Renewal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("renewal_detail", args=[renewal.pk])
    assert (renewal.channel, renewal.applied_by) == ("counter", cast.operator)
    assert renewal.declaration.total_income == 1600
    with at(OPENS):
        detail = client.get(response["Location"]).content.decode()
    # The admission pre-check partial with the renewal's sentences.
    assert 'data-testid="precheck"' in detail
    assert 'data-code="income" data-outcome="met"' in detail
    assert 'data-code="housing_acquired" data-outcome="met"' in detail


def test_before_the_window_the_counter_page_says_when_it_opens(cast, rules, client_for):
    lease = lease_of(cast.alice_household)
    with at(OPENS - datetime.timedelta(days=1)):
        page = client_for("operator").get(reverse("renewal_apply", args=[lease.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "2027-10-01" in text
    assert 'data-testid="renewal-form"' not in text


def test_bad_input_shows_the_errors_and_writes_nothing(cast, rules, client_for):
    url = reverse("renewal_apply", args=[lease_of(cast.alice_household).pk])
    with at(OPENS):
        client = client_for("operator")
        english = {"HTTP_ACCEPT_LANGUAGE": "en"}
        no_consent = client.post(url, form_data(cast.alice_household, consent=False), **english)
        not_money = client.post(
            url, form_data(cast.alice_household, **{"m-0-monthly_income": "很多"}), **english
        )
        nameless = client.post(
            url, form_data(cast.alice_household, **{"n-0-monthly_income": "2000"}), **english
        )
    assert no_consent.status_code == 200
    assert "The declaration needs the household&#x27;s consent." in no_consent.content.decode()
    assert not_money.status_code == 200
    assert nameless.status_code == 200
    assert "Give the newcomer&#x27;s name." in nameless.content.decode()
    assert not Renewal.objects.exists()
    assert not Declaration.objects.exists()


# --- Deciding ------------------------------------------------------------------------------


def test_refusing_needs_the_reason_then_lists_the_household(cast, rules, client_for):
    renewal = applied(cast)
    url = reverse("renewal_decide", args=[renewal.pk])
    with at(OPENS):
        client = client_for("officer")
        assert client.get(url).status_code == 200
        empty = client.post(url, {"decision": "refuse", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
        assert empty.status_code == 200
        assert "Give the reason for refusing." in empty.content.decode()
        renewal.refresh_from_db()
        assert renewal.status == RenewalStatus.APPLIED
        done = client.post(url, {"decision": "refuse", "reason": "家庭人均收入超标"})
        assert done.status_code == 302
        # A decided renewal's decision page sends back to the renewal.
        assert client.get(url).status_code == 302
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.REFUSED
    listing = VacateListing.objects.get(household=cast.alice_household)
    assert listing.reason == VacateReason.RENEWAL_REFUSED


def test_approving_shows_the_new_lease(cast, rules, client_for):
    renewal = applied(cast)
    with at(OPENS):
        client = client_for("officer")
        response = client.post(
            reverse("renewal_decide", args=[renewal.pk]), {"decision": "approve", "reason": ""}
        )
        detail = client.get(response["Location"]).content.decode()
    assert "L-HH-A-R1" in detail
    assert "2028-01-02" in detail and "2033-01-02" in detail


# --- The renewals-due list -----------------------------------------------------------------


def _due(client, **query):
    response = client.get(reverse("renewals_due"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_due_list_shows_each_leases_state_and_filters(
    cast, rules, client_for, django_assert_max_num_queries
):
    applied(cast)
    with at(OPENS + datetime.timedelta(days=2)):
        client = client_for("officer")
        with django_assert_max_num_queries(12):
            page = _due(client)
        assert "L-HH-A" in page and "L-HH-C" in page
        assert 'data-state="applied"' in page and 'data-state="none"' in page
        nobody = _due(client, state="none")
        assert "L-HH-C" in nobody and "L-HH-A" not in nobody
        mine = _due(client, state="applied")
        assert "L-HH-A" in mine and "L-HH-C" not in mine
        e1 = _due(client, estate=cast.e1.pk)
        assert "L-HH-A" in e1 and "L-HH-C" not in e1
        sheet = client.get(reverse("renewals_due"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [r[0] for r in rows[1:]] == ["L-HH-A", "L-HH-C"]
    assert rows[1][6] == "2027-10-01" and rows[1][9] == "2027-10-01"


def test_the_due_list_looks_ahead_and_stays_in_scope(cast, rules, client_for):
    with at(OPENS - datetime.timedelta(days=10)):
        officer = client_for("officer")
        assert "L-HH-A" in _due(officer)  # opens within the default 30 days
        assert "L-HH-A" not in _due(officer, within=5)
        community = _due(client_for("community"))
    assert "L-HH-A" in community and "L-HH-C" not in community


# --- The portal ----------------------------------------------------------------------------


def test_a_tenant_applies_on_the_portal_and_follows_it(cast, rules, client_for):
    with at(OPENS):
        alice = client_for("alice")
        card = alice.get(reverse("portal_renewal_card")).content.decode()
        assert reverse("portal_renewal_apply") in card
        form = alice.get(reverse("portal_renewal_apply"))
        assert form.status_code == 200
        response = alice.post(reverse("portal_renewal_apply"), form_data(cast.alice_household))
        assert response["Location"] == reverse("portal_renewal")
        status = alice.get(reverse("portal_renewal")).content.decode()
        again = alice.get(reverse("portal_renewal_apply"))
    renewal = Renewal.objects.get()
    assert (renewal.household, renewal.channel, renewal.applied_by) == (
        cast.alice_household,
        "portal",
        cast.alice,
    )
    assert 'data-state="applied"' in status
    assert 'data-code="income" data-outcome="met"' in status
    assert again.status_code == 302  # one application per lease


def test_a_tenant_sees_only_their_own_renewal(cast, rules, client_for):
    applied(cast)  # Alice's
    with at(OPENS):
        charlie = client_for("charlie")
        status = charlie.get(reverse("portal_renewal")).content.decode()
        card = charlie.get(reverse("portal_renewal_card")).content.decode()
    assert "L-HH-C" in status
    assert "L-HH-A" not in status and "王小明" not in status
    assert reverse("portal_renewal_apply") in card  # Charlie may still apply for his own


def test_the_card_waits_for_the_window_and_a_refusal_is_explained(cast, rules):
    with at(OPENS - datetime.timedelta(days=1)):
        assert 'data-testid="renewal-card"' not in (
            logged_in(cast.alice).get(reverse("portal_renewal_card")).content.decode()
        )
    renewal = applied(cast)
    with at(OPENS):
        renewal_refuse(renewal, actor=cast.officer, reason="已购买其他住房")
        status = logged_in(cast.alice).get(reverse("portal_renewal")).content.decode()
    assert 'data-testid="refused"' in status and "已购买其他住房" in status


def test_a_lease_that_ended_without_an_application_shows_as_must_vacate(cast, rules):
    leases_roll(END + datetime.timedelta(days=1))
    with at(END + datetime.timedelta(days=1)):
        page = logged_in(cast.officer).get(reverse("renewals_due")).content.decode()
    assert page.count('data-testid="listed"') == 2
