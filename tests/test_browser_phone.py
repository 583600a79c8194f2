"""Simpul on a 360–390 px phone (chromium, Indonesian): every header item reachable (signing
out on a shared phone at a distribution point above all), every button and name link a thumb
wide, and the recipient list's removals asked first, its empty registry explained."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser import screenshot, sign_in
from tests.program_data import fresh, program_at
from tests.test_recipients import register
from tests.test_ticks import at_round
from webapp.models import Enrolment, Household, User
from webapp.services.assistance import recipient_lists
from webapp.services.workflow import inbox, programs

pytestmark = pytest.mark.browser


def inside(page: Page, selector: str) -> None:
    """The element is shown whole inside the window, not cut off or scrolled away."""
    element = page.locator(selector).first
    expect(element).to_be_visible()
    box = element.bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, \
        (selector, box)
    clipped = element.evaluate("""(e) => { for (let p = e.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p); if (s.overflowX !== 'visible' || s.overflowY !== 'visible')
        { const a = p.getBoundingClientRect(), b = e.getBoundingClientRect();
          if (b.left < a.left || b.right > a.right || b.top < a.top || b.bottom > a.bottom)
            return p.className || p.tagName; } } return ''; }""")
    assert clipped == "", (selector, clipped)


def thumb_wide(page: Page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["width"] >= 44 and box["height"] >= 44, (selector, box)


@pytest.mark.parametrize("username", ["koordinator", "supervisor", "admin"])
def test_every_header_item_is_reachable_at_360_px(
        browser: Any, live_server: str, session: Any, people: dict[str, User],
        username: str) -> None:
    program_at(session, people, "approve_plan")  # a notification for the supervisors
    program_at(session, people, "program_plan", title="BLT Pagak")
    page = sign_in(browser, live_server, username, 360, 740)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for selector in (".brand", "#bell", ".nav-links >> text=Kotak Masuk",
                     ".nav-links >> text=Program", ".nav-links >> text=Keluarga",
                     ".account-menu summary"):
        inside(page, selector)
        thumb_wide(page, selector) if selector != ".brand" else None
    if username == "supervisor":  # the plan waits for them: the bell's badge, whole
        inside(page, "#bell .bell-count")
    expect(page.locator(".account-menu summary")).to_contain_text(
        people[username].display_name)
    page.locator(".account-menu summary").click()
    wanted = ["Mulai Program", "Akun", "Keluar"] + (["Administrasi"] if username == "admin"
                                                    else [])
    for text in wanted:
        inside(page, f".account-menu >> text={text}")
        thumb_wide(page, f".account-menu >> text={text}")
    screenshot(page, f"header-menu-{username}-360")
    page.locator(".account-menu >> text=Keluar").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def test_buttons_and_name_links_are_a_thumb_wide(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    program = at_round(session, people, 2)
    planning = program_at(session, people, "program_plan", title="BLT Donomulyo")
    (plan,) = programs.open_tasks(session, planning)
    inbox.claim_task(session, people["koordinator"], plan.id)
    review = program_at(session, people, "approve_plan", title="PKH Donomulyo")
    fresh(session)
    household = session.scalars(sa.select(Household).order_by(Household.id)).first()
    page = sign_in(browser, live_server, "koordinator", 390, 800)
    checks = {
        "/registry/": ["text=Keluarga baru", "text=Impor daftar desa",
                       ".registry-list a.task-name"],
        f"/registry/households/{household.id}": [".reveal summary"],
        f"/tasks/{plan.id}": ["#list-panel a[role=button]", "form.release button"],
        f"/programs/{planning.id}/recipients": [".list-panel button[type=submit]"],
    }
    for path, selectors in checks.items():
        page.goto(f"{live_server}{path}")
        for selector in selectors:
            thumb_wide(page, selector)
    page.goto(f"{live_server}/programs/{program.id}/rounds/1")
    row = page.locator(".tick-row").first
    row.locator(".tick-no summary").click()
    for selector in ("button[data-missed][value=moved]", "button[data-missed][value=other]",
                     "input[name=note]", "button.tick-yes"):
        box = row.locator(selector).bounding_box()
        assert box is not None and box["height"] >= 44, (selector, box)
    screenshot(page, "round-reasons-phone")
    supervisor = sign_in(browser, live_server, "supervisor", 390, 800)
    supervisor.goto(f"{live_server}/notifications")
    thumb_wide(supervisor, "text=Tandai semua sudah dibaca")
    assert review is not None


def test_taking_a_family_off_the_list_is_asked_first(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    register(session, people["koordinator"], 2)
    program = program_at(session, people, "program_plan")
    recipient_lists.add_from_registry(session, people["koordinator"], program.id)
    page = sign_in(browser, live_server, "koordinator", 390, 800)
    page.goto(f"{live_server}/programs/{program.id}/recipients")
    rows = page.locator("#entries .task-row")
    expect(rows).to_have_count(2)
    name = rows.first.locator("a.task-name").inner_text()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    rows.first.locator("button", has_text="Keluarkan").click()
    expect(rows).to_have_count(2)
    assert asked == [f"Keluarkan {name} dari daftar?"]
    page.once("dialog", lambda dialog: dialog.accept())
    rows.first.locator("button", has_text="Keluarkan").click()
    expect(page.locator(".flash-info")).to_contain_text(f"{name} dikeluarkan dari daftar")
    expect(rows).to_have_count(1)
    fresh(session)
    assert session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_a_program_where_the_registry_has_no_families_says_so(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    register(session, people["koordinator"], 2)  # in Donomulyo; the program is in Pagak
    program = program_at(session, people, "program_plan", title="BLT Pagak",
                         region="35.07.02")
    page = sign_in(browser, live_server, "koordinator", 390, 800)
    page.goto(f"{live_server}/programs/{program.id}/recipients")
    panel = page.locator(".empty-registry")
    expect(panel).to_contain_text("Pagak")
    panel.locator("text=Impor daftar desa").click()
    expect(page.locator("h1")).to_contain_text("Impor")
    screenshot(page, "recipients-empty-registry-phone")
