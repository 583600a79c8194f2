"""Deploying, versioning and rolling back diagrams; hostile diagrams refused with no change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.program_data import data_for
from webapp import engine
from webapp.models import DefinitionHead, DefinitionVersion, Event, User
from webapp.services.diagrams import definitions, deployment
from webapp.services.errors import Forbidden, InvalidInput
from webapp.services.workflow import completion, programs
from webapp.services.workflow.task_page import task_context, task_head

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (ROOT / "workflows/program_cycle.bpmn").read_text()
PRIORITY = (ROOT / "workflows/program_priority.dmn").read_text()


def bpmn(text: str, name: str = "program_cycle.bpmn") -> engine.SourceFile:
    return engine.SourceFile(name, text.encode())


def renamed(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def version_count(session: Session) -> int:
    session.rollback()
    return int(session.scalar(sa.select(sa.func.count()).select_from(DefinitionVersion)) or 0)


def deploy(session: Session, admin: User, text: str, comment: str = "edit",
           key: str | None = "program_cycle") -> deployment.Deployment:
    return deployment.deploy_definitions(session, [bpmn(text)], admin, comment=comment,
                                          origin="editor", expected_key=key)


def test_a_new_version_serves_new_programs_while_running_ones_keep_theirs(
        session: Session, people: dict[str, User]) -> None:
    coordinator, admin = people["koordinator"], people["admin"]
    before = programs.start_instance(session, coordinator, "program_cycle", "Lama", "35.07.01")
    done = deploy(session, admin, renamed(CYCLE, 'name="Perencanaan Program"',
                                          'name="Rencana Program"'), "Nama langkah diganti")
    assert done.labels == ["program_cycle v2"]
    after = programs.start_instance(session, coordinator, "program_cycle", "Baru", "35.07.01")
    assert before.definition_version.version == 1 and after.definition_version.version == 2
    current = definitions.current_version(session, "program_cycle")
    assert current is not None and current.comment == "Nama langkah diganti"
    assert current.deployed_by_id == admin.id and current.origin == "editor"
    for program, name in ((before, "Perencanaan Program"), (after, "Rencana Program")):
        (assessment,) = programs.open_tasks(session, program)
        completion.complete_task(session, coordinator, assessment.id, data_for("needs_assessment"))
        (plan,) = programs.open_tasks(session, program)
        assert plan.name == name
    events = session.scalars(sa.select(Event).where(Event.action == "definition.deployed",
                                                    Event.actor_id == admin.id)).all()
    assert [(e.data["key"], e.data["version"], e.data["comment"]) for e in events] == [
        ("program_cycle", 2, "Nama langkah diganti")]


def test_rollback_makes_an_older_version_current_again(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    deploy(session, admin, renamed(CYCLE, 'name="Perencanaan Program"', 'name="Rencana"'))
    deployment.make_current(session, admin, "program_cycle", 1)
    program = programs.start_instance(session, people["koordinator"], "program_cycle", "Pagak",
                                       "35.07.02")
    assert program.definition_version.version == 1
    newest = session.scalar(sa.select(sa.func.max(DefinitionVersion.version)).where(
        DefinitionVersion.key == "program_cycle"))
    assert newest == 2  # nothing deleted: v2 can be made current again
    event = session.scalars(sa.select(Event).where(
        Event.action == "definition.made_current")).one()
    assert event.data["version"] == 1 and event.data["previous"] == 2
    with pytest.raises(Forbidden):
        deployment.make_current(session, people["supervisor"], "program_cycle", 2)


def test_shipped_updates_never_replace_an_admins_edit(
        session: Session, people: dict[str, User], tmp_path: Path) -> None:
    admin = people["admin"]
    deploy(session, admin, renamed(CYCLE, 'name="Perencanaan Program"', 'name="Versi admin"'))
    shipped = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", shipped)
    (shipped / "program_cycle.bpmn").write_text(
        renamed(CYCLE, 'name="Perencanaan Program"', 'name="Versi rilis baru"'))
    assert deployment.deploy_shipped(session, shipped) == []  # stored, not made current
    current = definitions.current_version(session, "program_cycle")
    assert current is not None and current.version == 2 and "Versi admin" in current.xml
    stored = definitions.get_version(session, "program_cycle", 3)
    assert stored.origin == "shipped" and "Versi rilis baru" in stored.xml
    # the same files again: nothing new at all
    assert deployment.deploy_shipped(session, shipped) == []
    numbers = session.scalars(sa.select(DefinitionVersion.version).where(
        DefinitionVersion.key == "program_cycle")).all()
    assert sorted(numbers) == [1, 2, 3]


def test_a_new_decision_table_is_used_by_new_programs_only(
        session: Session, people: dict[str, User]) -> None:
    coordinator, admin = people["koordinator"], people["admin"]
    old = programs.start_instance(session, coordinator, "program_cycle", "Lama", "35.07.01")
    table = PRIORITY.replace('"tinggi"', '"darurat"')
    done = deployment.deploy_definitions(
        session, [engine.SourceFile("program_priority.dmn", table.encode())], admin,
        comment="Prioritas darurat", origin="editor", expected_key="program_priority")
    assert done.labels == ["program_priority v2", "program_cycle v2"]
    cycle = definitions.current_version(session, "program_cycle")
    assert cycle is not None
    pinned = {(v.key, v.version) for v in definitions.pinned_versions(session, cycle)}
    assert pinned == {("program_priority", 2)}
    new = programs.start_instance(session, coordinator, "program_cycle", "Baru", "35.07.01")
    priorities = []
    for program in (old, new):
        (assessment,) = programs.open_tasks(session, program)
        completion.complete_task(session, coordinator, assessment.id, data_for("needs_assessment"))
        (plan,) = programs.open_tasks(session, program)
        head = task_head(session, coordinator, plan.id)
        priorities.append(task_context(session, head).data["priority"])
    assert priorities == ["tinggi", "darurat"]


def test_check_lists_every_problem_and_stores_nothing(
        session: Session, people: dict[str, User]) -> None:
    before = version_count(session)
    broken = renamed(CYCLE, '<spiffworkflow:property name="formKey" value="program_plan" />',
                     '<spiffworkflow:property name="formKey" value="no_such_form" />')
    broken = renamed(broken, 'decision == "return"', "__import__('os')")
    problems = deployment.check_definitions(session, [bpmn(broken)], "program_cycle")
    by_element = {p.element_id: p.text() for p in problems}
    assert "no_such_form" in by_element["program_plan"]
    assert any("__import__" in text for text in by_element.values())
    assert version_count(session) == before
    assert deployment.check_definitions(session, [bpmn(CYCLE)], "program_cycle") == []


def test_an_editor_save_that_changed_the_process_id_is_refused(
        session: Session, people: dict[str, User]) -> None:
    text = CYCLE.replace('id="program_cycle"', 'id="siklus_lain"').replace(
        'processRef="program_cycle"', 'processRef="siklus_lain"').replace(
        'bpmnElement="program_cycle"', 'bpmnElement="siklus_lain"')
    with pytest.raises(InvalidInput) as refused:
        deploy(session, people["admin"], text)
    assert "program_cycle" in str(refused.value)


def test_only_admins_deploy(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(Forbidden):
        deploy(session, people["supervisor"], CYCLE.replace("Perencanaan Program", "X", 1))


def test_references_lanes_operations_and_flows_are_checked(
        session: Session, people: dict[str, User]) -> None:
    text = renamed(CYCLE, "<spiffworkflow:calledDecisionId>program_priority<",
                   "<spiffworkflow:calledDecisionId>tabel_hilang<")
    text = renamed(text, 'name="Supervisor"', 'name="Tim Tanpa Kelompok"')
    text = renamed(text, 'targetRef="program_plan"', 'targetRef="langkah_hilang"')
    problems = deployment.check_definitions(session, [bpmn(text)], "program_cycle")
    texts = " | ".join(str(p) for p in problems)
    assert "tabel_hilang" in texts and "is not deployed" in texts
    # a dangling flow is reported (by bpmn-js or by us) before anything is stored
    text = renamed(CYCLE, 'targetRef="program_plan"', 'targetRef="langkah_hilang"')
    assert deployment.check_definitions(session, [bpmn(text)], "program_cycle")
    text = renamed(CYCLE, 'name="Supervisor"', 'name="Tim Tanpa Kelompok"')
    lanes = deployment.check_definitions(session, [bpmn(text)], "program_cycle")
    assert any("Tim Tanpa Kelompok" in p.text() for p in lanes)


SERVICE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="svc" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="call_out" name="Kirim data">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="http_post" resultVariable="r">
          <spiffworkflow:parameters />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:callActivity id="sub" name="Sub" calledElement="proses_tidak_ada">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call_out" />
    <bpmn:sequenceFlow id="f2" sourceRef="call_out" targetRef="sub" />
    <bpmn:sequenceFlow id="f3" sourceRef="sub" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_unknown_operations_and_undeployed_called_processes_are_refused(
        session: Session, people: dict[str, User]) -> None:
    problems = deployment.check_definitions(session, [bpmn(SERVICE_TASK, "svc.bpmn")])
    texts = [str(p) for p in problems]
    assert any("proses_tidak_ada" in t for t in texts), texts
    # the unknown operation is reported once the called process exists
    problems = deployment.check_definitions(
        session, [bpmn(SERVICE_TASK.replace(' calledElement="proses_tidak_ada"',
                                            ' calledElement="program_cycle"'), "svc.bpmn")])
    assert any(p.element_id == "call_out" and "http_post" in p.text() for p in problems), [
        str(p) for p in problems]


XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="program_cycle" name="&xxe;" isExecutable="true"/>
</bpmn:definitions>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="program_cycle" name="&lol3;" isExecutable="true"/>
</bpmn:definitions>"""


