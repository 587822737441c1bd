"""The exits dashboard on hand-built cases: the counts by stage, the overdue steps (the
oldest first, with the days overdue and who acts next), the households overstaying with
the market rent billed so far, the days from the decision to an empty unit per estate
and per reason (exact numbers, and the CSV file), scoping (an operator of E1 sees none
of E2's cases in any number), a constant number of queries, and the four answers.

The cases are built through the case services, with time frozen at each step. The
move-out handover has its own service (another part of this issue); the cases handed
over here get their `stage`, `handed_over_on` and `due_on` with `queryset.update` in
the arrange step instead, as that service would leave them."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anju.exits.models import ExitCase, ExitChannel, ExitReason, Stage
from anju.exits.selectors import dashboard as sel
from anju.exits.services import billing
from anju.exits.services import cases as svc
from anju.tenancy.models import Bill, BillKind
from anju.tenancy.services.payments import payment_record
from anju.testing.admission import make_ruleset
from anju.testing.tenancy import housed_household

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = D(2026, 8, 10)


@pytest.fixture(autouse=True)
def english(settings, monkeypatch):
    settings.LANGUAGE_CODE = "en"
    monkeypatch.setattr(svc, "notice_pdf", lambda case: PDF)  # typesetting: see test_cases
    with translation.override("en"):
        yield


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def login(cast, username) -> Client:
    """A client signed in at the frozen time (sessions expire, and tests travel)."""
    client = Client()
    client.force_login(cast.users[username])
    return client


# --- Arrange ------------------------------------------------------------------------------


def _housed(estate, number, officer, rent="600.00"):
    return housed_household(
        estate, number, officer, start=D(2025, 1, 1), end=D(2028, 1, 1), rent=rent
    )


def _opened(estate, number, officer, *, on, reason=ExitReason.RECERTIFICATION, rent="600.00"):
    household = _housed(estate, number, officer, rent)
    with at(on):
        return svc.case_open(
            household, actor=officer, reason=reason, channel=ExitChannel.STAFF, on=on
        )


def _decided(estate, number, officer, *, opened, decided, **kw):
    case = _opened(estate, number, officer, on=opened, **kw)
    with at(decided):
        return svc.case_decide(case, actor=officer, decision="No longer qualifies.", on=decided)


def _past_deadline(estate, number, officer, *, reason=ExitReason.RECERTIFICATION, rent="600.00"):
    """Decided and noticed on 1 April (out by 1 June), still there on 2 June: an
    overstay at market rent, or the court for arrears."""
    case = _opened(estate, number, officer, on=D(2026, 3, 2), reason=reason, rent=rent)
    with at(D(2026, 4, 1)):
        case = svc.case_decide(case, actor=officer, decision="Must vacate.")
        case = svc.notice_issue(case, actor=officer)
    with at(D(2026, 6, 2)):
        svc.overstay_begin(case, today=D(2026, 6, 2))
    case.refresh_from_db()
    return case


def _handed_over(estate, number, officer, *, decided, handed, reason, closed=True):
    if reason == ExitReason.VOLUNTARY:
        household = _housed(estate, number, officer)
        with at(decided - datetime.timedelta(days=3)):
            case = svc.exit_request(
                household,
                actor=officer,
                move_out_on=decided + datetime.timedelta(days=30),
                channel=ExitChannel.COUNTER,
            )
        with at(decided):
            case = svc.case_decide(case, actor=officer, decision="Agreed.", on=decided)
    else:
        case = _decided(
            estate,
            number,
            officer,
            opened=decided - datetime.timedelta(days=3),
            decided=decided,
            reason=reason,
        )
    # The handover's own service belongs to another part of the issue: set the fields
    # it leaves (the keys back, the settlement due, or the case closed) directly.
    ExitCase.objects.filter(pk=case.pk).update(
        stage=Stage.CLOSED if closed else Stage.HANDED_OVER,
        handed_over_on=handed,
        due_on=None if closed else handed + datetime.timedelta(days=15),
        closed_on=handed if closed else None,
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def world(cast):
    """Cases in E1 (the operator's) and E2, at every stage, as of 10 August 2026."""
    officer = cast.officer
    make_ruleset(officer)
    e1, e2 = cast.e1, cast.e2
    w = {
        # E1
        "x_open": _opened(e1, "X1", officer, on=D(2026, 7, 20)),  # due 30 Jul: 11 days late
        "x_open_recent": _opened(e1, "X2", officer, on=D(2026, 8, 5)),  # due 15 Aug
        "x_decided": _decided(e1, "X3", officer, opened=D(2026, 7, 1), decided=D(2026, 7, 2)),
        "x_overstay": _past_deadline(e1, "X4", officer),
        "x_court": _past_deadline(e1, "X5", officer, reason=ExitReason.ARREARS),
        "x_settle": _handed_over(
            e1,
            "X6",
            officer,
            decided=D(2026, 1, 10),
            handed=D(2026, 3, 11),  # 60 days
            reason=ExitReason.RECERTIFICATION,
            closed=False,
        ),
        "x_closed": _handed_over(
            e1,
            "X7",
            officer,
            decided=D(2026, 2, 1),
            handed=D(2026, 4, 12),  # 70 days
            reason=ExitReason.RECERTIFICATION,
        ),
        "x_voluntary": _handed_over(
            e1,
            "X8",
            officer,
            decided=D(2026, 5, 1),
            handed=D(2026, 5, 22),  # 21 days
            reason=ExitReason.VOLUNTARY,
        ),
        "x_last_year": _handed_over(
            e1,
            "X9",
            officer,
            decided=D(2025, 10, 1),
            handed=D(2025, 12, 1),  # 61 days, in 2025
            reason=ExitReason.RECERTIFICATION,
        ),
        # E2
        "y_open": _opened(e2, "Y1", officer, on=D(2026, 7, 1)),  # due 11 Jul: 30 days late
        "y_overstay": _past_deadline(e2, "Y2", officer, rent="900.00"),
        "y_closed": _handed_over(
            e2,
            "Y3",
            officer,
            decided=D(2026, 2, 1),
            handed=D(2026, 6, 1),  # 120 days
            reason=ExitReason.RECERTIFICATION,
        ),
    }
    # Market rent for June (from the 2nd), July and August.
    for day in (D(2026, 6, 2), D(2026, 7, 1), TODAY):
        with at(day):
            billing.exit_bills_raise(day)
    # X4 pays June's market rent (1,160.00) at the counter.
    with at(D(2026, 7, 5)):
        payment_record(w["x_overstay"].household, actor=officer, amount="1160.00", channel="cash")
    for case in w.values():
        case.refresh_from_db()
    return w


def board_for(cast, username, **kw):
    return sel.dashboard(cast.users[username], today=TODAY, **kw)


def counts(board) -> dict[str, tuple[int, int]]:
    return {s.stage: (s.count, s.overdue) for s in board.stages}


# --- Cases by stage -------------------------------------------------------------------------


def test_the_officer_counts_every_case_of_the_district_by_stage(cast, world):
    assert world["x_court"].stage == Stage.LITIGATION  # arrears go to court
    assert world["x_overstay"].stage == Stage.OVERSTAY
    board = board_for(cast, "officer")
    assert counts(board) == {
        Stage.OPEN: (3, 2),
        Stage.DECIDED: (1, 1),
        Stage.MOVING: (0, 0),
        Stage.OVERSTAY: (2, 0),
        Stage.LITIGATION: (1, 1),
        Stage.HANDED_OVER: (1, 1),
        Stage.CLOSED: (4, 0),
        Stage.WITHDRAWN: (0, 0),
    }
    assert board.live == 8 and board.overdue_total == 5


def test_an_operator_of_e1_counts_only_e1s_cases(cast, world):
    board = board_for(cast, "operator")
    assert counts(board) == {
        Stage.OPEN: (2, 1),
        Stage.DECIDED: (1, 1),
        Stage.MOVING: (0, 0),
        Stage.OVERSTAY: (1, 0),
        Stage.LITIGATION: (1, 1),
        Stage.HANDED_OVER: (1, 1),
        Stage.CLOSED: (3, 0),
        Stage.WITHDRAWN: (0, 0),
    }


def test_the_estate_filter_narrows_the_officers_numbers(cast, world):
    board = board_for(cast, "officer", estate=cast.e2)
    assert counts(board)[Stage.OPEN] == (1, 1)
    assert board.overstays.count == 1
    assert [s.label for s in board.spans.by_estate] == ["E2 安泰小区"]


# --- Overdue steps --------------------------------------------------------------------------


def test_overdue_steps_are_grouped_by_stage_oldest_first_with_who_acts_next(cast, world):
    board = board_for(cast, "officer")
    got = [
        (g.stage, g.actor, g.count, [(c.number, c.days_overdue) for c in g.cases])
        for g in board.overdue
    ]
    w = world
    assert got == [
        (Stage.OPEN, "authority", 2, [(w["y_open"].number, 30), (w["x_open"].number, 11)]),
        (Stage.DECIDED, "authority", 1, [(w["x_decided"].number, 34)]),
        # filing due 30 days after the overstay began (2 June): 2 July
        (Stage.LITIGATION, "court", 1, [(w["x_court"].number, 39)]),
        # the deposit is settled within 15 days of the keys (11 March): 26 March
        (Stage.HANDED_OVER, "operator", 1, [(w["x_settle"].number, 137)]),
    ]
    assert w["x_open_recent"].number not in {c.number for g in board.overdue for c in g.cases}


def test_each_stage_lists_at_most_its_oldest_overdue_cases(cast, world):
    cases = sel.cases_for(cast.officer)
    stages = sel.stage_counts(cases, today=TODAY)
    groups = sel.overdue_steps(cases, today=TODAY, counts=stages, per_stage=1)
    first = groups[0]
    assert first.stage == Stage.OPEN and first.count == 2 and first.more == 1
    assert [c.number for c in first.cases] == [world["y_open"].number]


# --- Households overstaying ----------------------------------------------------------------------


def test_overstays_show_the_market_rent_billed_so_far_and_what_was_paid(cast, world):
    x4, y2 = world["x_overstay"], world["y_overstay"]
    board = board_for(cast, "officer")
    rows = {c.number: c for c in board.overstays.cases}
    assert list(rows) == [x4.number, y2.number]  # same day: by case number
    # 1,200 a month from 2 June: 29/30 of June, July, August
    assert rows[x4.number].billed == Decimal("3560.00")
    assert rows[x4.number].paid == Decimal("1160.00")
    assert rows[x4.number].days_over == 70  # 2 June to 10 August
    # 1,800 a month: 1,740 + 1,800 + 1,800
    assert rows[y2.number].billed == Decimal("5340.00")
    assert rows[y2.number].paid == Decimal("0.00")
    assert board.overstays.count == 2
    assert board.overstays.billed == Decimal("8900.00")
    assert board.overstays.paid == Decimal("1160.00")


def test_a_cancelled_or_another_cases_bill_is_not_counted_as_billed(cast, world):
    x4 = world["x_overstay"]
    june = Bill.objects.get(source_key=f"exit:{x4.number}:overstay:2026-06")
    Bill.objects.filter(pk=june.pk).update(status="cancelled")
    # A bill of the same lease under another case's key (an earlier, withdrawn case).
    Bill.objects.create(
        household=x4.household,
        lease=x4.lease,
        estate=x4.estate,
        kind=BillKind.OVERSTAY,
        period=D(2025, 1, 1),
        due_on=D(2025, 1, 1),
        amount=Decimal("999.00"),
        source_key="exit:TC202400001:overstay:2025-01",
    )
    board = board_for(cast, "operator")
    row = next(c for c in board.overstays.cases if c.pk == x4.pk)
    assert row.billed == Decimal("2400.00")
    assert board.overstays.billed == Decimal("2400.00")  # the totals too
    assert board.overstays.paid == Decimal("0.00")  # June's payment was on June's bill


# --- From the decision to an empty unit ----------------------------------------------------


def spans(result):
    return [(s.label, s.cases, s.total_days, s.average, s.longest) for s in result]


def test_average_days_from_decision_to_empty_unit_per_estate_and_reason(cast, world):
    board = board_for(cast, "officer")
    assert board.spans.year == 2026
    assert spans(board.spans.by_estate) == [
        ("E1 康居苑", 3, 151, Decimal("50.3"), 70),  # 60 + 70 + 21
        ("E2 安泰小区", 1, 120, Decimal("120.0"), 120),
    ]
    assert spans(board.spans.by_reason) == [  # in the order of the reasons
        ("Voluntary exit", 1, 21, Decimal("21.0"), 21),
        ("No longer qualifies at recertification", 3, 250, Decimal("83.3"), 120),
    ]
    o = board.spans.overall
    assert (o.cases, o.total_days, o.average, o.longest) == (4, 271, Decimal("67.8"), 120)


def test_the_averages_of_another_year(cast, world):
    board = board_for(cast, "officer", year=2025)
    assert spans(board.spans.by_estate) == [("E1 康居苑", 1, 61, Decimal("61.0"), 61)]
    board = board_for(cast, "officer", year=2024)
    assert board.spans.by_estate == [] and board.spans.overall.average is None


def test_an_operator_of_e1_sees_none_of_e2s_cases_in_any_number(cast, world):
    board = board_for(cast, "operator")
    assert spans(board.spans.by_estate) == [("E1 康居苑", 3, 151, Decimal("50.3"), 70)]
    assert spans(board.spans.by_reason) == [
        ("Voluntary exit", 1, 21, Decimal("21.0"), 21),
        ("No longer qualifies at recertification", 2, 130, Decimal("65.0"), 70),
    ]
    assert board.spans.overall.average == Decimal("50.3")
    assert board.overstays.count == 1 and board.overstays.billed == Decimal("3560.00")
    listed = {c.number for g in board.overdue for c in g.cases}
    assert listed == {world[k].number for k in ("x_open", "x_decided", "x_court", "x_settle")}
    # Nor does the page, nor its CSV file.
    with at(TODAY):
        client = login(cast, "operator")
        page = client.get(reverse("exits_dashboard")).content.decode()
        data = client.get(reverse("exits_dashboard"), {"format": "csv"}).content.decode()
    for key in ("y_open", "y_overstay", "y_closed"):
        assert world[key].number not in page
    assert "Y1" not in page and "Y2" not in page and "安泰小区" not in page
    assert "安泰小区" not in data and "5340" not in page


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_counts_links_overdue_overstays_and_averages(cast, world):
    with at(TODAY):
        response = login(cast, "officer").get(reverse("exits_dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    cases_url = reverse("exit_cases")
    assert f'href="{cases_url}?stage=open"' in text
    assert f'href="{cases_url}?stage=overstay"' in text
    assert f"{cases_url}?stage=open&amp;overdue=1" in text
    assert reverse("exit_case", args=[world["y_open"].pk]) in text
    assert 'data-testid="count-open">3<' in text
    assert "Next: Authority" in text and "Next: Court" in text and "Next: Operator" in text
    assert 'data-testid="billed-total">8,900.00<' in text
    assert 'data-testid="overall-average">67.8<' in text
    assert 'data-series="estates"' in text and 'id="exits-dashboard-data"' in text
    assert "vendor/echarts/echarts.min.js" in text


def test_the_page_keeps_the_estate_in_its_links(cast, world):
    with at(TODAY):
        response = login(cast, "officer").get(
            reverse("exits_dashboard"), {"estate": cast.e2.pk, "year": 2026}
        )
    text = response.content.decode()
    assert f"?stage=open&amp;estate={cast.e2.pk}" in text
    assert world["x_open"].number not in text and world["y_open"].number in text


def test_the_csv_file_has_the_averages_per_estate_and_reason(cast, world):
    with at(TODAY):
        response = login(cast, "auditor").get(reverse("exits_dashboard"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "exits-decision-to-empty-2026.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Breakdown", "Estate or reason", "Year handed over", "Cases"]
    assert rows[1:] == [
        ["Estate", "E1 康居苑", "2026", "3", "151", "50.3", "70"],
        ["Estate", "E2 安泰小区", "2026", "1", "120", "120.0", "120"],
        ["Reason", "Voluntary exit", "2026", "1", "21", "21.0", "21"],
        ["Reason", "No longer qualifies at recertification", "2026", "3", "250", "83.3", "120"],
        ["All", "All cases", "2026", "4", "271", "67.8", "120"],
    ]


def test_a_bad_year_or_estate_falls_back_to_this_year_and_all_estates(cast, world):
    url = reverse("exits_dashboard")
    with at(TODAY):
        client = login(cast, "operator")
        # E2 is not the operator's: as if no estate were chosen.
        response = client.get(url, {"year": "abc", "estate": cast.e2.pk})
        assert response.status_code == 200
        assert response.context["year"] == 2026 and response.context["estate"] is None
        assert response.context["board"].spans.overall.cases == 3
        # A bad year keeps a good estate.
        response = client.get(url, {"year": "1899", "estate": cast.e1.pk})
        assert response.context["year"] == 2026 and response.context["estate"] == cast.e1
        # A year without handovers is offered in the list once asked for.
        response = client.get(url, {"year": "2023"})
        assert response.context["board"].spans.overall.cases == 0
        assert '<option value="2023" selected>2023</option>' in response.content.decode()


def test_an_empty_district_shows_a_calm_page(cast):
    with at(TODAY):
        response = login(cast, "officer").get(reverse("exits_dashboard"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "No step is past its deadline." in text
    assert "No household is overstaying at market rent." in text
    assert "No case was handed over in 2026." in text


def test_the_four_answers(cast):
    url = reverse("exits_dashboard")
    assert login(cast, "street").get(url).status_code == 200
    assert login(cast, "repairer").get(url).status_code == 403  # sees estates, not exits
    assert login(cast, "agency").get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert login(cast, "officer").post(url).status_code == 405


def page_queries(client) -> int:
    url = reverse("exits_dashboard")
    client.get(url)  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"year": 2026}).status_code == 200
    return len(queries)


def test_the_page_asks_a_fixed_number_of_queries(cast, world, django_assert_max_num_queries):
    with at(TODAY):
        client = login(cast, "operator")
        few = page_queries(client)
    # More of everything: overdue cases, overstays with bills, handovers in another
    # reason.
    officer = cast.officer
    for i in range(3):
        _opened(cast.e1, f"XM{i}", officer, on=D(2026, 7, 1))
        _past_deadline(cast.e1, f"XO{i}", officer)
        _handed_over(
            cast.e1,
            f"XH{i}",
            officer,
            decided=D(2026, 3, 1),
            handed=D(2026, 4, 1),
            reason=ExitReason.LEASE_EXPIRED if i else ExitReason.ARREARS,
        )
    with at(TODAY):
        billing.exit_bills_raise(TODAY)
        client = login(cast, "operator")
        client.get(reverse("exits_dashboard"))
        # 8 for the session (read, and saved in a savepoint on every request), the
        # user, its roles and second factor, and the organisation in the menu; 9 for
        # the page: the years, the stages, the overdue cases, the overstays' totals
        # and rows, the three averages, and the estates of the filter.
        with django_assert_max_num_queries(17):
            assert client.get(reverse("exits_dashboard"), {"year": 2026}).status_code == 200
        many = page_queries(client)
    assert many == few
