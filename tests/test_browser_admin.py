"""An admin edits program_cycle in the browser; new programs run the new version."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.browser import screenshot
from tests.program_data import data_for
from tests.test_browser import sign_in, submit
from webapp.models import User
from webapp.services.diagrams import deployment
from webapp.services.workflow import completion, programs

pytestmark = pytest.mark.browser


def fill_assessment(page: Page, villages: str) -> None:
    """``villages``: the code of a desa of the program's area."""
    for field, value in {"assessment_date": "2026-11-02", "households_total": "300",
                         "hh_in_need": "120", "hh_food_insecure": "40"}.items():
        page.fill(f"[name={field}]", value)
    page.check(f"input[name=villages][value='{villages}']")


def test_admin_fixes_a_refused_condition_renames_a_step_and_deploys(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    base = live_server
    earlier = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "Program lama", "35.07.01")
    admin = sign_in(browser, base, "admin")
    admin.click(".topbar >> text=Administrasi")
    expect(admin.locator("h1")).to_have_text("Proses")
    admin.locator("#definitions tr[data-key=program_cycle]").get_by_text("Sunting").click()
    expect(admin.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)

    # an unsafe condition on the "returned" flow: listed, and highlighted on the canvas
    admin.locator('[data-element-id="flow_plan_returned_label"]').click()
    condition = admin.locator("#sp-condition")
    expect(condition).to_have_value('decision == "return"')
    condition.fill("__import__('os').system('id')")
    condition.blur()
    admin.click("#editor-check")
    problems = admin.locator("#editor-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("__import__")
    expect(problems).to_contain_text("ditolak")
    expect(admin.locator('[data-element-id="flow_plan_returned"].simpul-problem').first
           ).to_be_attached()
    screenshot(admin, "editor-problem")
    problems.locator("a").first.click()  # a problem's link selects its element
    condition.fill('decision == "return"')
    condition.blur()
    admin.click("#editor-check")
    expect(admin.locator("#editor-status")).to_have_text("Tidak ada masalah.")
    expect(problems).to_be_hidden()

    # rename the plan step in the properties panel, keep its form, deploy with a comment
    admin.locator('[data-element-id="program_plan"]').click()
    expect(admin.locator("#sp-form")).to_have_value("program_plan")
    general = admin.locator("#properties-panel [data-group-id=group-general]")
    general.locator(".bio-properties-panel-group-header").click()
    name = admin.locator("#bio-properties-panel-name")
    name.fill("Rencana Kerja Program")
    # the panel commits after a short pause: the diagram's own label shows it has
    expect(admin.locator('[data-element-id="program_plan"]')).to_contain_text("Rencana Kerja")
    admin.click("#editor-deploy")
    admin.fill("#deploy-comment", "Nama langkah perencanaan diperjelas")
    admin.click("#deploy-confirm")
    expect(admin.locator(".flash-success")).to_contain_text("program_cycle v2")
    current = admin.locator("#versions tr.current-version")
    expect(current).to_contain_text("v2")
    expect(current).to_contain_text("Nama langkah perencanaan diperjelas")
    screenshot(admin, "versions-after-deploy")

    coordinator = sign_in(browser, base, "koordinator")
    coordinator.goto(f"{base}/programs/new")
    coordinator.select_option("[name=process_key]", "program_cycle")
    coordinator.fill("[name=title]", "BPNT Sembako Pagak 2027")
    coordinator.select_option("[name=region]", "35.07.02")
    coordinator.click("#start-form button[type=submit]")
    expect(coordinator.locator("h1")).to_have_text("Asesmen Kebutuhan")
    fill_assessment(coordinator, "35.07.02.2001")
    submit(coordinator)
    expect(coordinator.locator("h1")).to_have_text("Rencana Kerja Program")

    # the program started before the deploy stays on version 1
    (assessment,) = programs.open_tasks(session, earlier)
    completion.complete_task(session, people["koordinator"], assessment.id,
                        data_for("needs_assessment"))
    (plan,) = programs.open_tasks(session, earlier)
    assert plan.name == "Perencanaan Program"
    assert earlier.definition_version.version == 1


def test_admin_draws_a_step_with_its_own_fields_and_a_coordinator_fills_it(
        browser: Any, live_server: str) -> None:
    base = live_server
    admin = sign_in(browser, base, "admin")
    admin.goto(f"{base}/admin/processes/program_cycle/edit")
    expect(admin.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    admin.evaluate("""() => { const canvas = window.simpulModeler.get('canvas');
        canvas.zoom(1.2); canvas.scrollToElement(
            window.simpulModeler.get('elementRegistry').get('flow_priority_decided')); }""")
    flow = admin.locator('g.djs-connection[data-element-id="flow_priority_decided"]')
    box = flow.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # a task from the palette, dropped on the flow between the priority and the plan
    admin.locator(".djs-palette .entry.bpmn-icon-task").click()
    admin.mouse.move(x - 10, y)
    admin.mouse.move(x, y)
    admin.mouse.click(x, y)
    admin.keyboard.type("Konfirmasi Mitra")
    admin.keyboard.press("Enter")
    expect(admin.locator("g.djs-shape", has_text="Konfirmasi Mitra")).to_have_count(1)
    admin.locator('.djs-context-pad .entry[data-action="replace"]').click()
    admin.locator('.djs-popup [data-id="replace-with-user-task"]').click()
    expect(admin.locator("#sp-form")).to_be_visible()
    screenshot(admin, "editor-new-task")
    admin.select_option("#sp-form", "__fields__")
    card = admin.locator(".sp-field").first
    card.locator(".sp-field-label").fill("Nama mitra")
    card.locator(".sp-field-required").check()
    admin.click("#sp-field-add")
    second = admin.locator(".sp-field").nth(1)
    second.locator(".sp-field-label").fill("Jenis mitra")
    second.locator(".sp-field-type").select_option("choice")
    second.locator(".sp-field-choices").fill("lsm = LSM\ndinas = Dinas")
    second.locator(".sp-field-required").check()
    screenshot(admin, "editor-own-fields")
    admin.click("#editor-deploy")
    admin.fill("#deploy-comment", "Langkah konfirmasi mitra")
    admin.click("#deploy-confirm")
    expect(admin.locator(".flash-success")).to_contain_text("program_cycle v2")

    coordinator = sign_in(browser, base, "koordinator")
    coordinator.goto(f"{base}/programs/new")
    coordinator.select_option("[name=process_key]", "program_cycle")
    coordinator.fill("[name=title]", "PKH Donomulyo 2027")
    coordinator.select_option("[name=region]", "35.07.01")
    coordinator.click("#start-form button[type=submit]")
    fill_assessment(coordinator, "35.07.01.2001")
    submit(coordinator)
    expect(coordinator.locator("h1")).to_have_text("Konfirmasi Mitra")
    submit(coordinator)  # nothing filled: both fields are required
    expect(coordinator.locator("#task-form .field-error")).to_have_count(2)
    coordinator.fill("[name=nama_mitra]", "Yayasan Peduli Malang")
    coordinator.select_option("[name=jenis_mitra]", "lsm")
    screenshot(coordinator, "own-fields-form")
    submit(coordinator)
    expect(coordinator.locator("h1")).to_have_text("Perencanaan Program")


def test_the_comparison_shows_both_diagrams_with_the_changes_coloured(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    from tests.fieldlist_data import with_partner_step
    from webapp import engine

    newer = with_partner_step().replace('name="Perencanaan Program"', 'name="Rencana Kerja"', 1)
    deployment.deploy_definitions(
        session, [engine.SourceFile("program_cycle.bpmn", newer.encode())],
        people["admin"], comment="Konfirmasi mitra", origin="editor")
    admin = sign_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/processes/program_cycle")
    admin.get_by_text("Bandingkan dengan v1").click()
    expect(admin.locator("h1")).to_have_text("Bandingkan versi")
    expect(admin.locator("#changes")).to_contain_text("Konfirmasi Mitra")
    new = admin.locator("#diagram-new.diagram-ready")
    expect(new).to_be_visible(timeout=15_000)
    expect(admin.locator("#diagram-old.diagram-ready")).to_be_visible(timeout=15_000)
    expect(new.locator('[data-element-id="program_plan"].simpul-changed').first
           ).to_be_attached()
    screenshot(admin, "compare-versions")


def test_admin_edits_a_decision_table_and_the_process_follows(
        browser: Any, live_server: str, tmp_path: Any) -> None:
    admin = sign_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/processes/program_priority/edit")
    expect(admin.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    cell = admin.locator("td", has_text='"tinggi"').first
    cell.click()
    admin.keyboard.press("End")
    admin.keyboard.press("ArrowLeft")
    admin.keyboard.type(" sekali")
    admin.locator("h1").click()
    expect(admin.locator("td", has_text='"tinggi sekali"')).to_have_count(1)
    screenshot(admin, "dmn-editor")
    admin.click("#editor-deploy")
    admin.fill("#deploy-comment", "Prioritas tertinggi diperjelas")
    admin.click("#deploy-confirm")
    flash = admin.locator(".flash-success")
    expect(flash).to_contain_text("program_priority v2")
    expect(flash).to_contain_text("program_cycle v2")  # the process now pins the new table


def test_admin_opens_a_file_from_the_computer_in_the_editor(
        browser: Any, live_server: str, tmp_path: Any) -> None:
    from tests.fieldlist_data import CYCLE

    drawn = tmp_path / "dari-camunda.bpmn"
    drawn.write_text(CYCLE.replace('name="Perencanaan Program"', 'name="Rencana dari berkas"', 1)
                     .replace('decision == "return"', "__import__('os')", 1))
    admin = sign_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/processes/program_cycle/edit")
    expect(admin.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    admin.set_input_files("#editor-file", str(drawn))
    expect(admin.locator("#editor-status")).to_have_text("Berkas dibuka. Periksa, lalu terapkan.")
    expect(admin.locator("g.djs-shape", has_text="Rencana dari berkas")).to_have_count(1)
    admin.click("#editor-check")
    expect(admin.locator("#editor-problems")).to_contain_text("__import__")
