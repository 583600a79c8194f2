"""A round at the distribution point, in chromium on a 360 px phone in Indonesian: the
decree enrols the approved list, the round opens (fixing its families due and their amounts),
a family is ticked as collected by a proxy, the PT Pos realisation file fills the other two
lines, and the round's figures and the program's page follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.program_data import fresh
from tests.test_browser_registry import no_sideways_scroll, phone, worker  # noqa: F401
from tests.test_payouts import csv_file, due
from tests.test_program_records import planned
from tests.test_ticks import enrolments
from webapp.models import User

pytestmark = pytest.mark.browser


def test_open_a_round_tick_by_proxy_and_load_the_payout_file_on_a_phone(
        browser: Any, live_server: str, worker: None, session: Any,  # noqa: F811
        people: dict[str, User], tmp_path: Path) -> None:
    program = planned(session, people, 3, decree_number="", decree_date=None,
                      benefit_kind="money", benefit_rupiah=250_000, benefit_goods="")
    first = enrolments(session, program)[0]
    (_, _, _), (_, kk1, _), (_, _, nik2) = due(session, program)
    path = tmp_path / "realisasi-pos-tahap-1.csv"
    path.write_bytes(csv_file([
        [kk1, "", "Painem", "250.000", "Tersalur", "", "15-01-2027", "", "", ""],
        ["", nik2, "Siti", "", "Retur", "Rekening pasif", "", "", "", ""]]))
    page = phone(browser, live_server, "koordinator")
    page.goto(f"{live_server}/programs/{program.id}/rounds/1")
    expect(page.locator("#decree")).to_contain_text("3 keluarga")
    page.fill("#decree_number", "188/12/KPTS/35.07/2026")
    page.fill("#decree_date", "2026-11-30")
    screenshot(page, "round-decree-phone")
    page.click("text=Catat SK dan tetapkan daftar")
    expect(page.locator(".flash-success")).to_contain_text("3 keluarga ditetapkan")
    page.select_option("#channel", "pos")
    no_sideways_scroll(page)
    screenshot(page, "round-open-phone")
    page.click("text=Buka Tahap 1")
    expect(page.locator(".flash-success")).to_contain_text("3 keluarga menjadi sasaran")
    row = page.locator(f"#line-{first}")
    expect(row).to_contain_text("hak Rp 250.000")
    row.locator(".tick-proxy summary").click()
    row.locator("input[name=proxy_name]").fill("Sumiati")
    row.locator("input[name=proxy_relation]").fill("Tetangga")
    row.locator("button[value=proxy]").click()
    expect(row).to_have_class("tick-row is-received")
    expect(row).to_contain_text("diwakilkan kepada Sumiati (Tetangga)")
    expect(page.locator("#round-figures")).to_contain_text("1 diterima")
    expect(page.locator("#round-figures")).to_contain_text("2 belum dicentang")
    no_sideways_scroll(page)
    screenshot(page, "round-proxy-tick-phone")
    page.click("#payout-link")  # the PT Pos file for the other two families
    page.set_input_files("input[name=file]", str(path))
    page.click("#payout-form button[type=submit]")
    expect(page.locator(".status-ready")).to_be_visible(timeout=20_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".actions-row form.inline button[type=submit] >> nth=0")
    expect(page.locator(".status-done")).to_be_visible(timeout=20_000)
    page.click(".flash-success a")
    figures = page.locator("#round-figures")
    expect(figures).to_contain_text("2 diterima")
    expect(figures).to_contain_text("1 tidak diterima")
    expect(figures).to_contain_text("0 belum dicentang")
    expect(figures).to_contain_text("500.000")
    expect(page.locator(f"#line-{first}")).to_contain_text("Sumiati")  # the tick stays
    page.goto(f"{live_server}/programs/{program.id}")
    record = page.locator("#program-record")
    expect(record).to_contain_text("188/12/KPTS/35.07/2026")
    expect(record.locator(".rounds-table tbody tr").first).to_contain_text("dibuka")
    expect(record.locator(".rounds-table tbody tr").first).to_contain_text("2 / 3")
    no_sideways_scroll(page)
    screenshot(page, "program-record-phone")
    fresh(session)
