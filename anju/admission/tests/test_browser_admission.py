"""One family's whole way in, through a real Chromium: it signs up and applies on the
portal, the three review levels approve it, the authority publishes and closes the
public notice, draws an allocation round, the operator records the family's choice,
prepares and signs the lease and hands the unit over, and the family finds its new
home on the portal.

Only the cast and a published rule set are made beforehand; every step of the walk is
done in the browser by the role that does it in real life, each logging in and out.
Run with `pytest -m browser -p no:xdist`. Set ANJU_WALK_SCREENSHOTS to a folder to keep
a screenshot of each step.
"""

import os
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from anju.admission.models import AllocationRound, Application, LeaseOffer
from anju.admission.services.lease import CHECKLIST_ITEMS
from anju.core import pii
from anju.housing.models import UnitStatus
from anju.testing.admission import APPLICANT_IDS, PDF, make_ruleset
from anju.testing.cast import PASSWORD, build_cast

pytestmark = pytest.mark.browser

PHONE = "13912345678"
FAMILY_PASSWORD = "anju-family-2026"
HEAD = ("李春华", APPLICANT_IDS[0], "1400")  # born 1980
CHILD = ("李小雨", APPLICANT_IDS[6], "0")  # born 2010
SHOTS = os.environ.get("ANJU_WALK_SCREENSHOTS", "")


