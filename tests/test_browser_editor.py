"""The diagram editors as an admin meets them: the whole window, nothing under the palette,
Indonesian in the modeler, its properties panel and the decision table, no console errors."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot

pytestmark = pytest.mark.browser


def laptop(browser: Any, base: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("[name=username]", "admin")
    from tests.conftest import PASSWORD

    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Kotak Masuk")
    return page


def test_the_process_editor_uses_the_window_speaks_indonesian_and_hides_nothing(
        browser: Any, live_server: str) -> None:
    page = laptop(browser, live_server)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/admin/processes/program_cycle/edit")
    expect(page.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    canvas = page.locator("#editor-canvas").bounding_box()
    assert canvas is not None and canvas["width"] >= 0.7 * 1366
    assert canvas["y"] + canvas["height"] >= 768 - 40  # down to the bottom of the window
    palette = page.locator(".djs-palette").bounding_box()
    assert palette is not None
    shapes = [b for b in (s.bounding_box() for s in page.locator("g.djs-shape").all()) if b]
    leftmost = min(b["x"] for b in shapes if b["width"] < 400)  # tasks and events, not pools
    assert palette["x"] + palette["width"] <= leftmost, (palette, leftmost)
    titles = page.locator(".djs-palette .entry").evaluate_all(
        "entries => entries.map(e => e.getAttribute('aria-label'))")
    assert "Aktifkan alat tangan" in titles and "Buat tugas" in titles
    page.locator('[data-element-id="program_plan"]').click()
    expect(page.locator("#properties-panel")).to_contain_text("Umum")
    expect(page.locator("#properties-panel")).not_to_contain_text("General")
    screenshot(page, "editor-1366")
    assert errors == []


def test_the_decision_table_editor_speaks_indonesian_without_console_errors(
        browser: Any, live_server: str) -> None:
    page = laptop(browser, live_server)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/admin/processes/program_priority/edit")
    expect(page.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    table = page.locator(".tjs-table")
    expect(table).to_contain_text("Jika")
    expect(table).to_contain_text("Maka")
    expect(page.locator(".view-drd-button")).to_have_text("Lihat DRD")
    assert errors == []
