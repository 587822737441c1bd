"""The allocation pages: a round prepared, closed, drawn, re-drawn and published by the
authority in the browser's way (forms and redirects); the public page and its files,
re-run by the script downloaded from the site; the selection screen for the authority
and for an operator; and the lease pages from the offer to the handover."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from anju.admission.models import (
    AllocationRound,
    EntrantStatus,
    LeaseOffer,
    Refusal,
    RoundStatus,
    Selection,
)
from anju.admission.selectors.allocation import round_turn
from anju.admission.services import lease as lease_svc
from anju.housing.models import UnitStatus

from .matrix.allocation import (
    PDF,
    choose_in_turn,
    make_round,
    new_units,
    signed_scan,
    waiting_households,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_contract(monkeypatch):
    """The contract's template is rendered, its typesetting skipped (test_lease.py reads
    a real one)."""
    monkeypatch.setattr(
        lease_svc,
        "render_pdf",
        lambda template, context: (render_to_string(template, context), PDF)[1],
    )


@pytest.fixture
def english(client_for):
    """Messages and errors in English: the clients ask for it, and so does the test."""
    made = {}

    def make(username):
        if username not in made:
            made[username] = client_for(username)
            made[username].cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return made[username]

    with translation.override("en"):
        yield make


def same_queries(client, url, grow):
    """The number of queries of `url` does not grow when `grow()` adds rows."""
    client.get(url)  # sessions, permissions and the like warmed up
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    grow()
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]
    return response


def errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def post(client, name, *args, data=None, follow=False):
    return client.post(reverse(name, args=args), data or {}, follow=follow)


# --- The authority's round pages ------------------------------------------------------------


def test_the_officer_runs_a_round_from_units_to_published_results(cast, client_for):
    officer = client_for("officer")
    units = new_units(cast.e1, 2)
    waiting_households(cast, 2)
    page = officer.get(reverse("round_create"), {"estate": cast.e1.pk})
    assert units[0].code in text(page)
    response = officer.post(
        reverse("round_create"),
        {
            "title": "康居苑第一批",
            "ruleset": page.context["ruleset_id"],
            "units": [u.pk for u in units],
        },
    )
    rnd = AllocationRound.objects.get(title="康居苑第一批")
    assert response["Location"] == reverse("round_entrants_add", args=[rnd.pk])
    page = officer.get(response["Location"])
    assert page.status_code == 200 and len(page.context["page"].object_list) >= 2
    post(officer, "round_entrants_add", rnd.pk, data={"all": "1"})
    assert rnd.entrants.count() == 2

    response = post(officer, "round_close", rnd.pk, follow=True)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED and not errors(response)
    assert rnd.entrants_hash in text(response) and rnd.seed_commitment in text(response)
    assert rnd.sealed_seed not in text(response)

    response = post(officer, "round_draw", rnd.pk, follow=True)
    draw = rnd.draws.get()
    assert draw.seed in text(response)

    post(officer, "round_announce_redraw", rnd.pk, data={"reason": "摇号时公证员未到场"})
    response = post(
        officer, "round_draw", rnd.pk, data={"reason": "摇号时公证员未到场"}, follow=True
    )
    assert not errors(response)
    assert rnd.draws.count() == 2
    response = post(officer, "round_publish", rnd.pk, follow=True)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.PUBLISHED and not errors(response)
    assert reverse("round_selection", args=[rnd.pk]) in text(response)


def test_a_redraw_without_a_reason_is_refused_with_a_message(cast, english):
    officer = english("officer")
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1), to="drawn")
    response = post(officer, "round_announce_redraw", rnd.pk, data={"reason": " "})
    assert response.status_code == 302
    assert errors(response) == ["Reason: This field is required."]
    assert rnd.draws.count() == 1


def test_a_service_refusal_is_shown_and_nothing_changes(cast, english):
    officer = english("officer")
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1), to="closed")
    response = post(officer, "round_publish", rnd.pk)
    assert errors(response) == [
        "A round cannot go from “Entrants closed, seed committed” to “Results published”."
    ]
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED


def test_the_round_list_counts_units_and_entrants_in_a_fixed_number_of_queries(cast, client_for):
    make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 2))

    def two_more():
        for _ in range(2):
            make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 2))

    response = same_queries(client_for("officer"), reverse("round_list"), two_more)
    rows = response.context["page"].object_list
    assert [(r.unit_count, r.entrant_count) for r in rows] == [(2, 2)] * 3


def test_a_street_reviewer_reads_the_rounds_of_its_estates_but_cannot_act(cast, client_for):
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1))
    other = make_round(cast, new_units(cast.e2, 1), waiting_households(cast, 1), title="安泰")
    street = client_for("street")
    assert street.get(reverse("round_detail", args=[rnd.pk])).status_code == 200
    assert street.get(reverse("round_detail", args=[other.pk])).status_code == 404
    assert post(street, "round_close", rnd.pk).status_code == 403
    assert "安泰" not in text(street.get(reverse("round_list")))


# --- The public pages ---------------------------------------------------------------------------


def test_the_public_page_shows_the_commitment_before_the_draw_and_no_name(cast, client):
    rnd = make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 2), to="closed")
    page = text(client.get(reverse("round_public", args=[rnd.number])))
    assert rnd.seed_commitment in page and rnd.entrants_hash in page
    assert rnd.sealed_seed not in page
    for entrant in rnd.entrants.select_related("household__head"):
        assert entrant.ticket in page
        assert entrant.household.head.name not in page
        assert entrant.household.number not in page


def test_a_round_being_prepared_is_not_public(cast, client):
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1))
    assert client.get(reverse("round_public", args=[rnd.number])).status_code == 404
    assert rnd.number not in text(client.get(reverse("round_public_list")))


def test_every_draw_and_its_reason_stay_public(cast, client, client_for):
    rnd = make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 3), to="drawn")
    officer = client_for("officer")
    post(officer, "round_announce_redraw", rnd.pk, data={"reason": "系统故障，重新摇号"})
    page = text(client.get(reverse("round_public", args=[rnd.number])))
    assert "系统故障，重新摇号" in page  # announced, not yet drawn
    rnd.refresh_from_db()
    assert rnd.seed_commitment in page
    post(officer, "round_draw", rnd.pk, data={"reason": "系统故障，重新摇号"})
    page = text(client.get(reverse("round_public", args=[rnd.number])))
    first, second = rnd.draws.order_by("seq")
    assert first.seed in page and second.seed in page
    assert f"{rnd.number}-draw-1.json" in page and f"{rnd.number}-draw-2.json" in page


def test_anyone_reruns_the_draw_from_the_files_and_the_script_on_the_site(cast, client, tmp_path):
    rnd = make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 4), to="published")
    script = tmp_path / "verify-lottery.py"
    script.write_bytes(client.get(reverse("lottery_script")).content)
    names = [f"{rnd.number}-entrants.csv", f"{rnd.number}-draw-1.json"]
    for name in names:
        response = client.get(reverse("round_public_file", args=[rnd.number, name]))
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        (tmp_path / name).write_bytes(response.content)
    result = subprocess.run(
        [sys.executable, "-I", str(script), *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("OK")


def test_a_file_the_round_does_not_publish_is_not_found(cast, client):
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1), to="closed")
    url = reverse("round_public_file", args=[rnd.number, f"{rnd.number}-draw-1.json"])
    assert client.get(url).status_code == 404  # not drawn yet
    url = reverse("round_public_file", args=[rnd.number, "settings.py"])
    assert client.get(url).status_code == 404


# --- The selection screen ---------------------------------------------------------------------


def test_the_selection_screen_shows_whose_turn_it_is_and_the_units_it_may_choose(cast, client_for):
    units = new_units(cast.e1, 3, accessible={2})
    units[1].area_m2 = "45.00"  # too large for one person (40 m²)
    units[1].save(update_fields=["area_m2"])
    rnd = make_round(cast, [units[0], units[2]], waiting_households(cast, 2), to="published")
    turn = round_turn(rnd)
    page = client_for("operator").get(reverse("round_selection", args=[rnd.pk]))
    assert page.context["turn"] == turn
    assert turn.ticket in text(page)
    # The barrier-free unit is open to all: nobody in the round needs one.
    assert [u.code for u in page.context["choosable"]] == [units[0].code, units[2].code]


def test_choosing_leads_the_clerk_to_the_lease_offer(cast, client_for):
    units = new_units(cast.e1, 2)
    rnd = make_round(cast, units, waiting_households(cast, 2), to="published")
    turn = round_turn(rnd)
    response = post(
        client_for("operator"), "entrant_choose", rnd.pk, turn.pk, data={"unit": units[1].pk}
    )
    selection = Selection.objects.get(entrant=turn)
    assert response["Location"] == reverse("lease_offer_create", args=[selection.pk])
    units[1].refresh_from_db()
    assert units[1].status == UnitStatus.RESERVED


def test_an_operator_hands_out_only_the_units_of_its_own_estates(cast, english):
    mine, theirs = new_units(cast.e1, 1)[0], new_units(cast.e2, 1)[0]
    rnd = make_round(cast, [mine, theirs], waiting_households(cast, 1), to="published")
    turn = round_turn(rnd)
    operator = english("operator")
    page = operator.get(reverse("round_selection", args=[rnd.pk]))
    assert page.context["mine"] == {mine.pk}
    response = post(operator, "entrant_choose", rnd.pk, turn.pk, data={"unit": theirs.pk})
    assert errors(response) == ["Choose one of the units offered in your estates."]
    assert not Selection.objects.exists()


def test_an_operator_of_another_estate_does_not_see_the_round(cast, client_for):
    rnd = make_round(cast, new_units(cast.e2, 1), waiting_households(cast, 1), to="published")
    assert client_for("operator").get(reverse("round_selection", args=[rnd.pk])).status_code == 404


def test_a_refusal_is_recorded_with_its_reason_and_validity(cast, client_for):
    rnd = make_round(cast, new_units(cast.e1, 2), waiting_households(cast, 2), to="published")
    first = round_turn(rnd)
    operator = client_for("operator")
    post(
        operator,
        "entrant_refuse",
        rnd.pk,
        first.pk,
        data={"reason": "楼层太高，老人上下不便", "valid": "on"},
    )
    second = round_turn(rnd)
    post(operator, "entrant_refuse", rnd.pk, second.pk, data={"reason": "不想要"})
    assert list(Refusal.objects.order_by("recorded_at").values_list("reason", "valid")) == [
        ("楼层太高，老人上下不便", True),
        ("不想要", False),
    ]
    first.waiting_entry.refresh_from_db()
    second.waiting_entry.refresh_from_db()
    assert (first.waiting_entry.refusals, second.waiting_entry.refusals) == (0, 1)
    page = text(operator.get(reverse("round_selection", args=[rnd.pk])))
    assert "不想要" in page


def test_a_household_with_no_unit_left_leaves_and_the_round_completes(cast, client_for):
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 2), to="published")
    choose_in_turn(cast, rnd, 1)
    left = round_turn(rnd)
    page = client_for("operator").get(reverse("round_selection", args=[rnd.pk]))
    assert page.context["choosable"] == []
    post(client_for("operator"), "entrant_no_unit", rnd.pk, left.pk)
    left.refresh_from_db()
    assert left.status == EntrantStatus.NO_UNIT
    response = post(client_for("officer"), "round_complete", rnd.pk)
    assert not errors(response)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.COMPLETED


# --- The lease pages ---------------------------------------------------------------------------


@pytest.fixture
def held(cast):
    rnd = make_round(cast, new_units(cast.e1, 1), waiting_households(cast, 1), to="published")
    return choose_in_turn(cast, rnd, 1)[0]


def test_the_offer_page_shows_the_rent_from_the_rules_before_anything_is_saved(
    cast, client_for, held
):
    page = client_for("operator").get(
        reverse("lease_offer_create", args=[held.pk]), {"start": "2027-01-01", "years": "3"}
    )
    terms = page.context["terms"]
    assert (terms.end.isoformat(), str(terms.monthly_rent)) == ("2030-01-01", "190.00")
    assert "¥190.00" in text(page)
    assert not LeaseOffer.objects.exists()


def test_a_term_longer_than_the_rules_allow_is_refused(cast, held, english):
    response = post(
        english("operator"),
        "lease_offer_create",
        held.pk,
        data={"start": "2027-01-01", "years": "6"},
    )
    assert "Term" in errors(response)[0]
    assert not LeaseOffer.objects.exists()


def test_from_offer_to_handover_in_the_operators_pages(cast, client_for, held):
    operator = client_for("operator")
    start = timezone.localdate().isoformat()
    response = post(operator, "lease_offer_create", held.pk, data={"start": start, "years": "5"})
    offer = LeaseOffer.objects.get()
    assert response["Location"] == reverse("lease_offer_detail", args=[offer.pk])
    contract = operator.get(reverse("lease_contract", args=[offer.pk]))
    assert contract["Content-Type"] == "application/pdf"
    assert b"".join(contract.streaming_content).startswith(b"%PDF-")

    response = post(operator, "lease_offer_sign", offer.pk, data={"signed_scan": signed_scan()})
    assert response["Location"] == reverse("lease_handover", args=[offer.pk])
    offer.refresh_from_db()
    scan = operator.get(reverse("lease_offer_document", args=[offer.pk, offer.signed_scan_id]))
    assert scan.status_code == 200

    head = held.household.head
    data = {f"item-{code}": "ok" for code in lease_svc.CHECKLIST_ITEMS}
    data.update(
        {
            "meter-water": "10",
            "meter-electricity": "200.5",
            "keys": "2",
            "cards": "2",
            f"cred-{head.pk}-1-kind": "face",
            f"cred-{head.pk}-1-ref": "FACE-77",
            "photos": [SimpleUploadedFile("room.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32)],
        }
    )
    response = post(operator, "lease_handover", offer.pk, data=data, follow=True)
    assert not errors(response)
    held.unit.refresh_from_db()
    assert held.unit.status == UnitStatus.OCCUPIED
    page = text(response)
    assert "FACE-77" in page and offer.number in page
    photo = response.context["photos"][0]
    assert (
        operator.get(reverse("lease_offer_document", args=[offer.pk, photo.pk])).status_code == 200
    )
    again = post(operator, "lease_handover", offer.pk, data=data)
    assert errors(again)


def test_a_bad_handover_comes_back_with_what_was_typed(cast, held, english):
    offer = lease_svc.lease_offer_create(held, actor=cast.operator, start=timezone.localdate())
    lease_svc.lease_offer_sign(offer, actor=cast.operator, signed_scan_file=signed_scan())
    response = post(
        english("operator"),
        "lease_handover",
        offer.pk,
        data={"item-walls": "defect", "meter-water": "12.3", "keys": "3", "cards": "x"},
    )
    assert response.status_code == 200
    message = errors(response)[0]
    assert "“Walls and ceilings” is not in order: say what is wrong." in message
    assert "Cards must be a whole number from 0 to 99." in message
    rows = {row["code"]: row for row in response.context["items"]}
    assert rows["walls"]["state"] == "defect"
    assert response.context["keys"] == "3"
    held.unit.refresh_from_db()
    assert held.unit.status == UnitStatus.RESERVED


def test_a_signed_scan_that_is_not_a_document_is_named(cast, held, english):
    offer = lease_svc.lease_offer_create(held, actor=cast.operator, start=timezone.localdate())
    bad = SimpleUploadedFile("合同.txt", "已签字".encode(), "text/plain")
    response = post(english("operator"), "lease_offer_sign", offer.pk, data={"signed_scan": bad})
    assert errors(response) == ["合同.txt is not a PDF, JPEG or PNG file."]
    offer.refresh_from_db()
    assert offer.signed_at is None


def test_the_offer_list_in_a_fixed_number_of_queries(cast, client_for):
    rnd = make_round(cast, new_units(cast.e1, 3), waiting_households(cast, 3), to="published")
    selections = choose_in_turn(cast, rnd, 3)
    lease_svc.lease_offer_create(selections[0], actor=cast.officer, start=timezone.localdate())

    def two_more():
        for selection in selections[1:]:
            lease_svc.lease_offer_create(selection, actor=cast.officer, start=timezone.localdate())

    operator = client_for("operator")
    response = same_queries(operator, reverse("lease_offer_list"), two_more)
    assert len(response.context["page"].object_list) == 3
    to_sign = operator.get(reverse("lease_offer_list"), {"stage": "sign"})
    assert len(to_sign.context["page"].object_list) == 3
    done = operator.get(reverse("lease_offer_list"), {"stage": "done"})
    assert len(done.context["page"].object_list) == 0