def _hostile() -> dict[str, tuple[str, str]]:
    """name -> (diagram text, a word the refusal must contain)."""
    big = CYCLE.replace("</bpmn:definitions>",
                        "<!--" + "x" * (engine.MAX_DIAGRAM_BYTES + 10) + "--></bpmn:definitions>")
    return {
        "external entity": (XXE, "DOCTYPE"),
        "billion laughs": (LAUGHS, "DOCTYPE"),
        "over the size limit": (big, "KB"),
        "__import__ condition": (renamed(CYCLE, 'decision == "return"',
                                         "__import__('os').system('id')"), "__import__"),
        "__subclasses__ escape": (renamed(CYCLE, 'decision == "return"',
                                          "().__class__.__bases__[0].__subclasses__()"),
                                  "__class__"),
        "while True script": (renamed(CYCLE, "rounds_done = 0", "while True:\n  rounds_done = 0"),
                              "While"),
        "import in a script": (renamed(CYCLE, "rounds_done = 0", "import os"), "Import"),
        "not XML": ("this is not a diagram", "XML"),
        "neither BPMN nor DMN": ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
                                 "BPMN"),
    }


@pytest.mark.parametrize("case", sorted(_hostile()))
def test_hostile_diagrams_are_refused_with_a_reason_and_change_nothing(
        app: Flask, session: Session, people: dict[str, User], case: str) -> None:
    text, word = _hostile()[case]
    before = version_count(session)
    heads = session.scalars(sa.select(DefinitionHead.current_version_id)).all()
    with pytest.raises(InvalidInput) as refused:
        deployment.deploy_definitions(session, [bpmn(text)], people["admin"], comment="x",
                                       origin="upload")
    assert word in str(refused.value)
    assert "root:" not in str(refused.value)  # no file content leaked
    assert version_count(session) == before
    assert session.scalars(sa.select(DefinitionHead.current_version_id)).all() == heads


