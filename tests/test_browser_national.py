"""A national program's list (PKH) imported from its recipient list page on a 360 px phone in
chromium (Indonesian): the scheme asked once, the preview with its counts, confirm, and the
families enrolled on the list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.test_browser_registry import no_sideways_scroll, phone, worker  # noqa: F401
from tests.test_national_list import at_plan, list_csv, registered
from webapp.models import User

pytestmark = pytest.mark.browser


def test_a_national_list_is_imported_on_a_phone(
        browser: Any, live_server: str, worker: None, session: Any,  # noqa: F811
        people: dict[str, User], tmp_path: Path) -> None:
    program = at_plan(session, people, 3)
    (_, kk0, _, _), (_, _, nik1, name1), _ = registered(session)
    path = tmp_path / "kpm-pkh-donomulyo.csv"
    path.write_bytes(list_csv([
        [kk0, "", "Siti Aminah", "Tulungrejo", "1.200.000"],
        ["", nik1, name1, "Tulungrejo", "750.000"],
        ["3507010101190009", "", "Entah", "Tulungrejo", "750.000"],
    ]))
    page = phone(browser, live_server, "koordinator")
    page.goto(f"{live_server}/programs/{program.id}/recipients")
    page.click("#national-link")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=scheme]", "pkh")
    page.click("#national-form button[type=submit]")
    expect(page.locator(".status-ready")).to_be_visible(timeout=20_000)
    expect(page.locator(".national-counts")).to_contain_text("2")
    expect(page.locator(".national-unknown").first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "national-preview-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".actions-row form.inline button[type=submit] >> nth=0")
    expect(page.locator(".status-done")).to_be_visible(timeout=20_000)
    page.click(".flash-success a")
    expect(page.locator("#entries .task-row")).to_have_count(2)
    expect(page.locator("#entries")).to_contain_text("1.200.000")
    expect(page.locator("#national-link")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "national-list-after-phone")
