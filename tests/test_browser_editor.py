"""The diagram editors as an admin meets them: the whole window, nothing under the palette,
Indonesian in the modeler, its properties panel and the decision table, no console errors."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


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


# Every text of the page, shown or in a tooltip, outside Simpul's own header and footer.
SHOWN_TEXTS = """() => {
  const out = new Set();
  const keep = (value) => { value = (value || "").trim(); if (value) { out.add(value); } };
  const outside = (el) => !el || el.closest("header.topbar, footer, script, style, template");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (!outside(walker.currentNode.parentElement)) { keep(walker.currentNode.nodeValue); }
  }
  document.querySelectorAll("[title], [aria-label], [placeholder]").forEach((el) => {
    if (outside(el)) { return; }
    ["title", "aria-label", "placeholder"].forEach((name) => keep(el.getAttribute(name)));
  });
  return [...out];
}"""
WORD = re.compile(r"[A-Za-z]{3,}")
# Words of an editor's English besides those the dictionary translates
ENGLISH = {"the", "and", "with", "for", "are", "not", "all", "may", "will", "open", "close",
           "toggle", "section", "edits", "move", "input", "output", "powered", "results",
           "collaboration", "participant", "process", "task", "event", "flow", "click", "add",
           "remove", "delete", "create", "edit", "show", "hide", "select", "search", "back",
           "menu", "context", "empty", "table", "decision", "literal", "expression", "rules",
           "matching", "chosen", "values", "collects", "overlap", "name", "type", "value"}
# English that stays on purpose: DMN's and BPMN's own names, data types, the library's name
KEPT = {"hit", "policy", "feel", "bpmn", "dmn", "string", "number", "boolean", "integer",
        "long", "double", "date", "lane", "pool", "gateway", "unique", "first", "any",
        "collect", "rule", "order", "output", "priority", "script", "skrip", "io"}


def is_code(text: str) -> bool:
    """An expression or an assignment (an example in a placeholder), not a bare word."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return not (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
                and isinstance(tree.body[0].value, ast.Name | ast.Constant))


def english_left(texts: set[str], dictionary: dict[str, str], diagram: str) -> list[str]:
    """Texts still in English: a dictionary text shown untranslated, or any text with a word
    that only the English side of the dictionary uses (the diagram's own words excepted)."""
    english = ENGLISH | {w.lower() for key in dictionary for w in WORD.findall(key)}
    indonesian = {w.lower() for value in dictionary.values() for w in WORD.findall(value)}
    only_english = english - indonesian - KEPT
    left = []
    for text in texts:
        if text in diagram or is_code(text):
            continue  # a name, an id or an expression of the diagram, or an example of one
        if dictionary.get(text, text) != text or any(
                w.lower() in only_english for w in WORD.findall(text)):
            left.append(text)
    return sorted(left)


def open_everything(page: Any, element_ids: list[str]) -> set[str]:
    """Select each element, unfold every section of its properties, open its context pad and
    its replace menu; the texts shown on the way."""
    seen = set(page.evaluate(SHOWN_TEXTS))
    menus: set[str] = set()
    for element_id in [None, *element_ids]:
        page.evaluate("""(id) => {
            const m = window.simpulModeler, registry = m.get("elementRegistry");
            const element = id && registry.get(id);
            m.get("selection").select(element || null);
            if (element) { m.get("contextPad").open(element); }
        }""", element_id)
        page.evaluate("""() => document.querySelectorAll(
            ".bio-properties-panel-group-header:not(.open)").forEach((h) => h.click())""")
        seen |= set(page.evaluate(SHOWN_TEXTS))
        if element_id:
            for menu in ("bpmn-replace", "bpmn-append", "bpmn-create"):
                opened = page.evaluate("""([id, menu]) => {
                    const m = window.simpulModeler, element = m.get("elementRegistry").get(id);
                    try { m.get("popupMenu").open(element, menu, {x: 200, y: 200}, {}); }
                    catch (error) { return false; }  // a menu this build does not have
                    return true;
                }""", [element_id, menu])
                if opened:
                    menus.add(menu)
                    seen |= set(page.evaluate(SHOWN_TEXTS))
                    page.evaluate("() => window.simpulModeler.get('popupMenu').close()")
    assert "bpmn-replace" in menus
    page.evaluate("() => window.simpulModeler.get('searchPad').open()")
    return seen | set(page.evaluate(SHOWN_TEXTS))


def test_no_english_is_left_in_the_process_editor(browser: Any, live_server: str) -> None:
    page = laptop(browser, live_server)
    page.goto(f"{live_server}/admin/processes/program_cycle/edit")
    expect(page.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    dictionary = page.evaluate("() => window.SimpulEditorTexts.id")
    seen = open_everything(page, [
        "start", "needs_assessment", "decide_priority", "plan_reminder", "plan_decision",
        "flow_plan_returned", "flow_plan_approved", "init_rounds", "Lane_Koordinator", "end"])
    assert len(seen) > 150
    assert "Buka editor pop-up" in seen and "Tugas pengguna" in seen  # a tooltip, a header
    diagram = html.unescape((ROOT / "workflows/program_cycle.bpmn").read_text(encoding="utf-8"))
    assert english_left(seen, dictionary, diagram) == []


def test_no_english_is_left_in_the_decision_table_editor(browser: Any, live_server: str
                                                         ) -> None:
    page = laptop(browser, live_server)
    page.goto(f"{live_server}/admin/processes/program_priority/edit")
    expect(page.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    dictionary = page.evaluate("() => window.SimpulEditorTexts.id")
    seen = set(page.evaluate(SHOWN_TEXTS))
    page.locator(".hit-policy").first.click()  # the hit policy's choices
    seen |= set(page.evaluate(SHOWN_TEXTS))
    page.keyboard.press("Escape")
    for cell in (".input-cell.input-editor", ".output-cell.output-editor", "td.input-cell",
                 "td.output-cell", "td.annotation"):
        target = page.locator(cell).first
        target.click()
        seen |= set(page.evaluate(SHOWN_TEXTS))
        target.click(button="right")  # the context menu: add, remove, move
        seen |= set(page.evaluate(SHOWN_TEXTS))
        page.keyboard.press("Escape")
    page.locator(".view-drd-button").click()
    expect(page.locator(".djs-palette")).to_be_visible()
    seen |= open_drd(page)
    assert "Hit policy:" in seen and "UNIQUE (tunggal)" in seen
    diagram = html.unescape((ROOT / "workflows/program_priority.dmn").read_text(encoding="utf-8"))
    assert english_left(seen, dictionary, diagram) == []


def open_drd(page: Any) -> set[str]:
    seen = set(page.evaluate(SHOWN_TEXTS))
    page.evaluate("""() => {
        const viewer = window.simpulModeler.getActiveViewer();
        const decision = viewer.get("elementRegistry").get("program_priority");
        viewer.get("selection").select(decision);
        viewer.get("contextPad").open(decision);
        viewer.get("popupMenu").open(decision, "dmn-replace", {x: 200, y: 200});
    }""")
    return seen | set(page.evaluate(SHOWN_TEXTS))
