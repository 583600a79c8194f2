"""Starting a program from a wide region in chromium: choosing the kabupaten/kota loads its
kecamatan into the next drop-down (htmx), on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.test_browser import sign_in

pytestmark = pytest.mark.browser


def test_choosing_the_kabupaten_loads_its_kecamatan(browser: Any, live_server: str) -> None:
    admin = sign_in(browser, live_server, "admin", phone=True)
    admin.goto(f"{live_server}/programs/new")
    region = admin.locator("[name=region] option")
    expect(region).to_have_count(1)  # "choose the kabupaten/kota first"
    admin.select_option("[name=process_key]", "program_cycle")
    admin.fill("[name=title]", "Bantuan Pangan Blimbing 2027")
    admin.select_option("[name=area]", "35.73")
    expect(region).to_have_count(6)  # Kota Malang and its five kecamatan
    expect(region.nth(1)).to_have_attribute("value", "35.73.01")
    expect(admin.locator("[name=title]")).to_have_value("Bantuan Pangan Blimbing 2027")
    admin.select_option("[name=region]", "35.73.01")
    admin.click("#start-form button[type=submit]:not([name])")
    expect(admin.locator(".flash-success")).to_contain_text("dimulai")
