"""From evidence to a decision, through a real Chromium: the door and meter data of an
estate are ingested; the authority's officer runs a screening from its page and finds
a unit whose registered tenant is hardly ever seen while two unknown cards come and go
every day; the officer raises an inspection task from the flag and gives it to the
operator's clerk; the clerk, on a phone, records the visit (a stranger at home, the
tenant refuses to sign) and opens a sublet case from the finding; the clerk issues the
rectification order and records the tenant's statement; the officer decides a penalty
under art. 36, which bills the fine and the back rent and writes the bad-conduct record
with its ban.

Only the cast, a rule set, the households and their data are made beforehand. Run with
`pytest -m browser -p no:xdist`. Set ANJU_WALK_SCREENSHOTS to a folder to keep a
screenshot of each step."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from anju.households.models import BadConductRecord
from anju.supervision.models import (
    CaseStatus,
    CaseType,
    FlagKind,
    InspectionTask,
    ScreeningFlag,
    TaskStatus,
    ViolationCase,
)
from anju.tenancy.models import Bill
from anju.testing.admission import make_ruleset
from anju.testing.browser import Walk
from anju.testing.cast import build_cast
from anju.testing.tenancy import housed_household

from .screening_fixtures import enrol, feed, person_id

pytestmark = pytest.mark.browser

DAYS = 60


@pytest.fixture
def world(transactional_db):
    cast = build_cast()
    officer = cast.users["officer"]
    today = timezone.localdate()
    make_ruleset(officer, year=today.year, effective_from=today.replace(month=1, day=1))
    until = today - datetime.timedelta(days=1)
    # An ordinary household, and one whose tenant lives elsewhere.
    members = list(cast.alice_household.members.order_by("id"))
    enrol(members[0], "A-HEAD", actor=officer)
    enrol(members[1], "A-KID", actor=officer)
    feed(cast.unit_a, until=until, days=DAYS, member_refs=["A-HEAD", "A-KID"], kwh=Decimal(5))
    sublet = housed_household(
        cast.e1,
        "WALK-S",
        officer,
        start=today.replace(month=1, day=1),
        end=today.replace(year=today.year + 2),
        head={"name": "住户951", "id_number": person_id(951)},
    )
    enrol(sublet.head, "S-HEAD", actor=officer)
    feed(
        sublet.unit,
        until=until,
        days=DAYS,
        member_refs=["S-HEAD"],
        member_days=lambda i: i % 20 == 0,
        visitor_refs=["X-1", "X-2"],
        visitor_days=lambda i: True,
    )
    return cast, sublet, until


def test_a_flag_becomes_an_inspection_a_case_and_a_penalty(page, live_server, world):
    cast, sublet, until = world
    walk = Walk(page, live_server)
    page.set_default_timeout(15_000)

    # 1. The officer runs a screening over the last 60 days from the results page.
    walk.log_in("officer")
    walk.go("screening_results")
    form = page.get_by_test_id("run-form")
    form.locator("input[name=until]").fill(until.isoformat())
    form.locator("input[name=window_days]").fill(str(DAYS))
    form.locator("button").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "done")
    walk.go("screening_results")
    flag = ScreeningFlag.objects.get(unit=sublet.unit)
    assert flag.flag == FlagKind.SUBLET
    assert not ScreeningFlag.objects.filter(unit=cast.unit_a).exists()
    row = page.locator(f"tr[data-flag='{flag.pk}']")
    expect(row).to_contain_text(sublet.unit.code)
    expect(row).to_contain_text(re.compile(r"\d+"))
    walk.shot("flag")

    # 2. … raises an inspection task from the flag and gives it to the operator's clerk.
    row.get_by_test_id("inspect").locator("button").click()
    task = InspectionTask.objects.get(flag=flag)
    expect(page).to_have_url(re.compile(reverse("inspection_task_detail", args=[task.pk])))
    assign = page.get_by_test_id("assign")
    assign.locator("select").select_option(str(cast.users["operator"].pk))
    assign.locator("button").click()
    walk.said()
    task.refresh_from_db()
    assert task.assigned_to == cast.users["operator"]

    # 3. The clerk, on a phone, visits: a stranger is at home, the tenant will not sign,
    # and the finding opens a sublet case.
    page.set_viewport_size({"width": 390, "height": 844})
    walk.log_in("operator")
    walk.go("inspection_my_tasks")
    page.get_by_test_id(f"visit-{task.number}").click()
    page.locator("label[for=id_outcome_0]").click()
    page.locator("input[name=people-0-name]").fill("陌生人")
    page.locator("input[name=people-0-id_number]").fill(person_id(952))
    page.locator("input[name=people-0-id_sighted]").check()
    for key in ("condition", "alterations", "safety"):
        page.locator(f"label[for=id_{key}_result_0]").click()
    page.locator("label[for=id_use_result_1]").click()
    page.locator("input[name=use_note]").fill("两名非登记人员居住，自称月租1500元")
    page.locator("input[name=signature_refused]").check()
    page.locator("label[for=id_finding_2]").click()
    page.locator("select[name=case_type]").select_option(CaseType.SUBLET)
    page.locator("textarea[name=summary]").fill("承租人将住房转租他人")
    walk.shot("visit")
    page.get_by_test_id("save-visit").click()
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    case = ViolationCase.objects.get(inspection=task)
    assert (case.type, case.household) == (CaseType.SUBLET, sublet)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    # 4. The clerk issues the rectification order and records the tenant's statement.
    page.set_viewport_size({"width": 1280, "height": 900})
    walk.go("case_detail", case.pk)
    notice = page.get_by_test_id("notice-form")
    notice.locator("select[name=kind]").select_option("rectification")
    notice.locator("button").click()
    walk.said()
    expect(page.get_by_test_id("notice-pdf")).to_be_visible()
    statement = page.get_by_test_id("statement-form")
    statement.locator("textarea[name=text]").fill("因外出务工，将房屋借给亲戚居住。")
    statement.locator("button").click()
    walk.said()
    case.refresh_from_db()
    assert case.status == CaseStatus.STATEMENT and case.notice_document

    # 5. The officer decides a penalty: illegal income of 3,000 lets the fine reach 9,000;
    # the officer sets 2,000. The fine and the back rent are billed, the ban recorded.
    walk.log_in("officer")
    walk.go("case_detail", case.pk)
    page.get_by_test_id("decide-link").click()
    decide = page.get_by_test_id("decide-form")
    decide.locator("label.form-selectgroup-item", has=page.locator("input[value=penalty]")).click()
    decide.locator("textarea[name=reasons]").fill("经入户核查及承租人陈述，转租事实成立。")
    decide.locator("input[name=breach_began_on]").fill(
        (until - datetime.timedelta(days=40)).isoformat()
    )
    decide.locator("input[name=illegal_income]").fill("3000")
    decide.locator("input[name=fine]").fill("2000")
    # Leaving the field previews the penalty (htmx); wait for it, so that the preview's
    # request is not still running when the form is sent.
    decide.locator("input[name=fine]").press("Tab")
    expect(page.get_by_test_id("preview")).to_contain_text("2000")
    walk.shot("decide")
    decide.locator("button.btn-primary").click()
    walk.said()
    case.refresh_from_db()
    assert (case.status, case.outcome, case.fine) == (
        CaseStatus.DECIDED,
        "penalty",
        Decimal("2000.00"),
    )
    assert case.back_rent > 0
    bills = {b.kind: b.amount for b in Bill.objects.filter(household=sublet)}
    assert bills["fine"] == Decimal("2000.00") and bills["back_rent"] == case.back_rent
    record = BadConductRecord.objects.get(household=sublet)
    assert record.reason == "sublet"
    assert record.banned_until.year == case.decided_on.year + 5
    expect(page.get_by_test_id("bills")).to_contain_text("2000.00")
    walk.shot("decided")
