"""Playwright in Debian's chromium against the app served on a local port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--lang=id",
]


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("SIMPUL_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is required (SIMPUL_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("chromium is not installed")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on 127.0.0.1 with a free port, threaded like the dev server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def sign_in(browser: Any, base: str, username: str, width: int = 1280,
            height: int = 900) -> Any:
    """A new browser context (Indonesian) of ``width`` px, signed in as ``username``."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Kotak Masuk")
    # the inbox's text can be there before its stylesheets: measure nothing until they are
    page.wait_for_load_state("load")
    return page


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PLAN_FIELDS = {"fiscal_year": "2026", "target_households": "150", "budget_rupiah": "45.000.000",
               "benefit_rupiah": "300.000", "start_date": "2026-12-01",
               "end_date": "2027-02-28", "rounds": "2",
               "decree_number": "188/45/KPTS/35.07/2026", "decree_date": "2026-11-20"}
PLAN_CHOICES = {"program_kind": "local", "scheme": "apbd", "funding_source": "apbd_regency",
                "benefit_kind": "money"}


def fill_plan(page: Any, **fields: str) -> None:
    """Fill the program plan as a coordinator of a local APBD program would."""
    for name, value in PLAN_CHOICES.items():
        page.select_option(f"[name={name}]", fields.pop(name, value))
    for name, value in {**PLAN_FIELDS, **fields}.items():
        page.fill(f"[name={name}]", value)


SIX_T = {"target": "yes", "time": "yes", "amount": "yes", "price": "na", "quality": "yes",
         "administration": "yes"}


def fill_round(page: Any, channel: str = "goods") -> None:
    """The round's step as recorded after a distribution of goods: its channel and 6T."""
    page.select_option("[name=channel]", channel)
    for key, answer in SIX_T.items():
        page.check(f"[name=six_t_{key}][value={answer}]")