def png(width=160, height=120) -> bytes:
    """A valid PNG of one grey-blue colour, for the handover photo."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = (b"\x00" + b"\x8c\xa0\xb4" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def cast(transactional_db):
    cast = build_cast()
    # Rules in force since two months ago, so that a notice can open in the past (below).
    since = timezone.localdate() - timedelta(days=60)
    make_ruleset(cast.officer, year=since.year, effective_from=since)
    return cast


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name in ("id_card", "hukou", "income", "signed_lease"):
        paths[name] = tmp_path / f"{name}.pdf"
        paths[name].write_bytes(PDF)
    paths["photo"] = tmp_path / "kitchen.png"
    paths["photo"].write_bytes(png())
    return paths


class Walk:
    """The browser, and the small moves every step repeats."""

    def __init__(self, page: Page, live_server):
        self.page = page
        self.base = live_server.url
        self.shots = 0

    def url(self, name, *args):
        return self.base + reverse(name, args=args)

    def go(self, name, *args):
        self.page.goto(self.url(name, *args))

    def log_in(self, username, password=PASSWORD, then=""):
        query = f"?{urlencode({'next': reverse(then)})}" if then else ""
        self.page.goto(self.url("login") + query)
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("logout")).to_be_attached()

    def log_out(self):
        # The log-out button sits in the account menu under the avatar.
        self.page.locator(".navbar a[data-bs-toggle=dropdown]:has(.ti-user)").click()
        self.page.get_by_test_id("logout").click()
        expect(self.page.get_by_test_id("login-submit")).to_be_visible()

    def said(self, pattern=None):
        """The page reports success (and no error) after a POST."""
        expect(self.page.locator(".alert-danger")).to_have_count(0)
        success = self.page.locator(".alert-success")
        expect(success.first).to_be_visible()
        if pattern:
            expect(success.first).to_contain_text(re.compile(pattern))

    def shot(self, name):
        if SHOTS:
            self.shots += 1
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=f"{SHOTS}/{self.shots:02d}-{name}.png", full_page=True)


def test_a_family_applies_on_the_portal_and_moves_in_with_each_step_done_by_its_role(
    page, live_server, cast, files
):
    walk = Walk(page, live_server)
    page.set_default_timeout(10_000)
    today = timezone.localdate()
    unit = cast.vacant_e1

    # 1. The family signs up with its phone and applies.
    walk.go("login")
    page.get_by_test_id("signup-link").click()
    page.locator("input[name=phone]").fill(PHONE)
    page.locator("input[name=full_name]").fill(HEAD[0])
    page.locator("input[name=password]").fill(FAMILY_PASSWORD)
    page.locator("input[name=password2]").fill(FAMILY_PASSWORD)
    page.get_by_test_id("signup-submit").click()
    walk.said(re.escape(pii.mask_phone(PHONE)))
    expect(page).to_have_url(walk.url("portal_apply"))

    start = page.get_by_test_id("apply-start")
    start.locator("select[name=category]").select_option("low_income")
    start.locator("select[name=community]").select_option(str(cast.community_a.pk))
    page.get_by_test_id("apply-start-submit").click()
    walk.said()

    details = page.get_by_test_id("details-form")
    details.locator("select[name=category]").select_option("low_income")
    details.locator("select[name=current_housing]").select_option("private_rent")
    details.locator("input[name=address]").fill("长治市L区英雄南路18号3单元201")
    details.locator("input[name=residence_years]").fill("8")
    details.locator("input[name=insurance_months]").fill("36")
    walk.shot("portal-details")
    details.locator("button[type=submit]").click()
    walk.said()

    expect(page).to_have_url(walk.url("portal_application_members"))
    for i, (name, id_number, income) in enumerate((HEAD, CHILD)):
        form = page.get_by_test_id("member-form")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=relation]").select_option("head" if i == 0 else "child")
        form.locator("input[name=id_number]").fill(id_number)
        form.locator("input[name=monthly_income]").fill(income)
        page.get_by_test_id("member-add").click()
        walk.said(name)
    expect(page.get_by_test_id("members")).to_contain_text(CHILD[0])
    page.get_by_test_id("next-step").click()

    for doc_type in ("id_card", "hukou", "income"):
        form = page.get_by_test_id("document-form")
        form.locator("select[name=doc_type]").select_option(doc_type)
        form.locator("input[name=file]").set_input_files(files[doc_type])
        page.get_by_test_id("document-upload").click()
        walk.said()
    # No required document is marked missing any more.
    expect(page.get_by_test_id("required-documents").locator(".badge")).to_have_count(0)
    walk.shot("portal-documents")
    page.get_by_test_id("next-step").click()

    page.get_by_test_id("consent-form").locator("input[name=agree]").check()
    page.get_by_test_id("consent-submit").click()
    walk.said()
    expect(page).to_have_url(walk.url("portal_application"))
    page.get_by_test_id("submit-application").click()
    walk.said()
    application = Application.objects.get(account__username=pii.phone_username(PHONE))
    expect(page.get_by_test_id("application-status")).to_have_text(application.get_status_display())
    walk.shot("portal-submitted")
    walk.log_out()

    # 2. Community, street and authority approve, each from its own task list.
    for reviewer in ("community", "street", "officer"):
        walk.log_in(reviewer, then="review_task_list")
        page.get_by_test_id("applications").get_by_role("link", name=application.number).click()
        expect(page).to_have_url(walk.url("application_detail", application.pk))
        review = page.get_by_test_id("review-form")
        review.locator("input[name=decision][value=approve]").check()
        if reviewer == "community":
            walk.shot("review-community")
        page.get_by_test_id("decide").click()
        walk.said(application.number)
        if reviewer != "officer":
            walk.log_out()
    application.refresh_from_db()
    assert application.status == "approved"

    # 3. The officer publishes the notice and closes it into the waiting list. A live
    # server cannot travel in time, so the notice opens on a day long enough ago for its
    # period to be over today: the publish form's start date allows a past day.
    walk.go("notice_create")
    form = page.get_by_test_id("publish-form")
    expect(form.locator(f"input[name=applications][value='{application.pk}']")).to_be_checked()
    notice_days = application.ruleset.notice_days
    form.locator("input[name=starts_on]").fill(str(today - timedelta(days=notice_days + 1)))
    page.get_by_test_id("publish").click()
    walk.said()
    expect(page.get_by_test_id("notice-entries")).to_contain_text("李*华")
    page.get_by_test_id("close-notice").click()
    walk.said()
    walk.shot("notice-closed")

    walk.go("waiting_list")
    expect(page.get_by_test_id("waiting-list")).to_contain_text(application.household.number)

    # 4. The officer offers the vacant unit in a round, draws and publishes it.
    walk.go("round_list")
    page.get_by_test_id("round-new").click()
    form = page.get_by_test_id("round-create-form")
    form.locator("input[name=title]").fill(f"{today.year} 康居苑配租")
    form.locator(f"#u{unit.pk}").check()
    page.get_by_test_id("round-create").click()
    walk.said()
    page.get_by_test_id("add-all").click()
    walk.said()
    expect(page.get_by_test_id("entrant-total")).to_have_text("1")
    page.get_by_test_id("round-close").click()
    walk.said()
    page.get_by_test_id("round-draw").click()
    walk.said()
    page.get_by_test_id("round-publish").click()
    walk.said()
    walk.shot("round-published")
    rnd = AllocationRound.objects.get()
    walk.log_out()

    # 5. The estate's operator records the family's choice, prepares and signs the lease
    # and hands the unit over.
    walk.log_in("operator", then="round_list")
    page.get_by_test_id("rounds").get_by_role("link", name=rnd.number).click()
    page.get_by_test_id("selection-link").click()
    expect(page.get_by_test_id("turn")).to_contain_text(application.household.number)
    page.locator(f"#c{unit.pk}").check()
    walk.shot("selection")
    page.get_by_test_id("choose").click()
    walk.said(unit.code)

    page.get_by_test_id("offer-create").click()
    walk.said()
    offer = LeaseOffer.objects.get()
    expect(page).to_have_url(walk.url("lease_offer_detail", offer.pk))
    page.get_by_test_id("sign-form").locator("input[name=signed_scan]").set_input_files(
        files["signed_lease"]
    )
    page.get_by_test_id("sign").click()
    walk.said(offer.number)

    expect(page).to_have_url(walk.url("lease_handover", offer.pk))
    form = page.get_by_test_id("handover-form")
    for item in CHECKLIST_ITEMS:
        form.locator(f"label[for=ok-{item}]").click()
    form.locator("input[name=meter-water]").fill("12.5")
    form.locator("input[name=meter-electricity]").fill("308")
    form.locator("input[name=keys]").fill("3")
    form.locator("input[name=cards]").fill("2")
    head = application.household.members.get(relation="head")
    form.locator(f"select[name=cred-{head.pk}-1-kind]").select_option("card")
    form.locator(f"input[name=cred-{head.pk}-1-ref]").fill("MJ-000123")
    form.locator("input[name=photos]").set_input_files(files["photo"])
    walk.shot("handover")
    page.get_by_test_id("handover-submit").click()
    walk.said(unit.code)
    expect(page.get_by_test_id("signed-scan")).to_be_visible()
    expect(page.get_by_test_id("handover")).to_contain_text("MJ-000123")
    walk.shot("handed-over")

    # The unit is occupied on its building's status board.
    walk.go("building_detail", unit.building_id)
    cell = page.get_by_test_id("status-board").get_by_role("link", name=unit.code[-4:])
    expect(cell).to_have_attribute("data-status", UnitStatus.OCCUPIED)
    walk.log_out()

    # 6. The family logs in with its phone and finds its home and lease.
    walk.log_in(PHONE, password=FAMILY_PASSWORD)
    expect(page).to_have_url(walk.url("portal_home"))
    body = page.locator("body")
    expect(body).to_contain_text(unit.code)
    expect(body).to_contain_text(offer.number)
    walk.shot("portal-home")
