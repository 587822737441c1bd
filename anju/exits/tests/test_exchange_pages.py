"""The exchange pages: a request walked from the counter to the move through the forms,
the list and its filters (constant query count), the swap board with a pair proposed,
consented at the counter and approved with its four handovers, a transfer ordered; the
four answers (works, outsider 404, read-only 403, wrong method 405); bad input shows a
clear error and writes nothing."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.exits.models import Exchange, ExchangeRequest, MutualPair, PairStatus, RequestStatus
from anju.exits.services import exchanges as svc
from anju.exits.services import mutual
from anju.exits.tests.matrix.exchanges import (
    building_of,
    family,
    move_post,
    mutual_request,
    pair_post,
    unit_in,
)
from anju.households.models import Lease, LeaseStatus
from anju.housing.models import UnitStatus
from anju.supervision.models import PointRule
from anju.supervision.services.points import points_record
from anju.testing.admission import make_ruleset

D = datetime.date
TODAY = D(2026, 6, 10)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10)), tick=False):
        yield


@pytest.fixture
def rules(cast):
    return make_ruleset(cast.officer)


def login(cast, username):
    client = Client()
    client.force_login(cast.users[username])
    return client


def errors(response):
    """The errors this request added (those of earlier redirects not yet shown wait in
    the same storage)."""
    added = get_messages(response.wsgi_request)._queued_messages
    return [str(m) for m in added if m.level_tag == "error"]


def home(cast, number="PX1", estate=None, **extra):
    values = {"start": D(2025, 1, 1), "end": D(2028, 1, 1)}
    return family(estate or cast.e1, number, cast.officer, **(values | extra))


def test_a_request_is_walked_from_the_counter_to_the_move(cast, rules):
    household = home(cast)
    old_unit = household.unit
    spare = building_of(cast.e1)
    target = unit_in(spare, "E1-PX-NEW", area="36.00", floor=1)
    community, officer, operator = (login(cast, u) for u in ("community", "officer", "operator"))
    # The clerk finds the household by its number.
    found = community.get(reverse("exchange_request_new"), {"number": "PX1"})
    assert found["Location"] == reverse("exchange_request_new") + f"?household={household.pk}"
    url = found["Location"]
    page = community.get(url)
    assert page.status_code == 200 and "40 m²" in page.content.decode()
    response = community.post(
        url,
        {
            "kind": "exchange",
            "reason": "lower_floor",
            "estates": [cast.e1.pk],
            "max_floor": "2",
            "needs_lift": "on",
            "note": "Grandmother moved in; the stairs are too much.",
        },
    )
    request = ExchangeRequest.objects.get()
    assert response["Location"] == reverse("exchange_request", args=[request.pk])
    assert (request.channel, request.max_floor, request.needs_lift) == ("counter", 2, True)
    # The officer sees the criteria as they stand and approves.
    page = officer.get(response["Location"]).content.decode()
    assert 'data-testid="criterion-points" data-passed="yes"' in page
    assert "as they stand today" in page
    response = officer.post(
        reverse("exchange_decide", args=[request.pk]), {"decision": "approve", "note": ""}
    )
    assert not errors(response)
    page = officer.get(reverse("exchange_request", args=[request.pk])).content.decode()
    assert "E1-PX-NEW" in page and 'data-testid="offer-E1-PX-NEW"' in page
    assert "as decided on 2026-06-10" in page
    response = officer.post(reverse("exchange_offer", args=[request.pk]), {"unit": target.pk})
    assert not errors(response)
    target.refresh_from_db()
    assert target.status == UnitStatus.RESERVED
    # The operator records the move on a phone.
    move = operator.get(reverse("exchange_carry_out", args=[request.pk]))
    text = move.content.decode()
    assert move.status_code == 200 and 'name="out-unit_after"' in text
    assert 'name="in-unit_after"' not in text and 'name="in-charge-walls"' not in text
    response = operator.post(reverse("exchange_carry_out", args=[request.pk]), move_post(TODAY))
    assert not errors(response), errors(response)
    assert response["Location"] == reverse("exchange_request", args=[request.pk])
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    old_unit.refresh_from_db()
    target.refresh_from_db()
    assert (old_unit.status, target.status) == (UnitStatus.VACANT, UnitStatus.OCCUPIED)
    page = operator.get(reverse("exchange_request", args=[request.pk])).content.decode()
    for text in ("Moved on 2026-06-10", "L-PX1-HJ1", "¥360.00 a month", "E1-PX-NEW"):
        assert text in page, text


def test_a_bad_handover_shows_every_problem_keeps_the_typed_values_and_writes_nothing(cast, rules):
    household = home(cast)
    target = unit_in(building_of(cast.e1), "E1-PX-NEW", area="36.00")
    request = svc.exchange_decide(
        svc.exchange_request(
            household, actor=cast.officer, kind="exchange", reason="work", channel="counter"
        ),
        actor=cast.officer,
        approve=True,
    )
    request = svc.exchange_offer(request, actor=cast.officer, unit=target)
    data = move_post(TODAY) | {"out-item-walls": "defect", "out-note-walls": "", "in-keys": "x"}
    data["out-remark"] = "Tenant present"
    response = login(cast, "operator").post(reverse("exchange_carry_out", args=[request.pk]), data)
    assert response.status_code == 200  # the form again, with the error shown on it
    text = response.content.decode()
    assert "Move-out: “Walls and ceilings” is not in order: say what is wrong" in text
    assert "Move-in: Keys must be a whole number" in text
    assert 'value="Tenant present"' in text
    assert 'id="out-defect-walls" value="defect" checked' in text
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED
    assert household.leases.get().status == LeaseStatus.ACTIVE
    assert not Exchange.objects.exists()


def test_approval_is_refused_on_the_page_when_a_criterion_fails(cast, rules):
    household = home(cast)
    rule = PointRule.objects.filter(active=True, warning_first=False).first()
    points_record(household, actor=cast.officer, rule=rule, occurred_on=D(2026, 5, 20))
    request = svc.exchange_request(
        household, actor=cast.officer, kind="exchange", reason="work", channel="counter"
    )
    officer = login(cast, "officer")
    page = officer.get(reverse("exchange_request", args=[request.pk])).content.decode()
    assert 'data-testid="criterion-points" data-passed="no"' in page
    assert '<option value="approve">' not in page  # only a refusal is offered
    response = officer.post(
        reverse("exchange_decide", args=[request.pk]), {"decision": "approve", "note": ""}
    )
    assert "may not apply for a voluntary exchange" in errors(response)[0]
    response = officer.post(
        reverse("exchange_decide", args=[request.pk]), {"decision": "refuse", "note": ""}
    )
    assert errors(response) == ["Say why the request is refused."]
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    officer.post(
        reverse("exchange_decide", args=[request.pk]),
        {"decision": "refuse", "note": "Points for littering in May."},
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED and request.eligibility[0]["passed"] is False


def test_offering_a_unit_that_is_not_vacant_shows_an_error(cast, rules):
    request = svc.exchange_decide(
        svc.exchange_request(
            home(cast), actor=cast.officer, kind="exchange", reason="work", channel="counter"
        ),
        actor=cast.officer,
        approve=True,
    )
    response = login(cast, "officer").post(
        reverse("exchange_offer", args=[request.pk]), {"unit": cast.unit_a.pk}
    )
    assert errors(response) == [
        f"Unit {cast.unit_a.code} is not vacant (Occupied): it cannot be offered."
    ]
    response = login(cast, "officer").post(reverse("exchange_offer", args=[request.pk]), {})
    assert errors(response) == ["Choose one of the matching units."]
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_the_list_filters_and_keeps_its_query_count(cast, rules):
    for i in range(3):
        svc.exchange_request(
            home(cast, f"PL{i}"),
            actor=cast.officer,
            kind="exchange",
            reason="work",
            channel="counter",
        )
    mutual_request(home(cast, "PLM", size=2, area="45.00"), cast.officer)
    officer = login(cast, "officer")
    page = officer.get(reverse("exchange_requests")).content.decode()
    assert all(f"PL{i}" in page for i in range(3)) and "PLM" in page
    page = officer.get(reverse("exchange_requests"), {"kind": "mutual"}).content.decode()
    assert "PLM" in page and "PL0" not in page
    page = officer.get(reverse("exchange_requests"), {"status": "approved"}).content.decode()
    assert "PLM" in page and "PL0" not in page
    page = officer.get(reverse("exchange_requests"), {"estate": cast.e2.pk}).content.decode()
    assert "PL0" not in page
    with CaptureQueriesContext(connection) as few:
        officer.get(reverse("exchange_requests"))
    for i in range(3, 8):
        svc.exchange_request(
            home(cast, f"PL{i}"),
            actor=cast.officer,
            kind="exchange",
            reason="work",
            channel="counter",
        )
    with CaptureQueriesContext(connection) as more:
        officer.get(reverse("exchange_requests"))
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_four_answers(cast, rules):
    mine = svc.exchange_request(
        home(cast), actor=cast.officer, kind="exchange", reason="work", channel="counter"
    )
    theirs = svc.exchange_request(
        home(cast, "PX2", estate=cast.e2),
        actor=cast.officer,
        kind="exchange",
        reason="work",
        channel="counter",
    )
    operator, auditor = login(cast, "operator"), login(cast, "auditor")
    assert operator.get(reverse("exchange_request", args=[mine.pk])).status_code == 200
    assert operator.get(reverse("exchange_request", args=[theirs.pk])).status_code == 404
    url = reverse("exchange_request_new") + f"?household={theirs.household_id}"
    assert operator.get(url).status_code == 404
    decide = reverse("exchange_decide", args=[mine.pk])
    assert auditor.post(decide, {"decision": "approve"}).status_code == 403
    assert operator.post(decide, {"decision": "approve"}).status_code == 403  # the authority's
    assert login(cast, "officer").get(decide).status_code == 405
    mine.refresh_from_db()
    assert mine.status == RequestStatus.SUBMITTED


def test_a_transfer_is_ordered_with_its_reason(cast, rules):
    household = home(cast)
    officer = login(cast, "officer")
    url = reverse("exchange_transfer_new") + f"?household={household.pk}"
    page = officer.get(url).content.decode()
    assert "Redevelopment" in page and "Household size changed" not in page
    response = officer.post(url, {"reason": "redevelopment", "note": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = officer.post(url, {"reason": "major_repair", "note": "Roof replaced in block 3."})
    request = ExchangeRequest.objects.get()
    assert response["Location"] == reverse("exchange_request", args=[request.pk])
    assert (request.kind, request.status) == ("transfer", RequestStatus.APPROVED)
    page = officer.get(response["Location"]).content.decode()
    assert "not tested for eligibility" in page
    assert login(cast, "community").get(url).status_code == 403


def test_a_swap_is_proposed_consented_at_the_counter_and_approved(cast, rules):
    a = mutual_request(home(cast, "PA", size=2, area="45.00"), cast.officer)
    b = mutual_request(home(cast, "PB", size=2, area="48.00"), cast.officer)
    officer, community = login(cast, "officer"), login(cast, "community")
    board = community.get(reverse("mutual_pairs")).content.decode()
    assert "PA" in board and "PB" in board and 'data-testid="propose"' not in board
    response = officer.post(reverse("mutual_pairs_propose"))
    assert [str(m) for m in get_messages(response.wsgi_request)._queued_messages] == [
        "1 pair proposed; both households are told to consent."
    ]
    pair = MutualPair.objects.get()
    page = community.get(reverse("mutual_pair", args=[pair.pk])).content.decode()
    assert "The other unit suits this household." in page
    for request in (a, b):
        response = community.post(
            reverse("mutual_pair_consent", args=[pair.pk]), {"household": request.household_id}
        )
        assert not errors(response)
    pair.refresh_from_db()
    assert pair.status == PairStatus.CONSENTED
    assert community.get(reverse("mutual_pair_approve", args=[pair.pk])).status_code == 403
    page = officer.get(reverse("mutual_pair_approve", args=[pair.pk])).content.decode()
    assert 'name="first-out-unit_after"' not in page  # ready to let: the other moves in
    assert page.count('data-testid="handover-') == 4
    response = officer.post(reverse("mutual_pair_approve", args=[pair.pk]), pair_post(TODAY))
    assert not errors(response), errors(response)
    pair.refresh_from_db()
    assert pair.status == PairStatus.DONE
    assert Lease.objects.get(number="L-PA-HJ1").unit == b.unit
    assert Lease.objects.get(number="L-PB-HJ1").unit == a.unit
    page = officer.get(reverse("mutual_pair", args=[pair.pk])).content.decode()
    assert "L-PA-HJ1" in page and "¥480.00 a month" in page


def test_a_pair_is_declined_by_a_household_and_only_the_authority_refuses_it(cast, rules):
    a = mutual_request(home(cast, "PA", size=2, area="45.00"), cast.officer)
    mutual_request(home(cast, "PB", size=2, area="48.00"), cast.officer)
    mutual.pairs_propose(TODAY)
    pair = MutualPair.objects.get()
    community = login(cast, "community")
    url = reverse("mutual_pair_decline", args=[pair.pk])
    response = community.post(url, {"household": "", "reason": "Not suitable."})
    assert errors(response) == ["Only the authority refuses a pair; say which household declines."]
    response = community.post(url, {"household": cast.charlie_household.pk, "reason": "x"})
    assert errors(response) == ["Choose one of the pair's households in your estates."]
    response = community.post(url, {"household": a.household_id, "reason": ""})
    assert errors(response) == ["Reason: This field is required."]
    pair.refresh_from_db()
    assert pair.status == PairStatus.PROPOSED
    response = community.post(url, {"household": a.household_id, "reason": "Job fell through."})
    assert not errors(response)
    pair.refresh_from_db()
    assert pair.status == PairStatus.DECLINED and pair.note == "Job fell through."


def test_consent_is_recorded_only_for_a_household_in_the_clerks_estates(cast, rules):
    a = mutual_request(home(cast, "PA", size=2, area="45.00"), cast.officer, estates=[cast.e2])
    b = mutual_request(
        home(cast, "PB", estate=cast.e2, size=2, area="45.00"), cast.officer, estates=[cast.e1]
    )
    mutual.pairs_propose(TODAY)
    pair = MutualPair.objects.get()
    operator = login(cast, "operator")  # E1's: sees the pair through its first household
    page = operator.get(reverse("mutual_pair", args=[pair.pk])).content.decode()
    assert 'data-testid="consent-1"' in page and 'data-testid="consent-2"' not in page
    response = operator.post(
        reverse("mutual_pair_consent", args=[pair.pk]), {"household": b.household_id}
    )
    assert errors(response) == ["Choose one of the pair's households in your estates."]
    response = operator.post(
        reverse("mutual_pair_consent", args=[pair.pk]), {"household": a.household_id}
    )
    assert not errors(response)


def test_withdrawing_at_the_counter_needs_a_reason(cast, rules):
    request = svc.exchange_request(
        home(cast), actor=cast.officer, kind="exchange", reason="work", channel="counter"
    )
    community = login(cast, "community")
    url = reverse("exchange_withdraw", args=[request.pk])
    assert errors(community.post(url, {"reason": ""})) == ["Reason: This field is required."]
    assert not errors(community.post(url, {"reason": "The family stays."}))
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


def test_the_move_page_shows_the_move_in_state_beside_each_item(cast, rules):
    household = home(cast)
    lease = household.leases.get()
    from anju.exits.services.handover_record import handover_record
    from anju.exits.tests.matrix.exchanges import handover

    rows = handover()["checklist"]
    rows[2] = {"item": "floor", "ok": False, "note": "Scratched tiles by the door"}
    handover_record(
        actor=cast.officer,
        direction="in",
        household=household,
        lease=lease,
        unit=household.unit,
        on=D(2025, 1, 1),
        **handover(checklist=rows),
    )
    target = unit_in(building_of(cast.e1), "E1-PX-NEW", area="36.00")
    request = svc.exchange_decide(
        svc.exchange_request(
            household, actor=cast.officer, kind="exchange", reason="work", channel="counter"
        ),
        actor=cast.officer,
        approve=True,
    )
    request = svc.exchange_offer(request, actor=cast.officer, unit=target)
    page = login(cast, "operator").get(reverse("exchange_carry_out", args=[request.pk]))
    text = page.content.decode()
    assert "Scratched tiles by the door" in text
    assert text.count("At move-in") == 7


def test_the_swap_board_keeps_its_query_count(cast, rules):
    def pair(tag):
        for side in ("A", "B"):
            mutual_request(home(cast, f"{tag}{side}", size=2, area="45.00"), cast.officer)
        mutual.pairs_propose(TODAY)

    officer = login(cast, "officer")
    pair("Q1")
    mutual_request(home(cast, "QW1", size=1, area="38.00"), cast.officer)
    with CaptureQueriesContext(connection) as few:
        page = officer.get(reverse("mutual_pairs")).content.decode()
    assert "Q1A" in page and "QW1" in page
    for tag in ("Q2", "Q3", "Q4"):
        pair(tag)
    mutual_request(home(cast, "QW2", size=1, area="38.00"), cast.officer)
    with CaptureQueriesContext(connection) as more:
        page = officer.get(reverse("mutual_pairs")).content.decode()
    assert "Q4B" in page and "QW2" in page
    assert len(more.captured_queries) == len(few.captured_queries)
