"""From "must exit" to a unit back in the pool, through a real Chromium: the yearly
recertification has put a household on the "must vacate" list; the authority's
officer turns the listing into an exit case, decides it and issues the vacate notice
(its preview shows the deadline and both rents first); two and a half months pass,
the nightly step runs, and the overstay's market-rent bill appears on the case; the
operator's clerk, on a phone, takes the keys back; the unit is vacant on the estate's
status board, and the lease has ended on the day the keys came back.

Only the cast, a rule set and the household are made beforehand. Run with
`pytest -m browser -p no:xdist`. Set ANJU_WALK_SCREENSHOTS to a folder to keep a
screenshot of each step."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from anju.exits.models import ExitCase, Stage
from anju.exits.tasks.nightly import exits_nightly_task
from anju.households.models import LeaseStatus
from anju.housing.handover import CHECKLIST_ITEMS
from anju.housing.models import UnitStatus
from anju.tenancy.models import Bill, BillKind, ListingStatus, VacateReason
from anju.tenancy.services.vacate import listing_add
from anju.testing.admission import make_ruleset
from anju.testing.browser import Walk
from anju.testing.cast import build_cast
from anju.testing.tenancy import housed_household

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    cast = build_cast()
    officer = cast.users["officer"]
    today = timezone.localdate()
    make_ruleset(officer, year=today.year, effective_from=today.replace(month=1, day=1))
    household = housed_household(
        cast.e1,
        "WALK-X",
        officer,
        start=today.replace(year=today.year - 2, month=1, day=1),
        end=today.replace(year=today.year + 2, month=1, day=1),
        rent="620.00",
    )
    listing, _new = listing_add(
        household,
        actor=officer,
        reason=VacateReason.RECERTIFICATION,
        evidence={"人均月收入": "¥5,900（为限额的5.9倍）", "结论": "超过最高档，应退出"},
    )
    return cast, household, listing


def test_a_must_exit_household_overstays_pays_market_rent_and_hands_the_unit_back(
    page, live_server, world
):
    cast, household, listing = world
    walk = Walk(page, live_server)
    page.set_default_timeout(15_000)
    unit = household.unit

    # 1. The officer turns the listing into an exit case and decides it.
    walk.log_in("officer")
    walk.go("vacate_list")
    page.get_by_test_id("open-exit").locator("button").click()
    walk.said()
    case = ExitCase.objects.get(listing=listing)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.EXIT_OPENED
    expect(page.get_by_test_id("evidence")).to_contain_text("5.9")
    page.get_by_test_id("decide-link").click()
    form = page.get_by_test_id("decide-form")
    form.locator("textarea[name=decision]").fill("年度复核人均收入超过最高档，确无其他住房。")
    form.locator("button.btn-primary").click()
    walk.said()

    # 2. … previews the notice (deadline two months on, contract rent, market rent at
    # twice it) and issues it.
    page.get_by_test_id("notice-link").click()
    expect(page.get_by_test_id("moving-rent")).to_contain_text("620.00")
    expect(page.get_by_test_id("market-rent")).to_contain_text("1240.00")
    walk.shot("notice-preview")
    page.get_by_test_id("notice-form").locator("button.btn-primary").click()
    walk.said()
    expect(page.get_by_test_id("notice-pdf")).to_be_visible()
    case.refresh_from_db()
    assert case.stage == Stage.MOVING and case.market_rent == Decimal("1240.00")
    unit.refresh_from_db()
    assert unit.status == UnitStatus.VACATING

    # 3. Time passes: three days after the deadline the nightly step has run (twice);
    # the case is an overstay and market rent is billed once for each month from the
    # day after the deadline to the end of this month.
    later = case.vacate_by + datetime.timedelta(days=3)
    with time_machine.travel(datetime.datetime.combine(later, datetime.time(9)), tick=True):
        exits_nightly_task.call_local()
        exits_nightly_task.call_local()
        bills = Bill.objects.filter(household=household, kind=BillKind.OVERSTAY).order_by("period")
        first_day = case.vacate_by + datetime.timedelta(days=1)
        months = (later.year - first_day.year) * 12 + later.month - first_day.month + 1
        assert bills.count() == months
        assert bills.first().period_start == first_day
        overstay = bills.last()  # the month the keys come back in
        walk.log_in("officer")  # the session did not survive the months
        walk.go("exit_case", case.pk)
        expect(page.get_by_test_id("bills")).to_contain_text(str(overstay.amount))
        walk.shot("overstay")

        # 4. The operator's clerk, on a phone, takes the keys back; the unit is vacant.
        page.set_viewport_size({"width": 390, "height": 844})
        walk.log_in("operator")
        walk.go("exit_case", case.pk)
        page.get_by_test_id("handover-link").click()
        form = page.get_by_test_id("handover-form")
        form.locator("input[name=unit]").fill(unit.code)
        for item in CHECKLIST_ITEMS:
            form.locator(f"label[for=ok-{item}]").click()
        form.locator("input[name=meter-water]").fill("213.4")
        form.locator("input[name=meter-electricity]").fill("6120.8")
        form.locator("input[name=keys]").fill("2")
        form.locator("input[name=cards]").fill("2")
        form.locator("label[for=id_unit_after_0]").click()
        walk.shot("handover")
        page.get_by_test_id("handover-submit").click()
        walk.said()
        case.refresh_from_db()
        assert case.stage == Stage.HANDED_OVER and case.handed_over_on == later
        lease = case.lease
        lease.refresh_from_db()
        assert lease.status == LeaseStatus.TERMINATED and lease.ended_on == case.vacate_by
        overstay.refresh_from_db()
        assert overstay.period_end == later  # cut back to the day the keys came back

        page.set_viewport_size({"width": 1280, "height": 900})
        walk.go("building_detail", unit.building_id)
        cell = page.get_by_test_id("status-board").locator(f"a[title^='{unit.code} ']")
        expect(cell).to_have_attribute("data-status", UnitStatus.VACANT)
        walk.shot("board")
    unit.refresh_from_db()
    assert unit.status == UnitStatus.VACANT
