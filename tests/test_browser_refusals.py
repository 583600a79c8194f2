"""A refusal reached by clicking (a boosted form) shows its 403 page in place of the page's main
part, in chromium on a phone: htmx would otherwise swap nothing and the click seem lost."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.browser import screenshot
from tests.program_data import own_plan_at_approval
from tests.test_browser import sign_in
from webapp.models import User

pytestmark = pytest.mark.browser


def test_claiming_the_approval_of_ones_own_plan_shows_why_not(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    dual, approval = own_plan_at_approval(session)
    page = sign_in(browser, live_server, "dual", phone=True)
    page.goto(f"{live_server}/tasks/{approval.id}")
    page.get_by_role("button", name="Ambil").click()
    heading = page.locator("#main h1")
    expect(heading).to_contain_text("Perencanaan Program", timeout=15_000)
    expect(page.locator("#main")).to_have_count(1)  # the page's main part, replaced, not nested
    expect(page.locator(".topbar")).to_have_count(1)
    screenshot(page, "refused-claim-phone")
    # submitting the approval (an htmx post aimed at the form): the refusal replaces the form
    page.goto(f"{live_server}/tasks/{approval.id}")
    page.check("[name=decision][value=approve]")
    page.locator("#task-form button[type=submit]").first.click()
    expect(page.locator("#task-form .flash-error")).to_contain_text("Perencanaan Program",
                                                                     timeout=15_000)
