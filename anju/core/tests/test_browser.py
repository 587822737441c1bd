"""User journeys through a real Chromium against pytest-django's live server.

Run them with `pytest -m browser -p no:xdist`. Every test builds the named cast in a
transactional database, because the live server answers from another thread and only
sees committed rows.
"""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from anju.housing.models import Unit, UnitStatus
from anju.testing.cast import IDS, PASSWORD, build_cast

pytestmark = pytest.mark.browser


@pytest.fixture
def cast(transactional_db):
    return build_cast()


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


def log_in(page: Page, live_server, username: str, then: str = ""):
    """Log in through the form; `then` is the page to land on instead of the dashboard."""
    page.goto(url(live_server, "login") + (f"?{urlencode({'next': then})}" if then else ""))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    # A failed log-in stays on the login page; everyone in the cast gets the navbar.
    expect(page.get_by_test_id("logout")).to_be_attached()


def test_officer_logs_in_and_sees_the_unit_count_on_the_dashboard(page, live_server, cast):
    log_in(page, live_server, "officer")

    expect(page).to_have_url(url(live_server, "home"))
    # The officer works for the whole district: both estates' six units each.
    assert Unit.objects.count() == 12
    expect(page.get_by_test_id("total-units")).to_have_text("12")
    expect(page.get_by_role("link", name=re.compile("E1 康居苑"))).to_be_visible()


def test_search_by_pinyin_initials_finds_the_person(page, live_server, cast):
    log_in(page, live_server, "officer", then=reverse("unit_list"))

    # At 1366 px the navbar keeps a button to the search page, where the box is.
    page.get_by_test_id("global-search-link").click()
    search = page.get_by_test_id("page-search")
    search.fill("wxm")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=wxm$"))
    results = page.get_by_test_id("member-results")
    expect(results.get_by_role("link", name="王小明")).to_be_visible()
    # The ID number stays masked in a result list.
    expect(results).not_to_contain_text(IDS["alice"])


def test_revealing_an_id_number_shows_it_and_the_auditor_sees_the_reveal(
    page, live_server, cast, new_context
):
    head = cast.alice_household.members.get(name="王小明")
    log_in(
        page,
        live_server,
        "officer",
        then=reverse("household_detail", args=[cast.alice_household.pk]),
    )
    expect(page.locator(f"#id-{head.pk}")).not_to_contain_text(IDS["alice"])

    page.get_by_test_id(f"reveal-id-{head.pk}").click()

    expect(page.get_by_test_id("revealed")).to_have_text(IDS["alice"])

    auditor_page = new_context().new_page()
    log_in(auditor_page, live_server, "auditor", then=reverse("audit_log"))
    auditor_page.get_by_test_id("audit-tab-access").click()

    expect(auditor_page).to_have_url(url(live_server, "audit_log") + "?kind=access")
    expect(auditor_page.get_by_test_id("audit-tab-access")).to_have_class(re.compile(r"\bactive\b"))
    reveal_row = auditor_page.get_by_test_id("audit-table").locator(
        "tbody tr", has_text="reveal.id_number"
    )
    expect(reveal_row).to_have_count(1)
    expect(reveal_row).to_contain_text("officer")
    expect(reveal_row).to_contain_text("王小明")


def test_status_board_shows_one_coloured_cell_per_unit_and_opens_the_unit(page, live_server, cast):
    building = cast.unit_a.building
    units = {u.code[-4:]: u for u in building.units.all()}
    log_in(page, live_server, "officer", then=reverse("building_detail", args=[building.pk]))

    cells = page.get_by_test_id("status-board").locator("a.board-cell")
    expect(cells).to_have_count(len(units))
    for i in range(len(units)):
        cell = cells.nth(i)
        unit = units[cell.inner_text().strip()]
        expect(cell).to_have_attribute("data-status", unit.status)

    # Alice lives in unit_a; the unit next door is empty. Each cell wears its status's
    # colour from the legend above the board, and the two colours differ.
    colours = {}
    for status in (UnitStatus.OCCUPIED, UnitStatus.VACANT):
        cell = page.locator(f'a.board-cell[data-status="{status}"]').first
        dot = page.locator(f".legend-dot.st-{status}")
        colours[status] = dot.evaluate("e => getComputedStyle(e).backgroundColor")
        expect(cell).to_have_css("background-color", colours[status])
    assert colours[UnitStatus.OCCUPIED] != colours[UnitStatus.VACANT]

    page.get_by_test_id("status-board").get_by_role("link", name=cast.unit_a.code[-4:]).click()

    expect(page).to_have_url(url(live_server, "unit_detail", cast.unit_a.pk))
    expect(page.locator(".page-title")).to_contain_text(cast.unit_a.code)


def test_community_worker_cannot_open_a_household_of_another_street(page, live_server, cast):
    log_in(page, live_server, "community", then=reverse("household_list"))
    # The worker's own community's household opens, so the 404 below is about scope.
    own = page.goto(url(live_server, "household_detail", cast.alice_household.pk))
    assert own.status == 200
    expect(page.get_by_test_id("members")).to_contain_text("王小明")

    response = page.goto(url(live_server, "household_detail", cast.charlie_household.pk))

    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("张查理")
    expect(page.locator("body")).not_to_contain_text(cast.charlie_household.number)


def test_navbar_language_button_switches_the_navigation_between_chinese_and_english(
    page, live_server, cast
):
    with translation.override("zh-hans"):
        dashboard_zh = translation.gettext("Dashboard")
    assert dashboard_zh != "Dashboard", "the zh_Hans catalogue does not translate the navbar"
    log_in(page, live_server, "officer", then=reverse("unit_list"))
    nav = page.locator("#navbar-menu")
    # The browser asks for zh-CN, so the first page is in Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("link", name=dashboard_zh)).to_be_visible()

    page.get_by_test_id("lang-en").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page).to_have_url(url(live_server, "unit_list"))

    page.get_by_test_id("lang-zh").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav.get_by_role("link", name=dashboard_zh)).to_be_visible()


def test_at_phone_width_the_navbar_toggler_opens_the_menu(page, live_server, cast):
    with translation.override("zh-hans"):
        housing_zh = translation.gettext("Housing")
        units_zh = translation.gettext("Units")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "officer", then=reverse("unit_list"))
    menu = page.locator("#navbar-menu")
    expect(menu).to_be_hidden()

    page.locator(".navbar-toggler").click()

    expect(menu).to_be_visible()
    menu.get_by_role("button", name=housing_zh).or_(
        menu.get_by_role("link", name=housing_zh)
    ).first.click()
    expect(menu.get_by_role("link", name=units_zh)).to_be_visible()
    expect(page.get_by_test_id("global-search")).to_be_visible()
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
