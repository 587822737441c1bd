"""SLA compliance by property company and month: the numbers worked out by hand for
a small month of orders, the scope of the reader, and the page with its chart data
and its Excel export."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from anju.helpdesk.selectors.repair_reports import sla_compliance_for
from anju.helpdesk.services import workorder_answers as answers
from anju.helpdesk.services import workorder_work as work
from anju.helpdesk.services import workorders as svc

from . import test_workorders as base
from .test_workorders import assigned, finished, photo, report

w, frozen, english = base.w, base.frozen, base.english
D = datetime.date


@pytest.fixture
def month(w, frozen):
    """March 2026 at P1 (orders of Alice's unit) and P2, and one February order at P1;
    the report is read on Wednesday 11 March 10:00.

    - A: responded and done at once, rated 4;
    - B: responded late (the next day at noon), done late (11 March), rated 2;
    - C: done, reopened on 6 March, done again at once, not rated;
    - D: cancelled, left out;
    - E: nobody responded: both deadlines have passed;
    - F (P2): done at once, rated 5;
    - G (P1, February): done at once."""
    frozen.move_to("2026-02-10 10:00 +08:00")
    finished(w)
    frozen.move_to("2026-03-05 10:00 +08:00")
    answers.workorder_confirm(finished(w), actor=w.alice, rating=4)
    b = report(w)
    c = finished(w)
    report(w)
    answers.workorder_cancel(report(w), actor=w.operator, reason="重复")
    f = svc.workorder_assign(report(w, unit=w.cast.unit_c), actor=w.propmgr2, repairer=w.repairer2)
    f = work.workorder_start(f, actor=w.repairer2)
    f = work.workorder_done(f, actor=w.repairer2, note="好", photos=[photo()])
    answers.workorder_confirm(f, actor=w.charlie, rating=5)
    frozen.move_to("2026-03-06 09:00 +08:00")
    c = answers.workorder_reopen(c, actor=w.alice, reason="还漏")
    c = work.workorder_start(c, actor=w.repairer)
    work.workorder_done(c, actor=w.repairer, note="再修", photos=[photo()])
    frozen.move_to("2026-03-06 12:00 +08:00")
    b = work.workorder_start(assigned(w, b), actor=w.repairer)
    frozen.move_to("2026-03-11 10:00 +08:00")
    b = work.workorder_done(b, actor=w.repairer, note="好了", photos=[photo()])
    answers.workorder_confirm(b, actor=w.alice, rating=2)


def test_compliance_by_company_and_month_counts_what_the_rules_say(w, month):
    rows = sla_compliance_for(w.officer, first=D(2026, 2, 1), last=D(2026, 3, 31))
    by_key = {(r.company, r.month): r for r in rows}
    assert set(by_key) == {
        ("康居物业", D(2026, 2, 1)),
        ("康居物业", D(2026, 3, 1)),
        ("宏达物业", D(2026, 3, 1)),
    }
    march = by_key[("康居物业", D(2026, 3, 1))]
    assert march.orders == 4
    assert (march.respond_ok, march.respond_due, march.respond_rate) == (2, 4, 50.0)
    assert (march.done_ok, march.done_due, march.done_rate) == (2, 4, 50.0)
    assert (march.rated, march.rating) == (2, 3.0)
    assert (march.reopened, march.finished, march.reopen_rate) == (1, 3, 33.3)
    other = by_key[("宏达物业", D(2026, 3, 1))]
    assert (other.orders, other.respond_rate, other.done_rate, other.rating) == (1, 100, 100, 5)
    assert other.reopen_rate == 0
    february = by_key[("康居物业", D(2026, 2, 1))]
    assert (february.orders, february.done_rate, february.rating) == (1, 100, None)


def test_the_whole_span_adds_the_months_up(w, month):
    totals = sla_compliance_for(w.officer, first=D(2026, 2, 1), last=D(2026, 3, 1), by_month=False)
    p1 = next(t for t in totals if t.company == "康居物业")
    assert (p1.month, p1.orders, p1.respond_ok, p1.respond_due) == (None, 5, 3, 5)
    assert (p1.done_ok, p1.done_due) == (3, 5)


def test_a_property_company_reads_only_its_own_numbers(w, month):
    rows = sla_compliance_for(w.propmgr, first=D(2026, 2, 1), last=D(2026, 3, 1))
    assert {r.company for r in rows} == {"康居物业"}
    assert sla_compliance_for(w.cast.users["agency"], first=D(2026, 3, 1), last=D(2026, 3, 1)) == []


def test_the_report_page_draws_its_charts_and_exports_the_rows(w, month, client_for):
    client = client_for("officer")
    url = reverse("repair_sla_report") + "?first=2026-02&last=2026-03"
    page = client.get(url)
    assert page.status_code == 200
    chart = page.context["chart"]
    assert chart["months"] == ["2026-02", "2026-03"]
    assert chart["companies"] == ["康居物业", "宏达物业"]
    assert chart["done"] == [60.0, 100.0]
    series = {s["name"]: s["done"] for s in chart["series"]}
    assert series["康居物业"] == [100.0, 50.0] and series["宏达物业"] == [None, 100.0]
    assert 'id="sla-data"' in page.content.decode()
    export = client.get(url + "&format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "Property company" and len(rows) == 4
    assert rows[2][:3] == ("康居物业", "2026-03", 4)
    # The property manager exports its own company's rows only; the property
    # repairer, without the export permission, gets the page.
    manager = client_for("propmgr").get(url + "&format=xlsx")
    mine = list(openpyxl.load_workbook(io.BytesIO(manager.content)).active.values)
    assert {row[0] for row in mine[1:]} == {"康居物业"}
    repairer = client_for("repairer").get(url + "&format=xlsx")
    assert repairer["Content-Type"].startswith("text/html")
