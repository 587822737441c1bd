"""A walk through the pages in a real Chromium, for the browser tests: log in as one of
the cast, go to a page by its url name, check the flash message, and keep a screenshot
of each step when ANJU_WALK_SCREENSHOTS names a folder."""

import os
import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from anju.testing.cast import PASSWORD

SHOTS = os.environ.get("ANJU_WALK_SCREENSHOTS", "")


class Walk:
    def __init__(self, page: Page, live_server):
        self.page = page
        self.base = live_server.url
        self.shots = 0

    def go(self, name, *args):
        self.page.goto(self.base + reverse(name, args=args))
        self.settle()

    def settle(self):
        """Wait until the page's own requests (the message badges, the photos) are
        done: the in-memory test database refuses a read while a request writes its
        session."""
        self.page.wait_for_load_state("networkidle")

    def log_in(self, username):
        self.page.context.clear_cookies()
        self.page.goto(self.base + reverse("login"))
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("logout")).to_be_attached()
        self.settle()

    def said(self, pattern=None):
        self.settle()
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
