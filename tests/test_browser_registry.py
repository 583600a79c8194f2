"""The registry at 360 px in chromium (Indonesian): a village list imported with its preview,
a recipient list built at the plan, approved, one round ticked at the distribution point, and
the evaluation showing the figures computed from the lines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser import fill_plan, fill_round, screenshot, sign_in
from tests.program_data import STEP_DATA, fresh
from webapp.db import make_session_factory
from webapp.extensions import db
from webapp.models import User
from webapp.services.assistance import spot_checks
from webapp.services.workflow import completion, jobs, programs

pytestmark = pytest.mark.browser

LIST = (
    "No KK;NIK;Nama Lengkap;JK;Tgl Lahir;Hubungan;Alamat;RT;RW;Desa;Desil;Periode Desil\n"
    "3507011506200003;3507011203850001;Slamet Riyadi;L;12-03-1985;Kepala Keluarga;Krajan;3;1;"
    "Tulungrejo;2;2025-Q3\n"
    "3507011506200003;3507015708900002;Siti Aminah;P;17-08-1990;Istri;Krajan;3;1;"
    "Tulungrejo;2;2025-Q3\n"
    "3507010101190001;3507014404700003;Painem;P;04-04-1970;Kepala Keluarga;Sumber;12;4;"
    "Tulungrejo;1;2025-Q3\n"
    "3507010202190001;3507012002800001;Paijo;L;20-02-1980;Kepala Keluarga;Sumber;2;4;"
    "Tulungrejo;3;2025-Q3\n"
    "3507010303190001;350701200280;Joko;L;20-02-1980;Kepala Keluarga;Sumber;2;4;"
    "Tulungrejo;3;2025-Q3\n"
)


@pytest.fixture
def worker(app: Flask) -> Iterator[None]:
    """The job worker beside the server, as `make run` has it."""
    stop = threading.Event()

    def work() -> None:
        with app.app_context():
            session = make_session_factory(db().get_bind())()  # type: ignore[arg-type]
            while not stop.is_set():
                jobs.run_due(session, "browser-worker")
                session.close()
                time.sleep(0.2)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=5)


def phone(browser: Any, base: str, username: str) -> Page:
    page: Page = sign_in(browser, base, username, 360, 780)
    return page


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 361


def test_import_list_approve_tick_and_evaluate_on_a_phone(
        browser: Any, live_server: str, worker: None, session: Any,
        people: dict[str, User], tmp_path: Path) -> None:
    base = live_server
    coordinator = phone(browser, base, "koordinator")
    # 1. the village list: preview first, nothing stored, then confirm
    path = tmp_path / "daftar-tulungrejo.csv"
    path.write_text(LIST, encoding="utf-8")
    coordinator.goto(f"{base}/registry/imports")
    coordinator.set_input_files("input[name=file]", str(path))
    coordinator.click("#import-form button[type=submit]")
    expect(coordinator.locator(".status-ready")).to_be_visible(timeout=20_000)
    expect(coordinator.locator(".row-problems").first).to_contain_text("16 digit")
    no_sideways_scroll(coordinator)
    screenshot(coordinator, "registry-import-preview-phone")
    coordinator.once("dialog", lambda dialog: dialog.accept())
    coordinator.click("text=Konfirmasi impor")
    expect(coordinator.locator(".status-done")).to_be_visible(timeout=20_000)
    coordinator.goto(f"{base}/registry/?q=slamet")
    expect(coordinator.locator(".registry-list .task-name")).to_have_text("Slamet Riyadi")

    # 2. a program at its plan: the list is built from the registry
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "BPNT Tulungrejo 2027", "35.07.01")
    (first,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], first.id,
                        dict(STEP_DATA["needs_assessment"]))
    fresh(session)
    (plan,) = programs.open_tasks(session, program)
    coordinator.goto(f"{base}/tasks/{plan.id}")
    coordinator.click("#list-panel a[role=button]")
    coordinator.click("text=Tambahkan ke daftar")
    expect(coordinator.locator("#entries .task-row")).to_have_count(3)
    no_sideways_scroll(coordinator)
    screenshot(coordinator, "registry-recipient-list-phone")
    coordinator.goto(f"{base}/tasks/{plan.id}")
    # the target is typed, the list's size beside it
    expect(coordinator.locator("#list-panel")).to_contain_text("3 keluarga")
    fill_plan(coordinator, target_households="4", budget_rupiah="1.500.000",
              benefit_rupiah="500.000", end_date="2027-01-31", rounds="1")
    coordinator.locator("#task-form button.submit-step").click()
    expect(coordinator.locator(".flash-success")).to_be_visible()

    # 3. the supervisor sees the list and approves the plan
    supervisor = phone(browser, base, "supervisor")
    fresh(session)
    (approval,) = programs.open_tasks(session, program)
    supervisor.goto(f"{base}/tasks/{approval.id}")
    expect(supervisor.locator("#list-panel")).to_contain_text("3 keluarga")
    supervisor.check("input[name=decision][value=approve]")
    supervisor.locator("#task-form button.submit-step").click()
    expect(supervisor.locator(".flash-success")).to_be_visible()

    # 4. round 1 at the distribution point: tick each family
    fresh(session)
    (round_task,) = programs.open_tasks(session, program)
    coordinator.goto(f"{base}/tasks/{round_task.id}")
    coordinator.click("text=Buka daftar centang")
    coordinator.click("text=Buka Tahap 1")  # the three families become due, Rp 500.000 each
    expect(coordinator.locator(".flash-success")).to_contain_text("3 keluarga")
    rows = coordinator.locator(".tick-row")
    expect(rows).to_have_count(3)
    for index in range(2):
        rows.nth(index).locator("button.tick-yes").click()
        expect(rows.nth(index)).to_have_class("tick-row is-received")
    rows.nth(2).locator(".tick-no summary").click()
    rows.nth(2).locator("button[data-missed][value=moved]").click()
    expect(rows.nth(2)).to_have_class("tick-row is-missed")
    expect(coordinator.locator("#round-figures")).to_contain_text("2 diterima")
    no_sideways_scroll(coordinator)
    screenshot(coordinator, "registry-round-checklist-phone")
    coordinator.goto(f"{base}/tasks/{round_task.id}")
    expect(coordinator.locator("#list-panel")).to_contain_text("Rp 1.000.000")
    coordinator.fill("[name=distribution_date]", "2026-12-15")
    fill_round(coordinator)
    coordinator.locator("#task-form button.submit-step").click()
    expect(coordinator.locator(".flash-success")).to_be_visible()

    # 5. supervision, then the evaluation shows the figures from the lines
    fresh(session)
    (visit,) = programs.open_tasks(session, program)
    visitor = people["supervisor"]  # uji petik: one family of the sample checked
    (checked, *_) = spot_checks.sample(session, visitor, program.id)
    spot_checks.record(session, visitor, program.id, checked.line.id, True, True, True)
    completion.complete_task(session, visitor, visit.id, dict(STEP_DATA["supervision_visit"]))
    fresh(session)
    (evaluation,) = programs.open_tasks(session, program)
    coordinator.goto(f"{base}/tasks/{evaluation.id}")
    panel = coordinator.locator("#list-panel")
    expect(panel).to_contain_text("66,7 %")  # 2 of the 3 families reached
    expect(coordinator.locator("[name=coverage_pct]")).to_have_count(0)
    no_sideways_scroll(coordinator)
    screenshot(coordinator, "registry-evaluation-phone")
    lines = session.execute(sa.text("SELECT count(*) FROM distribution_line")).scalar()
    assert lines == 3
