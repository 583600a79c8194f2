"""Program administration: suspend / resume / terminate, incidents and retry, masked data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.program_data import data_for, fresh, program_at
from webapp import engine
from webapp.models import Event, HumanTask, Incident, Instance, User
from webapp.services.diagrams import deployment
from webapp.services.errors import Conflict, Forbidden, InvalidInput, StepFailed
from webapp.services.privacy import mask_nik
from webapp.services.workflow import administration, completion, inbox, programs, version_moves

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (ROOT / "workflows/program_cycle.bpmn").read_text()


def statuses(session: Session, program: Instance) -> list[str]:
    fresh(session)
    return list(session.scalars(sa.select(HumanTask.status).where(
        HumanTask.instance_id == program.id).order_by(HumanTask.id)))


def test_suspend_holds_the_steps_and_resume_releases_them(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    program = program_at(session, people, "program_plan")
    with pytest.raises(InvalidInput):
        administration.change_status(session, admin, program.id, "suspend", "  ")
    fresh(session)
    administration.change_status(session, admin, program.id, "suspend", "Data penerima diaudit")
    assert statuses(session, program)[-1] == "suspended"
    (plan,) = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == program.id,
                                                         HumanTask.bpmn_id == "program_plan"))
    with pytest.raises(Conflict) as held:
        completion.complete_task(session, people["koordinator"], plan.id, data_for("program_plan"))
    assert "suspended" in str(held.value.message)
    fresh(session)
    assert inbox.task_counts(session, people["koordinator"])["mine"] == 0  # out of the inbox
    administration.change_status(session, admin, program.id, "resume", "Audit selesai")
    assert statuses(session, program)[-1] == "open"
    completion.complete_task(session, people["koordinator"], plan.id, data_for("program_plan"))
    reasons = [(e.action, e.data.get("reason")) for e in programs.history(session, program)
               if e.action.startswith("instance.") and e.action != "instance.started"]
    assert reasons == [("instance.suspended", "Data penerima diaudit"),
                       ("instance.running", "Audit selesai")]


def test_terminate_cancels_open_steps_and_only_admins_may(
        session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "approve_plan")
    with pytest.raises(Forbidden):
        administration.change_status(session, people["supervisor"], program.id, "terminate",
                                     "x")
    fresh(session)
    administration.change_status(session, people["admin"], program.id, "terminate",
                                 "Anggaran dibatalkan")
    fresh(session)
    assert program.status == "terminated" and program.ended_at is not None
    assert statuses(session, program)[-1] == "cancelled"
    with pytest.raises(Conflict):
        administration.change_status(session, people["admin"], program.id, "resume", "lagi")


def _approval_failing_on_a_broken_script(session: Session, people: dict[str, User]
                                         ) -> tuple[Instance, HumanTask]:
    """A program whose plan approval fails on a script of the deployed diagram (an incident)."""
    broken = CYCLE.replace("rounds_done = 0", "rounds_done = belum_ada + 1", 1)
    deployment.deploy_definitions(session, [engine.SourceFile("c.bpmn", broken.encode())],
                                  people["admin"], comment="rusak", origin="editor")
    program = program_at(session, people, "approve_plan")
    (approval,) = programs.open_tasks(session, program)
    with pytest.raises(StepFailed):
        completion.complete_task(session, people["supervisor"], approval.id,
                                 {"decision": "approve", "reason": ""})
    fresh(session)
    return program, approval


def test_a_failing_script_becomes_an_incident_that_retries_after_a_fix(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    program, approval = _approval_failing_on_a_broken_script(session, people)
    (incident,) = administration.incidents(session, admin, program)
    assert incident.human_task_id == approval.id and "belum_ada" in incident.error
    assert incident.data == {"decision": "approve", "reason": ""}
    page = administration.list_programs(session, admin,
                                        administration.ProgramFilter(incidents_only=True))
    assert [i.id for i in page.items] == [program.id]
    assert administration.retry_incident(session, admin, incident.id) is False  # still broken
    fresh(session)
    assert session.get(Incident, incident.id).attempts == 2  # type: ignore[union-attr]
    deployment.deploy_definitions(session, [engine.SourceFile("c.bpmn", CYCLE.encode())],
                                   admin, comment="diperbaiki", origin="editor")
    version_moves.move(session, admin, "program_cycle", 2, 3)
    assert administration.retry_incident(session, admin, incident.id) is True
    fresh(session)
    assert session.get(Incident, incident.id).resolved_by_id == admin.id  # type: ignore[union-attr]
    (after,) = programs.open_tasks(session, program)
    assert after.bpmn_id == "distribution_record"
    done = session.scalars(sa.select(Event).where(Event.action == "task.completed",
                                                  Event.human_task_id == approval.id)).one()
    assert done.actor_id == people["supervisor"].id  # the step is the supervisor's, not admin's


@pytest.mark.parametrize(("text", "shown"), [
    ("NIK 3507011203850001, KK 3507010101010002", "NIK 3507********0001, KK 3507********0002"),
    ("3507 0112 0385 0001", "3507********0001"),
    ("3507-01-120385-0001", "3507********0001"),
    ("3507.01.120385.0001", "3507********0001"),
    ("/?q=3507%200112%200385%200001 HTTP/1.1", "/?q=3507********0001 HTTP/1.1"),
    ("q=3507+0112+0385+0001", "q=3507********0001"),
    ("Rp 45000000 dan 12345", "Rp 45000000 dan 12345"),
    ("rekening 123435070112038500019", "rekening 123435070112038500019"),
    ("+62 812-3456-7890", "+62 812-3456-7890"),
])
def test_nik_numbers_are_masked_however_they_are_written(text: str, shown: str) -> None:
    assert mask_nik(text) == shown


def test_nik_numbers_are_masked_in_numbers_and_containers() -> None:
    assert mask_nik(3507011203850001) == "3507********0001"
    assert mask_nik({"a": ["3507011203850001"]}) == {"a": ["3507********0001"]}


def test_the_admin_pages(login_as: Any, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    other = programs.start_instance(session, people["kota"], "program_cycle", "PKH Kota",
                                     "35.73.01")
    data = dict(data_for("needs_assessment"), notes="Ketua RT NIK 3507011203850001")
    (plan,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], plan.id, data_for("program_plan"))
    client = login_as("admin")
    listing = client.get("/admin/programs?region=35.07").get_data(as_text=True)
    assert "BPNT Donomulyo" in listing and "PKH Kota" not in listing
    listing = client.get("/admin/programs?status=completed").get_data(as_text=True)
    assert "BPNT Donomulyo" not in listing
    today = dt.date.today().isoformat()
    assert "PKH Kota" in client.get(f"/admin/programs?from={today}&to={today}").get_data(
        as_text=True)
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert 'id="administration"' in page
    token = csrf_token(client, f"/programs/{program.id}")
    response = client.post(f"/admin/programs/{program.id}/status",
                           data={"csrf_token": token, "action": "suspend", "reason": "Audit"})
    assert response.status_code == 303
    fresh(session)
    assert program.status == "suspended"
    assert other.status == "running"
    second = program_at(session, people, "needs_assessment", "Dengan NIK")
    (assessment,) = programs.open_tasks(session, second)
    completion.complete_task(session, people["koordinator"], assessment.id, data)
    shown = client.get(f"/admin/programs/{second.id}/data").get_data(as_text=True)
    assert "3507********0001" in shown and "3507011203850001" not in shown
    coordinator_page = login_as("koordinator").get(f"/programs/{second.id}").get_data(
        as_text=True)
    assert 'id="administration"' not in coordinator_page
    assert login_as("koordinator").get(f"/admin/programs/{second.id}/data").status_code == 403


def test_a_retry_takes_the_step_and_resolves_its_incident_together(
        session: Session, people: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash between the step and the incident's resolution leaves neither: the step is not
    taken and the incident can be retried (it was once left resolved-never, step-taken)."""
    admin = people["admin"]
    program, approval = _approval_failing_on_a_broken_script(session, people)
    deployment.deploy_definitions(session, [engine.SourceFile("c.bpmn", CYCLE.encode())],
                                  admin, comment="diperbaiki", origin="editor")
    version_moves.move(session, admin, "program_cycle", 2, 3)
    fresh(session)
    (incident,) = administration.incidents(session, admin, program)

    def crash() -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(administration, "utcnow", crash)  # as the resolution is written
    with pytest.raises(RuntimeError):
        administration.retry_incident(session, admin, incident.id)
    monkeypatch.undo()
    fresh(session)
    assert [t.id for t in programs.open_tasks(session, program)] == [approval.id]
    assert session.get(Incident, incident.id).resolved_at is None  # type: ignore[union-attr]
    assert administration.retry_incident(session, admin, incident.id) is True
    fresh(session)
    assert [t.bpmn_id for t in programs.open_tasks(session, program)] == ["distribution_record"]
