"""The yearly recertification through a real Chromium: Alice declares on the portal an
income that puts her household in the first band of tiered rent; the authority's
officer computes the campaign's outcomes (a background job with its progress page) and
confirms the over-income outcome from the households list; Alice then finds her new
rent, and the date it starts, on her portal page.

Only the cast, a published rule set and the open campaign are made beforehand. Run with
`pytest -m browser -p no:xdist`. Set ANJU_WALK_SCREENSHOTS to a folder to keep a
screenshot of each step."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from anju.tenancy.models import Outcome, RecertCase, RecertStatus
from anju.tenancy.services.recertification import campaign_open, first_of_next_month
from anju.testing.admission import make_ruleset
from anju.testing.browser import Walk
from anju.testing.cast import build_cast

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign(transactional_db):
    cast = build_cast()
    today = timezone.localdate()
    make_ruleset(cast.officer, year=today.year, effective_from=today.replace(month=1, day=1))
    opened = campaign_open(
        actor=cast.officer, year=today.year, name="年度资格复核", estates=[cast.e1, cast.e2]
    )
    return cast, opened


def test_a_tenant_declares_an_officer_confirms_tiered_rent_and_the_tenant_sees_it(
    page, live_server, campaign
):
    cast, opened = campaign
    walk = Walk(page, live_server)
    page.set_default_timeout(10_000)
    household = cast.alice_household
    head, child = household.members.current().order_by("id")

    # 1. Alice declares on the portal: 8,000 a month for two people, 2.5× the limit.
    walk.log_in("alice")
    walk.go("portal_recert")
    page.get_by_test_id("declare-link").click()
    page.locator(f"input[name=income_{head.pk}]").fill("8000")
    page.locator(f"input[name=income_{child.pk}]").fill("0")
    page.locator("input[name=consent]").check()
    walk.shot("declare")
    page.get_by_test_id("submit-declaration").click()
    walk.said()
    expect(page).to_have_url(walk.base + reverse("portal_recert"))
    case = RecertCase.objects.get(campaign=opened, household=household)
    assert (case.status, case.declaration.channel) == (RecertStatus.DECLARED, "portal")

    # 2. The officer computes the outcomes; the job's page shows it finished.
    walk.log_in("officer")
    walk.go("recert_campaign_detail", opened.pk)
    page.get_by_test_id("compute").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "done")
    walk.shot("computed")
    page.get_by_role("link", name=re.compile("See the result|查看结果")).click()
    expect(page.get_by_test_id("progress-estates")).to_be_visible()

    # 3. … and confirms Alice's over-income outcome from the households list.
    walk.go("recert_campaign_cases", opened.pk)
    row = page.locator(f"tr[data-household='{household.number}']")
    expect(row.locator("[data-outcome=tiered]")).to_contain_text("1.5×")
    row.locator("input[name=cases]").check()
    walk.shot("confirm")
    page.get_by_test_id("confirm-selected").click()
    walk.said()
    case.refresh_from_db()
    assert (case.status, case.confirmed_outcome) == (RecertStatus.CONFIRMED, Outcome.TIERED)

    # 4. Alice sees her new rent and the day it starts.
    walk.log_in("alice")
    walk.go("portal_recert")
    starts = first_of_next_month(timezone.localdate())
    new_rent = page.get_by_test_id("new-rent")
    expect(new_rent).to_contain_text(f"{starts:%Y-%m-%d}")
    expect(new_rent).to_contain_text("¥682.50")
    expect(new_rent).to_contain_text(re.compile(r"[(（]1\.5×[)）]"))
    expect(page.get_by_test_id("declare-link")).to_have_count(0)
    walk.shot("new-rent")
