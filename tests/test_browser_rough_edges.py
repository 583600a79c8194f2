"""The rough edges people hit in chromium with an Indonesian locale, at desktop and phone width:
the decimal comma, typing in the inbox search, the error summary, confirmations, the language
switch, and tap targets on a 390 px phone."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request
from playwright.sync_api import Page, expect

from tests.browser import screenshot
from tests.program_data import fresh, program_at
from tests.test_browser import open_task, sign_in, submit
from webapp.models import Event, Instance, User
from webapp.services.workflow import programs

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_decimal_comma_typed_on_an_indonesian_keyboard_is_kept(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    program = program_at(session, people, "evaluation")
    page = sign_in(browser, live_server, "koordinator", phone=True)
    open_task(page, live_server, "mine", "Monitoring dan Evaluasi")
    for name, typed in (("coverage_pct", "9,5"), ("budget_realisation_pct", "87,5")):
        field = page.locator(f"[name={name}]")
        field.fill("")
        field.press_sequentially(typed, delay=30)  # key by key, as a thumb types
        expect(field).to_have_value(typed)
    page.fill("[name=lessons]", "Jadwal perlu diumumkan lebih awal.")
    page.select_option("[name=recommendation]", "lanjutkan")
    submit(page)
    expect(page.locator(".flash-success")).to_be_visible()
    fresh(session)
    done = session.scalars(sa.select(Event).where(
        Event.instance_id == program.id, Event.action == "task.completed")
        .order_by(Event.id.desc())).first()
    assert done is not None
    assert done.data["data"]["coverage_pct"] == 9.5
    assert done.data["data"]["budget_realisation_pct"] == 87.5


def test_errors_below_the_fold_are_summarised_at_the_top_with_the_focus_on_the_first(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    program_at(session, people, "needs_assessment")
    page = sign_in(browser, live_server, "koordinator", phone=True)
    open_task(page, live_server, "mine", "Asesmen Kebutuhan")
    page.fill("[name=households_total]", "400")
    page.fill("[name=hh_food_insecure]", "lima")  # far below the fold
    submit(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("perlu diperbaiki")
    expect(summary.locator("a")).to_have_count(4)  # date, desa, in need, food
    # the focus moves when htmx has settled the swapped form: wait for it, do not sample
    expect(page.locator("[name=assessment_date]")).to_be_focused()
    top = summary.bounding_box()
    assert top is not None and -2 <= top["y"] < PHONE["height"]  # in view after the submit
    messages = page.locator("#hh_food_insecure-error")
    expect(messages).to_have_count(1)
    screenshot(page, "error-summary-phone")


@pytest.fixture
def slow_inbox(app: Flask) -> None:
    """The inbox answers slowly (a field office's connection), so responses overlap typing."""

    @app.before_request
    def _slow() -> None:
        if request.headers.get("HX-Request") and request.path == "/":
            time.sleep(0.35)


def test_typing_in_the_inbox_search_loses_no_character(
        browser: Any, live_server: str, session: Any, people: dict[str, User],
        slow_inbox: None) -> None:
    program_at(session, people, "program_plan")
    page = sign_in(browser, live_server, "koordinator")
    search = page.locator("#inbox-q")
    search.click()
    # typing with a pause, as people do: a search goes out while the rest is typed
    search.press_sequentially("Dono", delay=60)
    page.wait_for_timeout(450)
    search.press_sequentially("mulyo Kab", delay=60)
    page.wait_for_timeout(1200)
    expect(search).to_have_value("Donomulyo Kab")
    expect(search).to_be_focused()
    # after changing a filter, the first letter typed is kept too
    page.locator("details.filters-fold").evaluate("d => d.open = true")
    page.select_option("[name=phase]", "planning")
    page.wait_for_timeout(100)  # the filter's request is on its way
    search.fill("")
    search.press_sequentially("BPNT", delay=40)
    page.wait_for_timeout(1200)
    expect(search).to_have_value("BPNT")
    expect(page.locator(".task-row")).to_have_count(1)


def test_terminate_asks_first_and_the_language_switch_changes_the_page_language(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    page = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/programs/{program.id}")
    page.fill("#status-reason", "Dobel dengan program lain")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("button[value=terminate]")  # returns once the dialog was answered
    assert asked and "tidak bisa diurungkan" in asked[0]
    fresh(session)
    assert session.get(Instance, program.id).status == "running"  # type: ignore[union-attr]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=terminate]")
    expect(page.locator(".status-terminated")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "id"
    page.click("footer button")
    expect(page.locator("h2", has_text="History")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"


def tap_size(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["width"], box["height"]


def test_on_a_phone_tasks_show_on_the_first_screen_and_every_target_is_a_thumb_wide(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    for title in ("PKH Donomulyo", "BLT Tulungrejo"):
        program_at(session, people, "approve_plan", title=title)
    supervisor = sign_in(browser, live_server, "supervisor", phone=True)
    supervisor.goto(f"{live_server}/?tab=group")
    first_task = supervisor.locator(".task-row").first.bounding_box()
    assert first_task is not None and first_task["y"] + 60 < PHONE["height"]
    supervisor.fill("form.save-filter [name=name]", "Persetujuan")
    supervisor.click("form.save-filter button")
    expect(supervisor.locator(".saved-filter")).to_have_count(1)
    supervisor.locator("details.filters-fold summary").click()
    targets = {
        "saved-filter ×": ".saved-filter .remove",
        "language switch": "footer button",
        "task tick": ".task-tick",
        "tab": ".tabs .tab",
        "bell": "#bell",
    }
    for label, selector in targets.items():
        width, height = tap_size(supervisor, selector)
        assert width >= 44 and height >= 44, (label, width, height)
    (approval,) = programs.open_tasks(session, session.scalars(sa.select(Instance)).first())
    supervisor.goto(f"{live_server}/tasks/{approval.id}")
    for label, selector in {"back": ".form-actions a", "decision": "[name=decision]"}.items():
        width, height = tap_size(supervisor, selector)
        assert width >= 44 and height >= 44, (label, width, height)
    screenshot(supervisor, "task-phone")
    assert supervisor.request.get(f"{live_server}/favicon.ico").status == 200


def test_region_levels_are_named_not_coded(browser: Any, live_server: str) -> None:
    admin = sign_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/regions?q=35.07")
    table = admin.locator("table")
    expect(table).to_contain_text("Kecamatan")
    expect(table).not_to_contain_text("kabupaten_kota")
