"""A family chooses its unit on the tenant portal: it follows the published order, on
its turn sees the units it may have with the rent it would pay, confirms its choice or
declines, and then sees what comes next and its lease offer. Every lookup starts from
the family's own household."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import ERROR, get_messages
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from anju.admission.models import EntrantStatus, Refusal, Selection, WaitingEntry
from anju.admission.selectors.allocation import round_turn
from anju.admission.services import lease as lease_svc
from anju.admission.services.lease import monthly_rent
from anju.admission.tests.matrix.allocation import (
    PDF,
    make_round,
    new_units,
    waiting_households,
)
from anju.core import services as core_services
from anju.core.models import AuditEntry
from anju.core.roles import Role
from anju.housing.models import UnitStatus

pytestmark = pytest.mark.django_db

PASSWORD = "Xuanfang-2026-pass"


@pytest.fixture(autouse=True)
def quick(monkeypatch, settings):
    """The contract's template is rendered, its typesetting skipped; accounts hashed
    cheaply; messages in English."""
    monkeypatch.setattr(
        lease_svc,
        "render_pdf",
        lambda template, context: (render_to_string(template, context), PDF)[1],
    )
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield


@pytest.fixture
def rnd(cast):
    """A published round of three single-person families, offering three units of 38 m²
    and one of 55 m² (larger than a single person's 40 m² standard)."""
    units = new_units(cast.e1, 3)
    units += new_units(cast.e1, 1, area="55.00")
    return make_round(cast, units, waiting_households(cast, 3), to="published")


def in_order(rnd):
    return list(rnd.entrants.select_related("household").order_by("order"))


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def family(entrant) -> Client:
    """A portal account of the entrant's household, signed in."""
    user = core_services.user_create(
        actor=None,
        username=f"hh-{entrant.household_id}",
        full_name=str(entrant.household.head or entrant.household.number),
        organisation=None,
        roles=[Role.TENANT],
        password=PASSWORD,
        household=entrant.household,
    )
    client = Client()
    client.force_login(user)
    return english(client)


def url(name, *args):
    return reverse(name, args=args)


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def offered(rnd, *, area):
    return rnd.round_units.filter(unit__area_m2=Decimal(area)).select_related("unit").first().unit


# --- Choosing ------------------------------------------------------------------------------


def test_on_its_turn_a_family_sees_its_units_with_the_rent_and_chooses_after_confirming(cast, rnd):
    first = in_order(rnd)[0]
    client = family(first)
    small = [ru.unit for ru in rnd.round_units.select_related("unit") if ru.unit.area_m2 < 40]
    large = offered(rnd, area="55.00")

    page = text(client.get(url("portal_choice", rnd.pk)))
    assert "It is your turn to choose" in page
    assert "Number 1 of 3" in page
    for unit in small:
        assert unit.code in page
        assert url("portal_choose_unit", rnd.pk, unit.pk) in page
    assert large.code not in page  # beyond a single person's area standard
    # 38 m² × the estate's ¥10.00 × the low-income relief tier 0.50
    assert monthly_rent(Decimal("38.00"), Decimal("10.00"), Decimal("0.50")) == Decimal("190.00")
    assert "¥190.00" in page

    chosen = small[1]
    confirm = text(client.get(url("portal_choose_unit", rnd.pk, chosen.pk)))
    assert f"You are choosing unit {chosen.code}" in confirm
    assert "This cannot be undone by you" in confirm
    assert not Selection.objects.exists()  # a GET only asks

    response = client.post(url("portal_choose_unit", rnd.pk, chosen.pk))
    assert response.status_code == 302
    assert response["Location"] == url("portal_choice", rnd.pk)
    assert errors(response) == []
    selection = Selection.objects.get()
    user = response.wsgi_request.user
    assert (selection.household, selection.unit, selection.chosen_by) == (
        first.household,
        chosen,
        user,
    )
    chosen.refresh_from_db()
    assert chosen.status == UnitStatus.RESERVED
    assert AuditEntry.objects.get(action="selection.choose").actor == user
    assert round_turn(rnd) == in_order(rnd)[1]

    after = text(client.get(url("portal_choice", rnd.pk)))
    assert "Your family chose this unit" in after and chosen.code in after
    assert "prepares your lease and its contract" in after
    assert cast.operator_1.name in after
    assert "Bring the identity cards of every family member" in after


def test_a_family_whose_turn_it_is_not_is_told_so_and_chooses_nothing(cast, rnd):
    second = in_order(rnd)[1]
    client = family(second)
    unit = offered(rnd, area="38.00")

    page = text(client.get(url("portal_choice", rnd.pk)))
    assert "Not your turn yet" in page
    assert "1 household chooses before you." in page
    assert url("portal_choose_unit", rnd.pk, unit.pk) not in page

    for ask in (
        lambda: client.post(url("portal_choose_unit", rnd.pk, unit.pk)),
        lambda: client.get(url("portal_choose_unit", rnd.pk, unit.pk)),
        lambda: client.post(url("portal_choice_decline", rnd.pk), {"reason": "太远"}),
    ):
        response = ask()
        assert response.status_code == 302
        assert response["Location"] == url("portal_choice", rnd.pk)
        assert errors(response) == [
            "It is not your turn to choose yet: 1 household chooses before you. "
            "This page shows the units you may choose when your turn comes."
        ]
        client.get(response["Location"])  # the message is shown, and gone
    assert not Selection.objects.exists()
    assert not Refusal.objects.exists()


def test_a_unit_outside_the_familys_list_is_refused(cast, rnd):
    client = family(in_order(rnd)[0])
    large = offered(rnd, area="55.00")

    response = client.post(url("portal_choose_unit", rnd.pk, large.pk))
    assert response.status_code == 302
    assert errors(response) == [
        f"Unit {large.code} has 55.00 m²; this household may have at most 40.00 m²."
    ]
    client.get(response["Location"])  # the message is shown, and gone
    response = client.get(url("portal_choose_unit", rnd.pk, large.pk))
    assert errors(response) == [
        f"Unit {large.code} is not one your family may choose now. Choose one from the list."
    ]
    # A unit the round does not offer is not there at all.
    assert client.post(url("portal_choose_unit", rnd.pk, cast.vacant_e1.pk)).status_code == 404
    assert not Selection.objects.exists()


def test_the_second_family_to_pick_a_unit_hears_it_was_taken(cast, rnd):
    first, second, _third = in_order(rnd)
    unit = offered(rnd, area="38.00")
    one, two = family(first), family(second)
    # Both open the confirmation of the same unit; the first confirms first.
    assert one.get(url("portal_choose_unit", rnd.pk, unit.pk)).status_code == 200
    assert one.post(url("portal_choose_unit", rnd.pk, unit.pk)).status_code == 302

    response = two.post(url("portal_choose_unit", rnd.pk, unit.pk))
    assert errors(response) == [f"Unit {unit.code} has just been chosen by another household."]
    assert list(Selection.objects.values_list("household", flat=True)) == [first.household_id]


# --- Declining -----------------------------------------------------------------------------


def test_a_family_declines_its_turn_and_the_refusal_counts_without_a_valid_reason(cast, rnd):
    first = in_order(rnd)[0]
    client = family(first)
    page = text(client.get(url("portal_choice_decline", rnd.pk)))
    assert "Your family has 0 such refusals so far; the rules allow 2. Beyond that:" in page

    response = client.post(url("portal_choice_decline", rnd.pk), {"reason": ""})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert not Refusal.objects.exists()

    # A family cannot mark its own reason valid, whatever it sends.
    response = client.post(
        url("portal_choice_decline", rnd.pk), {"reason": "离孩子学校太远", "valid": "on"}
    )
    assert response.status_code == 302 and errors(response) == []
    refusal = Refusal.objects.get()
    assert (refusal.entrant, refusal.reason, refusal.valid) == (first, "离孩子学校太远", False)
    assert refusal.recorded_by == response.wsgi_request.user
    assert WaitingEntry.objects.get(pk=first.waiting_entry_id).refusals == 1
    first.refresh_from_db()
    assert first.status == EntrantStatus.REFUSED
    assert round_turn(rnd) == in_order(rnd)[1]
    page = text(client.get(url("portal_choice", rnd.pk)))
    assert "Your family declined to choose in this round" in page
    assert "Counted as a refusal without a valid reason." in page


# --- Only one's own ------------------------------------------------------------------------


def test_another_familys_round_is_not_found(cast, rnd, client_for):
    unit = offered(rnd, area="38.00")
    # Alice's family has a home and entered no round; the officer has no household.
    for client in (client_for("alice"), client_for("officer")):
        assert client.get(url("portal_choice", rnd.pk)).status_code == 404
        assert client.get(url("portal_choose_unit", rnd.pk, unit.pk)).status_code == 404
        assert client.post(url("portal_choose_unit", rnd.pk, unit.pk)).status_code == 404
        assert client.post(url("portal_choice_decline", rnd.pk), {"reason": "x"}).status_code == 404
    assert not Selection.objects.exists() and not Refusal.objects.exists()
    # An entrant of this round asking for another round gets the same answer.
    other = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1), to="published")
    assert family(in_order(rnd)[0]).get(url("portal_choice", other.pk)).status_code == 404


def test_the_lease_offer_and_its_contract_are_shown_to_the_family_that_chose_only(
    cast, rnd, client_for
):
    first, second, _third = in_order(rnd)
    one, two = family(first), family(second)
    unit = offered(rnd, area="38.00")
    one.post(url("portal_choose_unit", rnd.pk, unit.pk))
    offer = lease_svc.lease_offer_create(
        Selection.objects.get(), actor=cast.operator, start=timezone.localdate()
    )

    page = text(one.get(url("portal_choice", rnd.pk)))
    assert f"Lease offer {offer.number}" in page
    assert "¥190.00" in page
    assert url("portal_offer_contract", offer.pk) in page
    response = one.get(url("portal_offer_contract", offer.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF

    for client in (two, client_for("alice"), client_for("officer")):
        assert client.get(url("portal_offer_contract", offer.pk)).status_code == 404


def test_the_application_page_leads_to_the_choice_while_the_round_is_published(cast, rnd):
    first = in_order(rnd)[0]
    client = family(first)
    page = text(client.get(url("portal_application")))
    assert url("portal_choice", rnd.pk) in page
    assert "You are number 1 in the order of choosing." in page
