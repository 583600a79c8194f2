"""The whole approval loop, clicked through in chromium by a coordinator and a supervisor."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import fill_plan, screenshot
from tests.browser import sign_in as browser_sign_in
from webapp.services.workflow import completion

pytestmark = pytest.mark.browser


def sign_in(browser: Any, base: str, username: str, phone: bool = False) -> Page:
    page: Page = browser_sign_in(browser, base, username, *((390, 844) if phone else (1280, 900)))
    return page


def open_task(page: Page, base: str, tab: str, name: str) -> None:
    page.goto(f"{base}/?tab={tab}")
    page.locator(".task-row", has_text=name).locator("a.task-name").click()
    expect(page.locator("h1")).to_have_text(name)


def submit(page: Page) -> None:
    page.locator("#task-form button.submit-step").click()


def test_coordinator_and_supervisor_take_a_program_through_revision(
        browser: Any, live_server: str) -> None:
    base = live_server
    coordinator = sign_in(browser, base, "koordinator", phone=True)
    coordinator.goto(f"{base}/programs/new")
    coordinator.select_option("[name=process_key]", "program_cycle")
    coordinator.fill("[name=title]", "BPNT Sembako Donomulyo 2027")
    coordinator.select_option("[name=region]", "35.07.01")
    coordinator.click("#start-form button[type=submit]")
    expect(coordinator.locator("h1")).to_have_text("Asesmen Kebutuhan")

    fields = {"assessment_date": "2026-11-02", "households_total": "400", "hh_in_need": "500",
              "hh_food_insecure": "90"}
    for name, value in fields.items():
        coordinator.fill(f"[name={name}]", value)
    for desa in ("35.07.01.2001", "35.07.01.2003"):  # Tulungrejo, Kedungsalam: by code
        coordinator.check(f"input[name=villages][value='{desa}']")
    submit(coordinator)
    expect(coordinator.locator("#task-form .field-error").first).to_be_visible()
    expect(coordinator.locator("[name=hh_in_need]")).to_have_attribute("aria-invalid", "true")
    screenshot(coordinator, "assessment-validation-phone")
    coordinator.fill("[name=hh_in_need]", "180")
    submit(coordinator)
    # the plan is the coordinator's own next step: the page goes straight on to it
    expect(coordinator.locator(".flash-success")).to_contain_text("Asesmen Kebutuhan")
    expect(coordinator.locator("h1")).to_have_text("Perencanaan Program")
    fill_plan(coordinator)
    submit(coordinator)
    expect(coordinator.locator(".flash-success")).to_be_visible()
    expect(coordinator.locator("h1")).to_have_text("Kotak Masuk")  # the approval is not theirs

    supervisor = sign_in(browser, base, "supervisor")
    open_task(supervisor, base, "group", "Persetujuan Rencana")
    expect(supervisor.locator(".review")).to_contain_text("150")
    supervisor.check("[name=decision][value=return]")
    submit(supervisor)
    expect(supervisor.locator("#task-form .field-error")).to_be_visible()
    supervisor.fill("[name=reason]", "Rincikan anggaran per tahap penyaluran.")
    submit(supervisor)
    expect(supervisor.locator(".flash-success")).to_be_visible()

    open_task(coordinator, base, "mine", "Perencanaan Program")
    expect(coordinator.locator(".returned")).to_contain_text("Rincikan anggaran per tahap")
    expect(coordinator.locator("[name=target_households]")).to_have_value("150")
    coordinator.fill("[name=budget_rupiah]", "46.500.000")
    submit(coordinator)
    expect(coordinator.locator(".flash-success")).to_be_visible()

    # the revised plan comes back to the supervisor who returned it, in their own list
    open_task(supervisor, base, "mine", "Persetujuan Rencana")
    expect(supervisor.locator(".review")).to_contain_text("Rp 46.500.000")
    supervisor.check("[name=decision][value=approve]")
    submit(supervisor)
    expect(supervisor.locator(".flash-success")).to_be_visible()

    open_task(coordinator, base, "mine", "Catatan Penyaluran — Tahap 1 dari 2")
    coordinator.locator(".crumbs a").nth(1).click()
    diagram = coordinator.locator("#diagram.diagram-ready")
    expect(diagram).to_be_visible(timeout=15_000)
    expect(diagram.locator('[data-element-id="approve_plan"].simpul-done')).to_have_count(1)
    expect(diagram.locator('[data-element-id="needs_assessment"].simpul-done')).to_have_count(1)
    expect(diagram.locator('[data-element-id="distribution_record"].simpul-current')
           ).to_have_count(1)
    expect(coordinator.locator(".history")).to_contain_text("Rincikan anggaran per tahap")
    screenshot(coordinator, "instance-diagram-phone")


def test_two_supervisors_approving_the_same_plan_in_two_browsers(
        browser: Any, live_server: str, session: Any, people: Any) -> None:
    from tests.program_data import data_for
    from webapp.services.workflow import programs

    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "PKH Pagak 2027", "35.07.02")
    for _ in range(2):
        (task,) = programs.open_tasks(session, program)
        completion.complete_task(session, people["koordinator"], task.id, data_for(task.form_key))
    base = live_server
    first = sign_in(browser, base, "supervisor")
    second = sign_in(browser, base, "supervisor2")
    for page in (first, second):
        open_task(page, base, "group", "Persetujuan Rencana")
        page.check("[name=decision][value=approve]")
    submit(first)
    expect(first.locator(".flash-success")).to_be_visible()
    submit(second)
    expect(second.locator("#task-form .flash-error")).to_contain_text("Supervisor")
    screenshot(second, "approval-already-completed")