def test_problems_read_in_indonesian(app: Flask, session: Session, people: dict[str, User]
                                     ) -> None:
    broken = renamed(CYCLE, 'decision == "return"', "__import__('os')")
    with app.test_request_context(headers={"Accept-Language": "id"}):
        problems = deployment.check_definitions(session, [bpmn(broken)], "program_cycle")
        texts = [definitions.problem_text(p) for p in problems]
        message = str(definitions.refused(problems).message)
    assert any("ditolak" in t for t in texts), texts
    assert "Diagram ditolak" in message, message


def test_comparing_two_versions_names_what_was_added_changed_and_removed() -> None:
    from tests.fieldlist_data import with_partner_step

    newer = with_partner_step().replace('name="Perencanaan Program"', 'name="Rencana Kerja"', 1)
    newer = newer.replace('decision == "return"', 'decision == "kembali"', 1)
    changes = {(c.element_id, c.status): c for c in engine.compare(CYCLE, newer)}
    assert ("confirm_partner", "added") in changes
    assert ("flow_partner_confirmed", "added") in changes
    plan = changes[("program_plan", "changed")]
    assert any("Rencana Kerja" in str(d) for d in plan.details)
    returned = changes[("flow_plan_returned", "changed")]
    assert any("kembali" in str(d) for d in returned.details)
    approved = changes[("flow_plan_approved", "changed")]  # it now leads to the new step
    assert any("confirm_partner" in str(d) for d in approved.details)
    back = {(c.element_id, c.status) for c in engine.compare(newer, CYCLE)}
    assert ("confirm_partner", "removed") in back
    assert engine.compare(CYCLE, CYCLE) == []
    table = PRIORITY.replace('"tinggi"', '"darurat"', 1)
    rules = engine.compare(PRIORITY, table)
    assert [c.status for c in rules] == ["changed"] and rules[0].kind == "rule"


def test_a_step_outside_every_lane_or_a_file_not_in_utf8_is_refused(
        session: Session, people: dict[str, User]) -> None:
    no_lanes = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="tanpa_lajur" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="catat" name="Catat">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="catat" />
    <bpmn:sequenceFlow id="f2" sourceRef="catat" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""
    problems = deployment.check_definitions(session, [bpmn(no_lanes, "x.bpmn")])
    assert [(p.element_id, p.text()) for p in problems] == [
        ("catat", "the step is in no lane, so it belongs to no group: draw it i"
                  "n a lane named after a Simpul group (for example Koordinator)")]
    utf16 = engine.SourceFile("c.bpmn", CYCLE.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                              .encode("utf-16"))
    problems = deployment.check_definitions(session, [utf16])
    assert problems and "UTF-8" in problems[0].text()
