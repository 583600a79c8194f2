"""A payout file loaded from the round's page on a 360 px phone in chromium (Indonesian): the
preview with its counts, confirm, and the round's figures changed by the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.test_browser_registry import no_sideways_scroll, phone, worker  # noqa: F401
from tests.test_payouts import csv_file, due
from tests.test_ticks import at_round
from webapp.models import User

pytestmark = pytest.mark.browser


def test_a_payout_file_is_loaded_from_the_round_page_on_a_phone(
        browser: Any, live_server: str, worker: None, session: Any,  # noqa: F811
        people: dict[str, User], tmp_path: Path) -> None:
    program = at_round(session, people, 3)
    (_, kk0, _), (_, _, nik1), (_, kk2, _) = due(session, program)
    path = tmp_path / "realisasi-pos-tahap-1.csv"
    path.write_bytes(csv_file([
        [kk0, "", "Painem", "150.000", "Tersalur", "", "15-01-2027", "", "", ""],
        ["", nik1, "Siti", "", "Retur", "Meninggal dunia", "", "", "", ""],
        [kk2, "", "Sumiati", "150.000", "Tersalur", "", "15-01-2027", "Ya", "Siti Aminah",
         "Anak"],
        ["3507010101190009", "", "Entah", "150.000", "Tersalur", "", "", "", "", ""],
    ]))
    page = phone(browser, live_server, "koordinator")
    page.goto(f"{live_server}/programs/{program.id}/rounds/1")
    figures = page.locator("#round-figures")
    expect(figures).to_contain_text("0 diterima")
    page.click("#payout-link")
    page.set_input_files("input[name=file]", str(path))
    page.click("#payout-form button[type=submit]")
    expect(page.locator(".status-ready")).to_be_visible(timeout=20_000)
    counts = page.locator(".payout-counts")
    expect(counts).to_contain_text("2")
    expect(page.locator(".payout-returned, .payout-unknown").first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "payout-preview-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".actions-row form.inline button[type=submit] >> nth=0")
    expect(page.locator(".status-done")).to_be_visible(timeout=20_000)
    page.click(".flash-success a")
    expect(figures).to_contain_text("2 diterima")
    expect(figures).to_contain_text("1 tidak diterima")
    expect(figures).to_contain_text("300.000")
    no_sideways_scroll(page)
    screenshot(page, "payout-round-after-phone")
