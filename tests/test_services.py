"""Services against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.program_data import data_for
from webapp import engine
from webapp.db import make_session_factory
from webapp.models import DefinitionVersion, Event, HumanTask, Instance, User
from webapp.services.diagrams import definitions, deployment
from webapp.services.errors import (
    AlreadyCompleted,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
)
from webapp.services.workflow import completion, inbox, programs

ROOT = Path(__file__).resolve().parent.parent


def start(session: Session, user: User, title: str = "BPNT Donomulyo") -> Instance:
    return programs.start_instance(session, user, "program_cycle", title, "35.07.01")


def open_task(session: Session, instance: Instance) -> HumanTask:
    (task,) = programs.open_tasks(session, instance)
    return task


def advance(session: Session, people: dict[str, User], instance: Instance,
            returns: dict[str, int] | None = None, until: str | None = None) -> list[str]:
    """Complete open tasks as the right person until ``until`` is open or the program ends."""
    path = []
    while True:
        open_ = programs.open_tasks(session, instance)
        if not open_ or open_[0].bpmn_id == until:
            return path
        task = open_[0]
        who = people["supervisor"] if task.group_name == "Supervisor" else people["koordinator"]
        completion.complete_task(session, who, task.id, data_for(task.form_key or "", returns,
                                                            task.bpmn_id))
        path.append(task.bpmn_id)


def test_shipped_definitions_deploy_once_by_hash(session: Session) -> None:
    again = deployment.deploy_shipped(session, ROOT / "workflows")
    assert again == []
    versions = session.scalars(sa.select(DefinitionVersion)).all()
    assert {v.key for v in versions} >= {"program_cycle", "program_priority"}
    cycle = definitions.current_version(session, "program_cycle")
    assert cycle is not None and cycle.version == 1 and len(cycle.sha256) == 64
    assert cycle.dependencies  # pinned to the DMN version it was deployed with


def test_program_runs_start_to_close_with_a_return_for_revision(
        session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    first = open_task(session, program)
    assert first.bpmn_id == "needs_assessment" and first.assignee_id == people["koordinator"].id
    path = advance(session, people, program, {"approve_plan": 1})
    assert path[:5] == ["needs_assessment", "program_plan", "approve_plan", "program_plan",
                        "approve_plan"]
    session.refresh(program)
    assert program.status == "completed" and program.ended_at is not None
    actions = [e.action for e in programs.history(session, program)]
    assert actions[0] == "instance.started" and actions[-1] == "instance.completed"
    completed = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == program.id,
                                                           HumanTask.status == "completed"))
    assert len(list(completed)) == len(path)
    state = programs.diagram_state(session, program)
    assert {"needs_assessment", "approve_plan", "approve_evaluation"} <= set(state.completed)
    assert state.current == []


def test_revision_goes_back_to_the_coordinator_who_wrote_the_plan(
        session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    advance(session, people, program, until="approve_plan")
    approval = open_task(session, program)
    assert approval.assignee_id is None  # a group task for any supervisor
    completion.complete_task(session, people["supervisor"], approval.id,
                        {"decision": "return", "reason": "Rinci anggaran"})
    revision = open_task(session, program)
    assert revision.bpmn_id == "program_plan"
    assert revision.assignee_id == people["koordinator"].id


def test_a_coordinator_cannot_complete_a_supervisor_task(
        session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    advance(session, people, program, until="approve_plan")
    approval = open_task(session, program)
    with pytest.raises(NotFound):
        completion.complete_task(session, people["koordinator"], approval.id,
                            {"decision": "approve", "reason": ""})
    session.rollback()
    session.refresh(approval)
    assert approval.status == "open"


def test_outsiders_neither_see_nor_claim_group_tasks(
        session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    task = open_task(session, program)
    inbox.release_task(session, people["koordinator"], task.id)
    for outsider in ("mitra", "kota", "supervisor"):  # wrong group, wrong region, wrong lane
        user = people[outsider]
        listed = inbox.list_tasks(session, user, tab="group").items
        assert task.id not in {t.id for t in listed}
        with pytest.raises(NotFound):
            inbox.get_task(session, user, task.id)
        with pytest.raises(NotFound):
            inbox.claim_task(session, user, task.id)
        session.rollback()
        if outsider != "supervisor":  # supervisors oversee every program of their region
            with pytest.raises(NotFound):
                programs.get_instance(session, user, program.id)


def test_claim_and_release(session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    task = open_task(session, program)
    inbox.release_task(session, people["koordinator"], task.id)
    assert inbox.task_counts(session, people["koordinator2"])["group"] == 1
    inbox.claim_task(session, people["koordinator2"], task.id)
    with pytest.raises(ServiceError):
        inbox.claim_task(session, people["koordinator"], task.id)
    session.rollback()
    with pytest.raises(ServiceError):
        completion.complete_task(session, people["koordinator"], task.id,
                                 data_for("needs_assessment"))
    session.rollback()
    assert inbox.task_counts(session, people["koordinator2"])["mine"] == 1


def test_inbox_filters_and_pages(session: Session, people: dict[str, User]) -> None:
    for n in range(25):
        start(session, people["koordinator"], f"Program uji {n:02d}")
    page = inbox.list_tasks(session, people["koordinator"], tab="mine", per_page=10, page=3)
    assert page.total == 25 and page.pages == 3 and len(page.items) == 5
    assert inbox.list_tasks(session, people["koordinator"], phase="planning").total == 0
    assert inbox.list_tasks(session, people["koordinator"], phase="assessment",
                            process="program_cycle").total == 25
    assert inbox.task_counts(session, people["koordinator2"]) == {"mine": 0, "group": 25,
                                                                  "done": 0}


def test_start_outside_own_region_is_refused(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(Forbidden):
        programs.start_instance(session, people["koordinator"], "program_cycle",
                                 "Program Kota", "35.73.01")


def test_unsafe_diagram_is_refused_at_deploy_and_changes_nothing(
        session: Session, people: dict[str, User]) -> None:
    xml = (ROOT / "workflows/program_cycle.bpmn").read_text()
    evil = xml.replace("decision == &quot;return&quot;", "__import__('os').system('id')", 1)
    evil = evil.replace('decision == "return"', "__import__('os').system('id')", 1)
    assert evil != xml
    dmn = (ROOT / "workflows/program_priority.dmn").read_bytes()
    before = session.scalar(sa.select(sa.func.count()).select_from(DefinitionVersion))
    with pytest.raises(InvalidInput) as refused:
        deployment.deploy_definitions(session, [
            engine.SourceFile("program_priority.dmn", dmn),
            engine.SourceFile("program_cycle.bpmn", evil.encode())], actor=people["admin"])
    message = str(refused.value)
    assert "__import__" in message and ("plan_decision" in message or "flow_plan" in message)
    assert session.scalar(sa.select(sa.func.count()).select_from(DefinitionVersion)) == before


def _completer(app: Flask, user_id: int, task_id: int, barrier: threading.Barrier,
               results: list[Any]) -> None:
    factory = make_session_factory(app.extensions["simpul_engine"])
    with factory() as session:
        user = session.get(User, user_id)
        assert user is not None
        barrier.wait()
        try:
            completion.complete_task(session, user, task_id, {"decision": "approve", "reason": ""})
            results.append("ok")
        except AlreadyCompleted as err:
            results.append(("already", err.details.get("by")))
        except Exception as err:  # noqa: BLE001 - recorded for the assertion message
            results.append(repr(err))


def test_two_supervisors_completing_at_once_gives_exactly_one_success(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    trials = 200
    approvals = []
    for n in range(trials):
        program = start(session, people["koordinator"], f"Program {n:03d}")
        advance(session, people, program, until="approve_plan")
        approvals.append(open_task(session, program).id)
    ids = [people["supervisor"].id, people["supervisor2"].id]
    for task_id in approvals:
        results: list[Any] = []
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=_completer, args=(app, uid, task_id, barrier, results))
                   for uid in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(map(str, results))[-1] == "ok" and results.count("ok") == 1, results
        loser = next(r for r in results if r != "ok")
        assert loser[0] == "already" and loser[1] in ("Supervisor", "Supervisor2"), results
    session.rollback()  # end the read snapshot taken before the threads ran
    completions = session.execute(
        sa.select(Event.human_task_id, sa.func.count()).where(
            Event.action == "task.completed", Event.human_task_id.in_(approvals))
        .group_by(Event.human_task_id)).all()
    assert len(completions) == trials and all(count == 1 for _, count in completions)


def test_a_cached_workflow_is_used_only_at_the_version_it_was_saved_at(
        session: Session, people: dict[str, User]) -> None:
    from dataclasses import replace

    from webapp.services.workflow.steps import HANDLES, InstanceRef

    program = start(session, people["koordinator"])
    version = program.definition_version
    ref = InstanceRef(program.id, program.version, program.business_key, "running", version.id,
                      version.sha256, version.key, program.region_code, program.started_by_id)
    handles = HANDLES.of(session)
    first = handles.checkout(session, ref)  # cached by start_instance
    handles.checkin(ref, first)
    assert handles.checkout(session, ref) is first
    handles.checkin(ref, first)
    # another process moved the program on: our copy must not be used
    moved = replace(ref, version=ref.version + 1)
    restored = handles.checkout(session, moved)
    assert restored is not first
    assert [t.info.bpmn_id for t in restored.ready_user_tasks()] == ["needs_assessment"]
    # a reused row id with another business key never matches either
    handles.checkin(ref, first)
    assert handles.checkout(session, replace(ref, business_key="PRO-OTHER")) is not first


def test_a_stopped_program_takes_no_more_steps(session: Session, people: dict[str, User]) -> None:
    program = start(session, people["koordinator"])
    task = open_task(session, program)
    session.execute(sa.update(Instance).where(Instance.id == program.id)
                    .values(status="terminated"))
    session.commit()
    with pytest.raises(AlreadyCompleted):
        completion.complete_task(session, people["koordinator"], task.id,
                            data_for("needs_assessment"))
    session.rollback()
    session.refresh(task)
    assert task.status == "open"


def test_a_region_holds_its_own_codes_and_those_inside_it_only(
        session: Session, people: dict[str, User]) -> None:
    """The inbox's region range (an index scan) keeps exactly the region and what lies inside
    it, byte by byte whatever the database's collation: not 35.071, not 35.0."""
    from webapp.services.scope import region_clause

    program = start(session, people["koordinator"])
    codes = ["35.07", "35.07.01", "35.07.01.2001", "35.071", "35.0", "35.08", "35.06.99",
             "35.07/", "35", None]
    session.execute(sa.insert(HumanTask), [
        {"instance_id": program.id, "task_id": f"code-{n}", "bpmn_id": "x", "name": "x",
         "group_name": "Koordinator", "process_key": "program_cycle", "region_code": code,
         "status": "open"} for n, code in enumerate(codes)])
    session.flush()
    inside = set(session.scalars(sa.select(HumanTask.region_code).where(
        HumanTask.instance_id == program.id, HumanTask.task_id.like("code-%"),
        region_clause(people["koordinator"], HumanTask.region_code, ranged=True))))
    assert inside == {"35.07", "35.07.01", "35.07.01.2001"}
    session.rollback()


def test_known_area_codes_come_from_the_region_table(session: Session) -> None:
    from webapp.services.accounts.regions import known_codes
    from webapp.services.registry.identity import check_nik

    codes = known_codes(session)
    assert "35.07.01" in codes and "35.07" not in codes  # kecamatan only
    import datetime as dt

    assert check_nik("3507011708450001", dt.date(2026, 11, 30), codes.__contains__).ok
