"""The job worker: BPMN timers armed on Simpul's clock, fired exactly once by any number of
workers, retried with backoff and kept as an incident when they keep failing."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.program_data import fresh
from webapp import clock, engine
from webapp.db import make_session_factory
from webapp.models import Event, Incident, Instance, Job, User
from webapp.services.diagrams import deployment
from webapp.services.workflow import (
    administration,
    completion,
    jobs,
    programs,
    version_moves,
)

ROOT = Path(__file__).resolve().parent
DEADLINE = (ROOT / "data/deadline.bpmn").read_text()
T0 = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)  # after the real now: nothing fires by itself
FAILING = DEADLINE.replace(
    'sourceRef="too_late" targetRef="escalated"', 'sourceRef="too_late" targetRef="broken"'
).replace(
    '<bpmn:userTask id="escalated"',
    '<bpmn:scriptTask id="broken" name="Hitung"><bpmn:incoming>f3</bpmn:incoming>'
    '<bpmn:outgoing>f5</bpmn:outgoing><bpmn:script>x = belum_ada + 1</bpmn:script>'
    '</bpmn:scriptTask><bpmn:sequenceFlow id="f5" sourceRef="broken" targetRef="escalated" />'
    '<bpmn:userTask id="escalated"', 1
).replace("<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>",
          "<bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>", 1).replace(
    "<bpmn:flowNodeRef>escalated</bpmn:flowNodeRef>",
    "<bpmn:flowNodeRef>escalated</bpmn:flowNodeRef><bpmn:flowNodeRef>broken</bpmn:flowNodeRef>")


def deploy(session: Session, admin: User, text: str = DEADLINE) -> None:
    deployment.deploy_definitions(session, [engine.SourceFile("deadline.bpmn", text.encode())],
                                   admin, comment="tenggat", origin="upload")


def start(session: Session, people: dict[str, User], title: str = "Tenggat") -> Instance:
    return programs.start_instance(session, people["supervisor"], "deadline", title, "35.07.01")


def fired(session: Session, program: Instance) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.instance_id == program.id, Event.action == "timer.fired")) or 0)


def open_steps(session: Session, program: Instance) -> list[str]:
    fresh(session)
    return [t.bpmn_id for t in programs.open_tasks(session, program)]


def test_a_timer_is_cancelled_when_the_step_is_done_in_time_and_fires_when_due(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    deploy(session, people["admin"])
    in_time, late = start(session, people, "Tepat waktu"), start(session, people, "Terlambat")
    (job,) = jobs.pending_timers(session, late.id)
    assert job.due_at == T0 + dt.timedelta(hours=48) and job.payload["bpmn_id"] == "too_late"
    (step,) = programs.open_tasks(session, in_time)
    completion.complete_task(session, people["supervisor"], step.id, {"note": "ok"})
    assert jobs.pending_timers(session, in_time.id) == []
    clock.advance(dt.timedelta(hours=47))
    assert jobs.run_due(session, "w1") == []  # not due yet
    clock.advance(dt.timedelta(hours=2))
    outcomes = jobs.run_due(session, "w1")
    assert [o.result for o in outcomes] == ["done"]
    assert open_steps(session, late) == ["escalated"]
    assert fired(session, late) == 1 and fired(session, in_time) == 0
    assert jobs.run_due(session, "w1") == []


def _worker(app: Flask, name: str, results: list[Any]) -> None:
    factory = make_session_factory(app.extensions["simpul_engine"])
    with factory() as session:
        while True:
            outcomes = jobs.run_due(session, name, 25)
            if not outcomes:
                return
            results.extend(outcomes)


def test_two_workers_fire_500_due_timers_each_exactly_once(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    deploy(session, people["admin"])
    programs = [start(session, people, f"Program {n:03d}") for n in range(500)]
    clock.advance(dt.timedelta(days=3))
    results: list[Any] = []
    workers = [threading.Thread(target=_worker, args=(app, f"w{n}", results)) for n in (1, 2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=600)
    fresh(session)
    counts = dict(session.execute(
        sa.select(Event.instance_id, sa.func.count()).where(Event.action == "timer.fired")
        .group_by(Event.instance_id)).all())
    assert len(counts) == 500 and set(counts.values()) == {1}
    assert {p.id for p in programs} == set(counts)
    statuses = dict(session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
                    .all())
    assert statuses == {"done": 500}
    assert sorted(o.result for o in results) == ["done"] * 500


def test_a_crashed_workers_job_runs_again_once(session: Session,
                                                people: dict[str, User]) -> None:
    clock.set_time(T0)
    deploy(session, people["admin"])
    program = start(session, people)
    clock.advance(dt.timedelta(days=3))
    (job_id,) = jobs.claim(session, "crashed")  # leased, then the worker dies
    assert jobs.run_due(session, "w2") == []  # the lease still holds
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))
    assert [o.result for o in jobs.run_due(session, "w2")] == ["done"]
    assert jobs.run(session, job_id, "crashed").result == "lost"  # it woke up too late
    assert fired(session, program) == 1 and open_steps(session, program) == ["escalated"]


def test_a_failing_timer_becomes_an_incident_and_an_admin_retries_it(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    admin = people["admin"]
    deploy(session, admin, FAILING)
    program = start(session, people)
    clock.advance(dt.timedelta(days=3))
    results = []
    for _attempt in range(5):
        results += [o.result for o in jobs.run_due(session, "w1")]
        clock.advance(dt.timedelta(hours=2))  # past any backoff
    assert results == ["retry", "retry", "retry", "retry", "failed"]
    fresh(session)
    (incident,) = administration.incidents(session, admin, program)
    assert incident.job_id is not None and "belum_ada" in incident.error
    page = administration.list_programs(session, admin,
                                        administration.ProgramFilter(incidents_only=True))
    assert [i.id for i in page.items] == [program.id]
    assert administration.retry_incident(session, admin, incident.id) is False  # still broken
    deploy(session, admin)  # the fix: v2 without the broken script
    version_moves.move(session, admin, "deadline", 1, 2)
    fresh(session)
    (incident,) = administration.incidents(session, admin, program)
    assert administration.retry_incident(session, admin, incident.id) is True
    fresh(session)
    assert session.get(Incident, incident.id).resolved_at is not None  # type: ignore[union-attr]
    assert open_steps(session, program) == ["escalated"] and fired(session, program) == 1


def test_a_suspended_programs_timer_waits(session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    deploy(session, people["admin"])
    program = start(session, people)
    administration.change_status(session, people["admin"], program.id, "suspend", "Audit")
    clock.advance(dt.timedelta(days=3))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["postponed"]
    administration.change_status(session, people["admin"], program.id, "resume", "Selesai")
    clock.advance(jobs.SUSPENDED_RECHECK)
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]


def test_the_worker_command_runs_what_is_due(app: Flask, session: Session,
                                             people: dict[str, User]) -> None:
    clock.set_time(T0)
    deploy(session, people["admin"])
    program = start(session, people)
    clock.advance(dt.timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert fired(session, program) == 1


TIMERS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="timers" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Supervisor">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>until</bpmn:flowNodeRef><bpmn:flowNodeRef>work</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>tick</bpmn:flowNodeRef><bpmn:flowNodeRef>ticked</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="Tunggu sehari">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="until" name="Sampai tanggal">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t2">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">2027-01-10T00:00:00+00:00</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="work" name="Kerjakan">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="tick" name="Tiap jam" cancelActivity="false" attachedToRef="work">
      <bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t3">
        <bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R2/PT1H</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="ticked"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="until" />
    <bpmn:sequenceFlow id="f3" sourceRef="until" targetRef="work" />
    <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="e" />
    <bpmn:sequenceFlow id="f5" sourceRef="tick" targetRef="ticked" />
  </bpmn:process>
</bpmn:definitions>"""


