"""The round checklist at the distribution point, in chromium on a 360 px phone, with the
connection coming and going: a tick made offline waits (and says so) until the server
confirms it, a server error keeps it too, and a tick the server refuses is shown, never lost."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import screenshot
from tests.program_data import fresh
from tests.test_browser_household import phone
from tests.test_ticks import at_round
from webapp.models import DistributionLine, User
from webapp.services.workflow import completion, programs

pytestmark = pytest.mark.browser


def lines(session: Any) -> dict[int, tuple[bool | None, str]]:
    """The lines ticked so far (every family due has its line since the round opened)."""
    fresh(session)
    return {line.enrolment_id: (line.received, line.reason)
            for line in session.scalars(sa.select(DistributionLine).where(
                DistributionLine.ticked_at.is_not(None)))}


def test_ticks_wait_for_the_connection_and_the_server_and_are_never_lost(
        browser: Any, live_server: str, session: Any, people: dict[str, User]) -> None:
    program = at_round(session, people, 3)
    page = phone(browser, live_server, "koordinator", width=360)
    page.goto(f"{live_server}/programs/{program.id}/rounds/1")
    rows = page.locator(".tick-row")
    expect(rows).to_have_count(3)
    banner = page.locator("#unsent")
    expect(banner).to_be_hidden()

    # 1. no connection: the tick waits on the phone, and the page says so
    page.context.set_offline(True)
    rows.nth(0).locator("button.tick-yes").click()
    expect(banner).to_contain_text("Belum terkirim: 1")
    expect(rows.nth(0)).to_have_class(re.compile("is-unsent"))
    assert lines(session) == {}
    screenshot(page, "ticks-offline-phone")
    page.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=20_000)
    expect(rows.nth(0)).to_have_class("tick-row is-received")
    assert [v for v in lines(session).values()] == [(True, "")]

    # 2. the server answers with an error: kept, and sent again on request
    page.route(re.compile(r".*/lines/\d+$"), lambda route: route.fulfill(
        status=503, body="<p>Layanan sedang tidak tersedia</p>"))
    rows.nth(1).locator(".tick-no summary").click()
    rows.nth(1).locator("button[data-missed][value=absent]").click()
    expect(banner).to_contain_text("Belum terkirim: 1")
    page.unroute(re.compile(r".*/lines/\d+$"))
    banner.locator("button", has_text="Kirim sekarang").click()
    expect(banner).to_be_hidden(timeout=20_000)
    expect(rows.nth(1)).to_have_class("tick-row is-missed")
    assert sorted(lines(session).values()) == [(False, "absent"), (True, "")]

    # 3. a tick made offline while the round was closed elsewhere: refused, and it says so
    page.context.set_offline(True)
    rows.nth(2).locator(".tick-no summary").click()
    rows.nth(2).locator("input[name=note]").fill("rumah kosong, kata tetangga ke Malang")
    rows.nth(2).locator("button[data-missed][value=other]").click()
    expect(banner).to_contain_text("Belum terkirim: 1")
    fresh(session)
    (round_task,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], round_task.id,
                        {"distribution_date": "2026-12-15", "on_time": True,
                         "distribution_issues": ""})
    page.context.set_offline(False)
    expect(banner.locator(".unsent-refused")).to_contain_text("ditutup", timeout=20_000)
    expect(banner).not_to_contain_text("Belum terkirim")
    screenshot(page, "ticks-refused-phone")
    assert len(lines(session)) == 2
    banner.locator(".unsent-refused button").click()
    expect(banner).to_be_hidden()
