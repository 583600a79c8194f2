"""program_cycle's plan approval: a reminder after 2 days, the Kepala Bidang after 5."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.browser import screenshot
from tests.program_data import fresh, program_at
from webapp import clock
from webapp.models import Event, Notification, User
from webapp.services.workflow import completion, jobs, programs

T0 = dt.datetime(2027, 5, 3, 8, 0, tzinfo=dt.UTC)


def kinds_for(session: Session, user: User) -> list[str]:
    fresh(session)
    return [n.kind for n in session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id))]


def test_a_late_plan_approval_reminds_then_goes_to_the_lead(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    program = program_at(session, people, "approve_plan")
    clock.advance(dt.timedelta(days=2, hours=1))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]  # the reminder
    assert kinds_for(session, people["supervisor"]) == ["assigned", "reminder"]
    (still,) = programs.open_tasks(session, program)
    assert still.bpmn_id == "approve_plan"
    clock.advance(dt.timedelta(days=3))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]  # 5 days: escalate
    fresh(session)
    (lead_task,) = programs.open_tasks(session, program)
    assert lead_task.bpmn_id == "approve_plan_lead" and lead_task.group_name == "Kepala Bidang"
    assert kinds_for(session, people["kabid"]) == ["escalated"]
    with pytest.raises(Exception):  # noqa: B017 - the supervisor's step is gone
        completion.complete_task(session, people["supervisor"], still.id,
                            {"decision": "approve", "reason": ""})
    fresh(session)
    completion.complete_task(session, people["kabid"], lead_task.id,
                        {"decision": "approve", "reason": ""})
    fresh(session)
    (next_step,) = programs.open_tasks(session, program)
    assert next_step.bpmn_id == "distribution_record"
    fired = session.scalars(sa.select(Event.data).where(Event.action == "timer.fired")).all()
    assert [d["bpmn_id"] for d in fired] == ["plan_reminder", "plan_overdue"]
    assert jobs.run_due(session, "w1") == []


@pytest.mark.browser
def test_the_lead_sees_the_escalated_approvals_turn_red_and_takes_two_at_once(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    from tests.test_browser import sign_in

    clock.set_time(T0)
    for title in ("Program terlambat", "Program 1", "Program 2"):
        program_at(session, people, "approve_plan", title)
    clock.advance(dt.timedelta(days=5, hours=1))
    jobs.run_due(session, "w1")  # the reminders and the escalations of all three
    jobs.run_due(session, "w1")
    clock.advance(dt.timedelta(days=2, hours=3))  # the lead's own 2 days have passed too
    lead = sign_in(browser, live_server, "kabid")
    lead.goto(f"{live_server}/?tab=group")
    row = lead.locator(".task-row", has_text="Program terlambat")
    expect(row).to_contain_text("Persetujuan Rencana (Kepala Bidang)")
    expect(row.locator(".due-late")).to_be_visible()
    expect(lead.locator("#bell .bell-count")).to_have_text("3")
    screenshot(lead, "escalated-approval-late")
    # bulk: tick two and take them (a supervisor-role user may reassign in their region)
    for title in ("Program 1", "Program 2"):
        lead.locator(".task-row", has_text=title).locator(".task-tick").check()
    lead.select_option("#bulk-form select[name=person]",
                       label=f"{people['kabid'].display_name} (Kepala Bidang)")
    lead.click("#bulk-form button[value=reassign]")
    expect(lead.locator(".flash-success")).to_contain_text("2 tugas diubah")
    lead.goto(f"{live_server}/?tab=mine")
    expect(lead.locator(".task-row")).to_have_count(2)
    screenshot(lead, "bulk-reassigned")


def test_a_grievance_is_recorded_verified_late_by_the_supervisor_and_answered(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    coordinator, supervisor = people["koordinator"], people["supervisor"]
    case = programs.start_instance(session, coordinator, "grievance",
                                    "Pengaduan bantuan belum diterima", "35.07.01")
    (record,) = programs.open_tasks(session, case)
    assert record.due_at == T0 + dt.timedelta(days=1)
    completion.complete_task(session, coordinator, record.id, {
        "complainant": "Ibu Sumarni", "complainant_nik": "3507011203850001",
        "village": "Tulungrejo", "category": "belum_diterima",
        "complaint": "Tahap 2 belum diterima."})
    clock.advance(dt.timedelta(days=5, hours=1))
    jobs.run_due(session, "w1")  # day 5: a reminder to the coordinator holding it
    assert kinds_for(session, coordinator) == ["reminder"]
    clock.advance(dt.timedelta(days=5))
    jobs.run_due(session, "w1")  # day 10: the Supervisor verifies instead
    fresh(session)
    (verify,) = programs.open_tasks(session, case)
    assert verify.bpmn_id == "grievance_verify_escalated" and verify.group_name == "Supervisor"
    completion.complete_task(session, supervisor, verify.id, {
        "verified": True, "findings": "Nama tercantum, bantuan tertahan di desa."})
    fresh(session)
    (followup,) = programs.open_tasks(session, case)
    assert followup.bpmn_id == "grievance_followup"
    with pytest.raises(Exception):  # noqa: B017 - who verified does not approve the follow-up
        completion.complete_task(session, supervisor, followup.id, {
            "corrective_action": "x", "recipient_list_changed": False})
    fresh(session)
    completion.complete_task(session, people["supervisor2"], followup.id, {
        "corrective_action": "Bantuan disalurkan ulang.", "recipient_list_changed": False})
    fresh(session)
    (answer,) = programs.open_tasks(session, case)
    completion.complete_task(session, coordinator, answer.id, {
        "answer": "Bantuan tahap 2 sudah disalurkan.", "answer_date": "2027-05-15"})
    fresh(session)
    assert case.status == "completed"


@pytest.mark.browser
def test_coming_back_from_a_task_keeps_the_inbox_scroll_position(
        browser: Any, live_server: str, session: Session, people: dict[str, User]) -> None:
    from tests.test_browser import sign_in

    for n in range(18):
        program_at(session, people, "approve_plan", f"Program {n:02d}")
    page = sign_in(browser, live_server, "supervisor")
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(f"{live_server}/?tab=group&sort=due")
    last = page.locator(".task-row a.task-name").last
    last.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 300
    last.click()
    expect(page.locator("h1")).to_have_text("Persetujuan Rencana")
    page.locator(".crumbs a").first.click()
    expect(page.locator("#inbox-list")).to_be_visible()
    assert "sort=due" in page.url and "tab=group" in page.url
    for _try in range(50):  # the page restores it once settled (CSP forbids wait_for_function)
        if page.evaluate("window.scrollY") > before - 50:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.scrollY") > before - 50, page.evaluate(
        "JSON.stringify(Object.entries(sessionStorage))")