def test_intermediate_duration_and_date_timers_and_a_repeating_boundary_timer(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)  # 2027-01-04 08:00
    deploy(session, people["admin"], TIMERS)
    program = programs.start_instance(session, people["supervisor"], "timers", "Waktu",
                                       "35.07.01")
    (wait,) = jobs.pending_timers(session, program.id)
    assert wait.due_at == T0 + dt.timedelta(days=1) and wait.payload["bpmn_id"] == "wait"
    clock.advance(dt.timedelta(days=1, seconds=1))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]
    (until,) = jobs.pending_timers(session, program.id)
    assert until.due_at == dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    assert jobs.run_due(session, "w1") == []  # a date in the future: not yet
    clock.set_time(dt.datetime(2027, 1, 10, 0, 1, tzinfo=dt.UTC))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]
    assert open_steps(session, program) == ["work"]
    (tick,) = jobs.pending_timers(session, program.id)
    assert tick.payload["bpmn_id"] == "tick"
    for _hour in range(2):  # R2: fires twice, an hour apart, and the step stays open
        clock.advance(dt.timedelta(hours=1, seconds=1))
        assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]
        assert open_steps(session, program) == ["work"]
    clock.advance(dt.timedelta(hours=1, seconds=1))
    jobs.run_due(session, "w1")
    assert fired(session, program) == 4  # wait, until, and the cycle twice
