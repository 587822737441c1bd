"""The visit form in a real Chromium at a phone's size: an inspector records an answered
visit, adds a person who is not registered, marks a checklist issue and a follow-up
note, and the tenant signs on the screen; the drawn signature is kept as a PNG.

Run with `pytest -m browser -p no:xdist`."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from anju.supervision.models import InspectionVisit
from anju.supervision.services.inspections import task_from_flag
from anju.testing.cast import PASSWORD, build_cast

from .matrix.inspections import make_flag, person_id

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_an_inspector_records_a_signed_visit_on_a_phone(phone: Page, live_server, transactional_db):
    cast = build_cast()
    task = task_from_flag(make_flag(cast.unit_a), actor=cast.operator, assign_to=cast.operator)
    page = phone
    page.set_default_timeout(10_000)
    page.goto(live_server.url + reverse("login"))
    page.locator("input[name=username]").fill("operator")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.goto(live_server.url + reverse("inspection_my_tasks"))
    page.get_by_test_id(f"visit-{task.number}").click()

    # Nobody answered: the sections of an answered visit hide.
    page.locator("label[for=id_outcome_1]").click()
    expect(page.locator("[data-signature-pad]")).to_be_hidden()
    page.locator("label[for=id_outcome_0]").click()
    expect(page.locator("[data-signature-pad]")).to_be_visible()

    page.locator("input[name=people-0-name]").fill("王小明")
    page.locator("input[name=people-0-id_number]").fill("140402199001011243")
    page.locator("[data-add-row=people]").click()
    page.locator("input[name=people-1-name]").fill("刘某")
    page.locator("input[name=people-1-id_number]").fill(person_id(11))
    for key in ("use", "condition", "safety"):
        page.locator(f"label[for=id_{key}_result_0]").click()
    page.locator("label[for=id_alterations_result_1]").click()
    page.locator("input[name=alterations_note]").fill("次卧加装隔断")
    page.locator("input[name=notes-0-text]").fill("隔断需拆除")
    page.locator("input[name=notes-0-follow_up]").check()

    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for i in range(1, 15):
        page.mouse.move(box["x"] + 20 + i * 20, box["y"] + 100 + (25 if i % 2 else -25))
    page.mouse.up()
    page.get_by_test_id("save-visit").click()

    expect(page.locator(".alert-warning").first).to_contain_text("刘某")
    visit = InspectionVisit.objects.get()
    assert visit.signature and not visit.signature_refused
    with visit.signature.open("rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert visit.follow_ups == ["隔断需拆除"]
    assert visit.checklist["alterations"] == {"result": "issue", "note": "次卧加装隔断"}
    assert {p.name: p.registered for p in visit.people.all()} == {"王小明": True, "刘某": False}
    expect(page.get_by_test_id("signature")).to_be_visible()
