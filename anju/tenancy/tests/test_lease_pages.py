"""The lease pages and the amendment pages, as the operator and the authority use them:
lists scoped and filtered, the lease's terms, rent history and renewals, the terms
and rent edited by hand with the rule's message shown on the form, and an amendment
requested with a document and decided."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anju.households import services as hh
from anju.households.models import LeaseStatus, Relation, RentReason
from anju.housing.models import UnitStatus
from anju.housing.services import unit_set_status
from anju.tenancy.models import AmendmentStatus, LeaseAmendment
from anju.tenancy.services.amendments import amendment_request
from anju.tenancy.services.billing import bill_run
from anju.tenancy.services.rent import lease_rent_change
from anju.tenancy.tests.test_amendments import an_id

pytestmark = pytest.mark.django_db

D = datetime.date


def lease_of(household):
    return household.leases.get(status=LeaseStatus.ACTIVE)


def text(response) -> str:
    return response.content.decode()


def test_the_lease_list_is_scoped_filtered_and_searchable(cast, client_for):
    officer, operator = client_for("officer"), client_for("operator")
    url = reverse("lease_list")
    page = text(officer.get(url))
    assert "L-HH-A" in page and "L-HH-C" in page
    page = text(operator.get(url))
    assert "L-HH-A" in page and "L-HH-C" not in page
    assert "L-HH-C" not in text(officer.get(url, {"estate": cast.e1.pk}))
    assert "L-HH-A" not in text(officer.get(url, {"q": "HH-C"}))
    assert "L-HH-C" in text(officer.get(url, {"q": "张查理"}))
    assert "L-HH-A" not in text(officer.get(url, {"status": "ended"}))
    assert "L-HH-A" not in text(officer.get(url, {"ending_before": "2027-12-31"}))
    assert "L-HH-A" in text(officer.get(url, {"ending_before": "2028-01-02"}))
    export = officer.get(url, {"format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_lease_list_asks_a_fixed_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for("officer")
    client.get(reverse("lease_list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("lease_list")).status_code == 200


def test_the_lease_page_shows_the_terms_the_rent_history_and_the_account(cast, client_for):
    lease = lease_of(cast.alice_household)
    lease_rent_change(
        lease,
        actor=cast.users["officer"],
        effective_from=D(2025, 4, 1),
        reason=RentReason.STANDARD,
        note="2025年租金标准调整",
        monthly_rent=Decimal("480.00"),
    )
    page = text(client_for("operator").get(reverse("lease_detail", args=[lease.pk])))
    assert "L-HH-A" in page and "王小明" in page
    assert "2025年租金标准调整" in page and "480.00" in page and "455.00" in page
    assert "Officer" in page  # who recorded the change
    assert reverse("household_account", args=[cast.alice_household.pk]) in page
    # The operator may ask for amendments and edit the terms, not record a rent change.
    assert reverse("amendment_request", args=[lease.pk, "member_joins"]) in page
    assert reverse("lease_terms_edit", args=[lease.pk]) in page
    assert reverse("lease_rent_record", args=[lease.pk]) not in page


def test_the_renewals_chain_links_the_leases_of_a_household(cast, client_for):
    officer = cast.users["officer"]
    household = hh.household_create(
        actor=officer, number="HH-R", category="low_income", community=cast.community_a
    )
    hh.member_add(
        household, actor=officer, name="周续", id_number=an_id(51, "19800101"), relation="head"
    )
    unit = cast.vacant_e1
    first = hh.lease_start(
        household,
        actor=officer,
        unit=unit,
        number="L-HH-R-1",
        start=D(2020, 1, 1),
        end=D(2025, 1, 1),
        monthly_rent=Decimal("400.00"),
    )
    hh.lease_end(first, actor=officer, on=D(2024, 12, 31))
    unit.refresh_from_db()
    unit_set_status(unit, actor=officer, status=UnitStatus.VACANT, reason="续租")
    household.refresh_from_db()
    second = hh.lease_start(
        household,
        actor=officer,
        unit=unit,
        number="L-HH-R-2",
        start=D(2025, 1, 1),
        end=D(2030, 1, 1),
        monthly_rent=Decimal("420.00"),
        terms={"previous": first},
    )
    page = text(client_for("officer").get(reverse("lease_detail", args=[first.pk])))
    assert reverse("lease_detail", args=[second.pk]) in page
    page = text(client_for("officer").get(reverse("lease_detail", args=[second.pk])))
    assert reverse("lease_detail", args=[first.pk]) in page


def test_the_billing_day_and_deposit_are_edited_on_their_form(cast, client_for):
    lease = lease_of(cast.alice_household)
    url = reverse("lease_terms_edit", args=[lease.pk])
    client = client_for("operator")
    bad = client.post(url, {"billing_day": "31", "deposit": "910"})
    assert bad.status_code == 200 and "invalid-feedback" in text(bad)
    response = client.post(url, {"billing_day": "15", "deposit": "910.00"})
    assert response.status_code == 302
    lease.refresh_from_db()
    assert (lease.billing_day, lease.deposit) == (15, Decimal("910.00"))


def test_a_rent_change_by_hand_shows_the_rules_message_on_the_form(cast, client_for):
    lease = lease_of(cast.alice_household)
    bill_run(D(2025, 6, 1), actor=None)
    url = reverse("lease_rent_record", args=[lease.pk])
    client = client_for("officer")
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {
            "effective_from": "2025-06-10",
            "reason": RentReason.CORRECTION,
            "monthly_rent": "500.00",
            "note": "核对面积",
        },
    )
    assert refused.status_code == 200
    assert "2025-06" in text(refused) and "form-errors" in text(refused)
    assert lease.rents.count() == 1
    done = client.post(
        url,
        {
            "effective_from": "2025-07-01",
            "reason": RentReason.CORRECTION,
            "monthly_rent": "500.00",
            "note": "核对面积",
        },
    )
    assert done.status_code == 302
    lease.refresh_from_db()
    assert lease.monthly_rent == Decimal("500.00")
    row = lease.rents.get(effective_from=D(2025, 7, 1))
    assert (row.note, row.created_by) == ("核对面积", cast.users["officer"])
    assert client_for("operator").get(url).status_code == 403


def test_an_amendment_is_requested_with_a_document_and_approved(cast, client_for):
    lease = lease_of(cast.alice_household)
    child = cast.alice_household.members.get(relation=Relation.CHILD)
    url = reverse("amendment_request", args=[lease.pk, "member_leaves"])
    operator = client_for("operator")
    assert operator.get(url).status_code == 200
    response = operator.post(
        url,
        {
            "member": child.pk,
            "effective_from": "2025-09-01",
            "reason": "外出求学，户口迁出",
            "document": SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", "application/pdf"),
        },
    )
    amendment = LeaseAmendment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("amendment_detail", args=[amendment.pk])
    assert amendment.document is not None
    again = operator.post(
        url, {"member": child.pk, "effective_from": "2025-09-01", "reason": "重复"}
    )
    assert again.status_code == 200 and "form-errors" in text(again)

    queue = text(client_for("officer").get(reverse("amendment_list")))
    assert "L-HH-A" in queue and "外出求学" in queue
    detail = text(operator.get(reverse("amendment_detail", args=[amendment.pk])))
    assert "王乐乐" in detail and 'data-testid="decide-form"' not in detail

    decide = reverse("amendment_decide", args=[amendment.pk])
    assert operator.post(decide, {"decision": "approve"}).status_code == 403
    officer = client_for("officer")
    officer.post(decide, {"decision": "reject", "note": ""})
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING  # a rejection needs its reason
    officer.post(decide, {"decision": "approve", "note": "材料齐全"})
    amendment.refresh_from_db()
    child.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPROVED
    assert child.left_at == D(2025, 9, 1)


def test_every_kind_has_its_request_form_and_an_unknown_kind_is_missing(cast, client_for):
    lease = lease_of(cast.alice_household)
    client = client_for("officer")
    for kind in ("member_joins", "member_leaves", "head_changes", "rent_tier"):
        assert client.get(reverse("amendment_request", args=[lease.pk, kind])).status_code == 200
    assert client.get(f"/leases/{lease.pk}/amendments/nonsense/").status_code == 404


def test_the_approval_queue_shows_only_pending_requests_in_scope(cast, client_for):
    for household in (cast.alice_household, cast.charlie_household):
        amendment_request(
            lease_of(household),
            actor=cast.users["officer"],
            kind="rent_tier",
            reason="年审超标",
            effective_from=D(2025, 8, 1),
            values={"rent_multiplier": Decimal("1.5")},
        )
    queue = text(client_for("operator").get(reverse("amendment_list")))
    assert "L-HH-A" in queue and "L-HH-C" not in queue
    full = text(client_for("officer").get(reverse("amendment_list")))
    assert "L-HH-A" in full and "L-HH-C" in full
    assert "L-HH-A" not in text(
        client_for("officer").get(reverse("amendment_list"), {"status": "approved"})
    )
