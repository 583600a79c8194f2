"""A refusal reached by clicking (a boosted form) shows its 403 page in place of the page's main
part, in chromium on a phone: htmx would otherwise swap nothing and the click seem lost."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.browser import screenshot
from tests.conftest import PASSWORD
from tests.program_data import data_for, fresh
from tests.test_browser import sign_in
from webapp.models import User
from webapp.services import instances, tasks, users

pytestmark = pytest.mark.browser


def test_claiming_the_approval_of_ones_own_plan_shows_why_not(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    dual = users.create_user(session, "dual", PASSWORD, ["Koordinator", "Supervisor"],
                             full_name="Dwi Peran", region_code="35.07")
    program = instances.start_instance(session, dual, "program_cycle", "Program Dwi",
                                       "35.07.01")
    for form in ("needs_assessment", "program_plan"):
        (task,) = instances.open_tasks(session, program)
        tasks.complete_task(session, dual, task.id, data_for(form))
    fresh(session)
    (approval,) = instances.open_tasks(session, program)
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
