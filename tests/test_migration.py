"""Moving running programs from version N to N+1: dry run, move, undo (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.fieldlist_data import with_partner_step
from tests.program_data import data_for, fresh, program_at
from webapp import engine
from webapp.models import Event, Instance, User
from webapp.services.diagrams import deployment
from webapp.services.errors import Conflict, Forbidden
from webapp.services.workflow import completion, programs, version_moves

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (ROOT / "workflows/program_cycle.bpmn").read_text()


def deploy(session: Session, admin: User, text: str) -> None:
    deployment.deploy_definitions(session, [engine.SourceFile("c.bpmn", text.encode())], admin,
                                   comment="baru", origin="editor", expected_key="program_cycle")


def step(session: Session, people: dict[str, User], program: Instance, data: Any = None) -> str:
    (task,) = programs.open_tasks(session, program)
    who = people["supervisor"] if task.group_name == "Supervisor" else people["koordinator"]
    completion.complete_task(session, who, task.id, data or data_for(task.form_key or "", None,
                                                                task.bpmn_id))
    fresh(session)
    (after,) = programs.open_tasks(session, program)
    return after.bpmn_id


def test_dry_run_then_move_then_the_program_takes_the_new_step(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    waiting = program_at(session, people, "approve_plan", "Menunggu persetujuan")
    executing = program_at(session, people, "distribution_record", "Sudah penyaluran")
    deploy(session, admin, with_partner_step())
    checks = {c.instance.id: c
              for c in version_moves.dry_run(session, admin, "program_cycle", 1, 2)}
    assert checks[waiting.id].can_move and checks[executing.id].can_move
    assert checks[waiting.id].waiting == ["Persetujuan Rencana"]
    result = version_moves.move(session, admin, "program_cycle", 1, 2, [waiting.id])
    assert [i.id for i in result.moved] == [waiting.id] and result.skipped == []
    fresh(session)
    assert waiting.definition_version.version == 2
    assert executing.definition_version.version == 1  # not chosen, not moved
    moved = session.scalars(sa.select(Event).where(Event.instance_id == waiting.id,
                                                   Event.action == "instance.migrated")).one()
    assert moved.actor_id == admin.id and moved.data["from_version"] == 1
    assert step(session, people, waiting) == "confirm_partner"  # the step added in v2
    assert version_moves.last_move(session, waiting) is None  # it has moved on: no undo
    with pytest.raises(Conflict):
        version_moves.undo_move(session, admin, waiting.id)
    session.rollback()
    # the program not moved still runs its own version to the end of planning
    assert step(session, people, executing, data_for("distribution_record")) in (
        "distribution_record", "supervision_visit")


def test_a_program_waiting_at_a_removed_step_cannot_move_and_says_why(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    program = program_at(session, people, "approve_plan", "Menunggu persetujuan")
    renamed = CYCLE.replace('id="approve_plan"', 'id="approve_plan_v2"').replace(
        ">approve_plan<", ">approve_plan_v2<").replace(
        'targetRef="approve_plan"', 'targetRef="approve_plan_v2"').replace(
        'sourceRef="approve_plan"', 'sourceRef="approve_plan_v2"').replace(
        'bpmnElement="approve_plan"', 'bpmnElement="approve_plan_v2"')
    deploy(session, admin, renamed)
    (check,) = version_moves.dry_run(session, admin, "program_cycle", 1, 2)
    assert not check.can_move
    assert any("Persetujuan Rencana" in reason for reason in check.reasons), check.reasons
    result = version_moves.move(session, admin, "program_cycle", 1, 2)
    assert result.moved == [] and [i.id for i, _ in result.skipped] == [program.id]
    fresh(session)
    assert program.definition_version.version == 1


def test_a_changed_form_blocks_the_move(session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    program_at(session, people, "program_plan", "Menunggu rencana")
    changed = CYCLE.replace('name="formKey" value="program_plan"', 'name="formKey" value="note"')
    deploy(session, admin, changed)
    (check,) = version_moves.dry_run(session, admin, "program_cycle", 1, 2)
    assert not check.can_move
    assert any("Perencanaan Program" in r and "form" in r for r in check.reasons), check.reasons


def test_move_all_then_undo_puts_the_program_back(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    program = program_at(session, people, "approve_plan", "Menunggu persetujuan")
    deploy(session, admin, with_partner_step().replace(
        'name="Persetujuan Rencana"', 'name="Setujui Rencana"', 1))
    result = version_moves.move(session, admin, "program_cycle", 1, 2)
    assert [i.id for i in result.moved] == [program.id]
    fresh(session)
    (task,) = programs.open_tasks(session, program)
    assert task.name == "Setujui Rencana"  # the waiting step took its new name
    with pytest.raises(Forbidden):
        version_moves.undo_move(session, people["supervisor"], program.id)
    session.rollback()
    version_moves.undo_move(session, admin, program.id)
    fresh(session)
    assert program.definition_version.version == 1
    (task,) = programs.open_tasks(session, program)
    assert task.name == "Persetujuan Rencana"
    actions = [e.action for e in programs.history(session, program)]
    assert actions[-2:] == ["instance.migrated", "instance.migration_undone"]
    assert step(session, people, program) == "distribution_record"  # v1's path: no partner step


def test_the_migration_pages(login_as: Any, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "approve_plan", "Menunggu persetujuan")
    deploy(session, people["admin"], with_partner_step())
    client = login_as("admin")
    page = client.get("/admin/processes/program_cycle/migrate?from=1&to=2")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Menunggu persetujuan" in body and 'name="instance"' in body
    token = csrf_token(client, "/admin/processes/program_cycle/migrate?from=1&to=2")
    response = client.post("/admin/processes/program_cycle/migrate",
                           data={"csrf_token": token, "from": "1", "to": "2", "all": "1"})
    assert response.status_code == 303
    fresh(session)
    assert program.definition_version.version == 2
    page = client.get("/admin/processes/program_cycle/migrate?from=1&to=2").get_data(
        as_text=True)
    assert f"/admin/programs/{program.id}/undo-move" in page
    response = client.post(f"/admin/programs/{program.id}/undo-move",
                           data={"csrf_token": token,
                                 "next": "/admin/processes/program_cycle/migrate?from=1&to=2"})
    assert response.status_code == 303
    fresh(session)
    assert program.definition_version.version == 1
    assert login_as("supervisor").get(
        "/admin/processes/program_cycle/migrate?from=1&to=2").status_code == 403
