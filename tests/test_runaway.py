"""Diagrams that would take the desk down: refused at deploy where the shape shows, stopped by
run-time budgets where it does not, the program kept as an incident and everyone else served."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import login
from tests.diagrams import flows, process, script, source, user
from webapp import clock, engine
from webapp.db import make_session_factory
from webapp.models import DefinitionVersion, Event, HumanTask, Incident, Instance, Job, User
from webapp.services.diagrams import deployment
from webapp.services.errors import InvalidInput, StepFailed
from webapp.services.workflow import administration, completion, jobs, programs

START = '<bpmn:startEvent id="start"/>'
END = '<bpmn:endEvent id="end"/>'
JOIN = '<bpmn:exclusiveGateway id="join"/>'
T0 = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)  # after the real now: nothing fires by itself


def deploy(session: Session, admin: User, *texts: str) -> deployment.Deployment:
    return deployment.deploy_definitions(session, [source(t) for t in texts], admin,
                                          comment="uji", origin="upload")


def refused(session: Session, admin: User, *texts: str) -> list[engine.Problem]:
    before = session.scalar(sa.select(sa.func.count()).select_from(DefinitionVersion))
    with pytest.raises(InvalidInput) as caught:
        deploy(session, admin, *texts)
    session.rollback()
    after = session.scalar(sa.select(sa.func.count()).select_from(DefinitionVersion))
    assert after == before, "a refused deploy stored a version"
    problems: list[engine.Problem] = caught.value.details["problems"]
    assert problems
    return problems


def texts(problems: list[engine.Problem]) -> str:
    return " | ".join(str(p) for p in problems)


# --- refused at deploy ---------------------------------------------------------------------

def test_a_process_that_calls_itself_is_refused(session: Session, people: dict[str, User]) -> None:
    selfcall = process("selfcall", START + '<bpmn:callActivity id="again" calledElement='
                       '"selfcall"/>' + END + flows(("start", "again"), ("again", "end")))
    problems = refused(session, people["admin"], selfcall)
    assert "selfcall → selfcall" in texts(problems)


def test_processes_calling_each_other_are_refused_in_one_batch_or_later(
        session: Session, people: dict[str, User]) -> None:
    def caller(pid: str, other: str) -> str:
        return process(pid, START + user("work") + f'<bpmn:callActivity id="call" '
                       f'calledElement="{other}"/>' + END +
                       flows(("start", "work"), ("work", "call"), ("call", "end")))

    problems = refused(session, people["admin"], caller("ping", "pong"), caller("pong", "ping"))
    assert "ping → pong → ping" in texts(problems)
    plain_pong = process("pong", START + user("work") + END +
                         flows(("start", "work"), ("work", "end")))
    deploy(session, people["admin"], plain_pong)
    deploy(session, people["admin"], caller("ping", "pong"))
    problems = refused(session, people["admin"], caller("pong", "ping"))
    assert "pong → ping → pong" in texts(problems)


def test_a_loop_that_never_waits_is_refused_and_named(
        session: Session, people: dict[str, User]) -> None:
    body = (START + script("init", "x = 0") + script("inc", "x = x + 1") +
            '<bpmn:exclusiveGateway id="more" name="Lagi?" default="out"/>' + user("work") + END
            + flows(("start", "init"), ("init", "inc"), ("inc", "more"),
                    ("more", "inc", "x &lt; 10"), ("more", "work"), ("work", "end"))
            .replace('id="f4"', 'id="out"'))
    problems = refused(session, people["admin"], process("spin", body))
    assert [p.element_id for p in problems] == ["inc"]
    assert "inc → Lagi?" in texts(problems)


def test_a_loop_that_waits_only_on_a_short_timer_is_refused(
        session: Session, people: dict[str, User]) -> None:
    body = (START + JOIN + script("inc", "x = 1") +
            '<bpmn:intermediateCatchEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeDuration>'
            'PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            + flows(("start", "join"), ("join", "inc"), ("inc", "tick"), ("tick", "join")))
    assert "tick" in texts(refused(session, people["admin"], process("ticker", body)))
    slow = body.replace("PT1S", "P1D")  # a daily loop waits long enough
    assert deploy(session, people["admin"], process("ticker", slow)).labels == ["ticker v1"]


@pytest.mark.parametrize("cycle", ["R/PT1S", "R/PT0S", "R5/PT10M", '"R/PT30S"'])
def test_a_timer_repeating_too_often_is_refused(
        session: Session, people: dict[str, User], cycle: str) -> None:
    body = (START + user("work") +
            '<bpmn:boundaryEvent id="nag" name="Ingatkan" cancelActivity="false" '
            'attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeCycle>'
            f'{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            '<bpmn:endEvent id="nagged"/>' + END +
            flows(("start", "work"), ("work", "end"), ("nag", "nagged")))
    problems = refused(session, people["admin"], process("nagger", body))
    assert [p.element_id for p in problems] == ["nag"]
    assert "at most once every 1:00:00" in texts(problems)


def test_a_huge_literal_multi_instance_is_refused(
        session: Session, people: dict[str, User]) -> None:
    many = ('<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>100000'
            '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>')
    body = START + user("visit", "Kunjungi", many) + END + flows(("start", "visit"),
                                                                ("visit", "end"))
    problems = refused(session, people["admin"], process("flood", body))
    assert "100000" in texts(problems) and problems[0].element_id == "visit"


def test_a_repeating_script_without_maximum_is_refused(
        session: Session, people: dict[str, User]) -> None:
    body = (START + '<bpmn:scriptTask id="again" name="again"><bpmn:standardLoopCharacteristics/>'
            '<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>' + user("work") + END +
            flows(("start", "again"), ("again", "work"), ("work", "end")))
    assert "loop maximum" in texts(refused(session, people["admin"], process("repeat", body)))


# --- stopped at run time ---------------------------------------------------------------------

# Every cycle passes a user task, so the shape is accepted; but the task runs zero times, so at
# run time the loop never waits: only the step budget can stop it.
ZERO_TIMES = user("nobody", "Tidak pernah", '<bpmn:multiInstanceLoopCharacteristics>'
                  '<bpmn:loopCardinality>n</bpmn:loopCardinality>'
                  '</bpmn:multiInstanceLoopCharacteristics>')
# A call activity may wait (its process may have a person's step), so a loop through one is
# accepted; this one calls a process that never waits: only the step budget can stop it.
NOOP = process("noop", START + script("nothing", "done = True") + END +
               flows(("start", "nothing"), ("nothing", "end")))
HIDDEN_LOOP = process("hidden", START + script("init", "n = 0") + JOIN +
                      '<bpmn:callActivity id="call" name="Panggil" calledElement="noop"/>' +
                      flows(("start", "init"), ("init", "join"), ("join", "call"),
                            ("call", "join")))


def test_a_program_with_nothing_left_to_wait_for_is_not_left_running_silently() -> None:
    # a manual task is READY for nobody (deploy refuses it; older versions may hold one)
    body = (START + '<bpmn:manualTask id="by_hand" name="Kerjakan manual"/>' + END +
            flows(("start", "by_hand"), ("by_hand", "end")))
    parsed = engine.parse_definition(source(process("silent", body)))
    with pytest.raises(engine.EngineError) as caught:
        engine.WorkflowHandle.start(parsed, {})
    assert "nothing to wait for" in str(caught.value)


def test_a_loop_joined_without_a_gateway_is_refused(
        session: Session, people: dict[str, User]) -> None:
    body = (START + script("init", "n = 0") + script("inc", "n = n") + ZERO_TIMES +
            flows(("start", "init"), ("init", "inc"), ("inc", "nobody"), ("nobody", "inc")))
    assert "gateway" in texts(refused(session, people["admin"], process("unjoined", body)))


def test_a_loop_that_waits_on_nothing_at_run_time_becomes_an_incident_quickly(
        session: Session, people: dict[str, User]) -> None:
    deploy(session, people["admin"], NOOP, HIDDEN_LOOP)
    began = time.monotonic()
    with pytest.raises(programs.StartFailed) as caught:
        programs.start_instance(session, people["koordinator"], "hidden", "Program berputar",
                                 "35.07.01")
    assert time.monotonic() - began < engine.limits.MAX_ENGINE_SECONDS + 5
    assert "without waiting for a person" in str(caught.value.message)
    program = session.get(Instance, caught.value.instance.id)
    assert program is not None and program.status == "running"
    assert program.state.startswith("{")  # stored as it began, for the retry
    (incident,) = session.scalars(sa.select(Incident)).all()
    assert incident.instance_id == program.id and incident.data == {"kind": "start"}
    assert session.scalar(sa.select(sa.func.count()).select_from(HumanTask)) == 0
    # retrying runs into the same budget and says so; nothing is saved
    assert administration.retry_incident(session, people["admin"], incident.id) is False
    session.expire_all()
    assert session.get(Incident, incident.id).attempts == 2  # type: ignore[union-attr]


def test_other_people_are_served_while_a_runaway_program_burns_its_budget(
        app: Flask, client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    deploy(session, people["admin"], NOOP, HIDDEN_LOOP)
    login(client, "supervisor")
    factory = make_session_factory(app.extensions["simpul_engine"])
    failures: list[BaseException] = []

    def run_away() -> None:
        other = factory()
        try:
            with app.app_context():
                programs.start_instance(other, other.get(User, people["koordinator"].id),
                                         "hidden", "Program berputar", "35.07.01")
        except programs.StartFailed:
            pass
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)
        finally:
            other.close()

    thread = threading.Thread(target=run_away)
    thread.start()
    answered = []
    while thread.is_alive() and len(answered) < 50:
        began = time.monotonic()
        response = client.get("/")
        answered.append((response.status_code, time.monotonic() - began))
    thread.join(timeout=30)
    assert not thread.is_alive() and not failures
    assert answered and all(status == 200 for status, _ in answered)
    assert max(seconds for _, seconds in answered) < 2.0


def test_a_cardinality_computed_from_data_is_capped_at_run_time(
        session: Session, people: dict[str, User]) -> None:
    body = (START + script("count", "n = 100000") +
            user("visit", "Kunjungi", '<bpmn:multiInstanceLoopCharacteristics>'
                 '<bpmn:loopCardinality>n</bpmn:loopCardinality>'
                 '</bpmn:multiInstanceLoopCharacteristics>') + END +
            flows(("start", "count"), ("count", "visit"), ("visit", "end")))
    deploy(session, people["admin"], process("census", body))
    began = time.monotonic()
    with pytest.raises(programs.StartFailed) as caught:
        programs.start_instance(session, people["koordinator"], "census", "Sensus desa",
                                 "35.07.01")
    assert time.monotonic() - began < 5
    assert "100000" in str(caught.value.message) and "500" in str(caught.value.message)
    assert session.scalar(sa.select(sa.func.count()).select_from(HumanTask)) == 0


def test_a_runaway_after_a_step_keeps_the_step_open_as_an_incident(
        session: Session, people: dict[str, User]) -> None:
    body = (START + user("first", "Langkah pertama") + JOIN +
            '<bpmn:callActivity id="call" name="Panggil" calledElement="noop"/>' +
            flows(("start", "first"), ("first", "join"), ("join", "call"), ("call", "join")))
    deploy(session, people["admin"], NOOP, process("later", body))
    coordinator = people["koordinator"]
    program = programs.start_instance(session, coordinator, "later", "Program", "35.07.01")
    (first,) = programs.open_tasks(session, program)
    with pytest.raises(StepFailed):
        completion.complete_task(session, coordinator, first.id, {"note": ""})
    session.rollback()
    session.expire_all()
    assert session.get(HumanTask, first.id).status == "open"  # type: ignore[union-attr]
    (incident,) = session.scalars(sa.select(Incident)).all()
    assert incident.human_task_id == first.id
    assert "without waiting for a person" in incident.error


def test_a_timer_cycle_from_an_expression_is_checked_when_armed(
        session: Session, people: dict[str, User]) -> None:
    body = (START + user("work") +
            '<bpmn:boundaryEvent id="nag" cancelActivity="false" attachedToRef="work">'
            '<bpmn:timerEventDefinition><bpmn:timeCycle>"R/PT" + "1S"</bpmn:timeCycle>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="nagged"/>' +
            END + flows(("start", "work"), ("work", "end"), ("nag", "nagged")))
    deploy(session, people["admin"], process("sneaky", body))
    with pytest.raises(programs.StartFailed) as caught:
        programs.start_instance(session, people["koordinator"], "sneaky", "Pengingat",
                                 "35.07.01")
    assert "too frequent" in str(caught.value.message)
    assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_timers_firing_without_end_stop_as_an_incident(
        session: Session, people: dict[str, User]) -> None:
    body = (START + JOIN + script("inc", "turns = 1") +
            '<bpmn:intermediateCatchEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeDuration>'
            '"PT" + "5S"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent><bpmn:exclusiveGateway id="again" default="f4"/>' +
            user("never") + flows(("start", "join"), ("join", "inc"), ("inc", "tick"),
                                  ("tick", "again"), ("again", "join"),
                                  ("again", "never", "False")))
    deploy(session, people["admin"], process("clockwork", body))
    clock.set_time(T0)
    program = programs.start_instance(session, people["koordinator"], "clockwork", "Jam",
                                       "35.07.01")
    outcomes: list[str] = []
    for _ in range(3 * engine.MAX_TIMER_FIRINGS_PER_HOUR):
        clock.advance(dt.timedelta(seconds=10))
        batch = jobs.run_due(session, "uji")
        if not batch:
            break
        outcomes.extend(o.result for o in batch)
    assert outcomes.count("done") == engine.MAX_TIMER_FIRINGS_PER_HOUR
    assert outcomes[-1] == "failed"
    (incident,) = session.scalars(sa.select(Incident)).all()
    assert incident.instance_id == program.id and incident.job_id is not None
    assert "30" in incident.error
    assert session.scalar(sa.select(sa.func.count()).select_from(Job).where(
        Job.status == "pending")) == 0
    fired = session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "timer.fired"))
    assert fired == engine.MAX_TIMER_FIRINGS_PER_HOUR
