"""Diagrams drawn in other tools: the check says per element, in Indonesian, what each needs to
run here, never the engine's English or a Python object's text; once changed, they deploy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.test_browser import sign_in
from webapp import engine
from webapp.models import User
from webapp.services.diagrams import definitions, deployment

FOREIGN = Path(__file__).resolve().parent / "data/foreign"
FILES = sorted(p.name for p in FOREIGN.glob("*.bpmn"))
NOT_OURS = re.compile(r"<Element|at 0x[0-9a-f]+|Cannot resolve|has no implementation|"
                      r"invalid syntax|Traceback|ValidationException|[Nn]ot a valid")


def checked(app: Flask, session: Session, name: str, xml: bytes | None = None,
            locale: str = "id") -> list[tuple[engine.Problem, str]]:
    source = engine.SourceFile(name, xml if xml is not None else (FOREIGN / name).read_bytes())
    with app.test_request_context():
        from flask import session as web_session

        web_session["lang"] = locale
        return [(p, definitions.problem_text(p))
                for p in deployment.check_definitions(session, [source])]


@pytest.mark.parametrize("name", FILES)
def test_every_problem_is_said_in_indonesian_per_element(
        app: Flask, session: Session, name: str) -> None:
    xml = (FOREIGN / name).read_text()
    found = checked(app, session, name)
    assert found, name
    ids = set(re.findall(r'\bid="([^"]+)"', xml))
    for problem, text in found:
        assert problem.element_id == "" or problem.element_id in ids, problem
        assert not NOT_OURS.search(text), text
        assert text != problem.text(), f"not translated: {problem.text()}"


def texts(found: list[tuple[engine.Problem, str]]) -> dict[str, list[str]]:
    by_element: dict[str, list[str]] = {}
    for problem, text in found:
        by_element.setdefault(problem.element_id, []).append(text)
    return by_element


def test_camunda_7_says_how_to_write_each_thing_here(app: Flask, session: Session) -> None:
    said = texts(checked(app, session, "camunda7_bantuan.bpmn"))
    assert "tanpa ${ }, misalnya: not layak and skor < 40" in said["Flow_tidak"][0]
    assert "misalnya: layak" in said["Flow_ya"][0]
    assert len(said["Flow_ya"]) == 1  # said once, not again as a syntax error
    assert any("Java" in t for t in said["Task_salurkan"])
    assert any("groovy" in t for t in said["Task_tolak"])
    assert any("kelayakan" in t for t in said["Task_nilai"])
    assert any("DTKS" in t for t in said["Task_verifikasi"])
    assert any("petugas" in t for t in said["Task_verifikasi"])
    assert any("pesan" in t for t in said["Event_pesan"])
    assert any("tugas manual" in t for t in said["Task_arsip"])


def test_camunda_8_feel_conditions_get_their_python_form(app: Flask, session: Session) -> None:
    said = texts(checked(app, session, "camunda8_rujukan.bpmn"))
    assert said["Flow_ya"] == ["ekspresi FEEL (=…) tidak dapat dijalankan di sini; tulis, "
                               "misalnya: diterima == True and biaya <= 500000"]
    assert any("pekerja eksternal" in t for t in said["Task_kirim"])


def test_signavio_documentation_diagrams_are_told_what_to_add(
        app: Flask, session: Session) -> None:
    said = texts(checked(app, session, "signavio_pengaduan.bpmn"))
    assert any("Executable" in t for t in said["sid-process"])
    assert any("tanpa jenis" in t for t in said["sid-catat"])
    assert any("tidak punya kondisi" in t for t in said["sid-f-ya"])


def test_the_english_interface_says_it_in_english(app: Flask, session: Session) -> None:
    said = texts(checked(app, session, "camunda8_rujukan.bpmn", locale="en"))
    assert said["Flow_ya"] == ["FEEL expressions (=…) do not run here; write, for example: "
                               "diterima == True and biaya <= 500000"]


def test_the_engine_librarys_own_words_never_reach_the_reader() -> None:
    raw = ("Cannot resolve dataInputAssociation <Element {http://www.omg.org/spec/BPMN/"
           "20100524/MODEL}sourceRef at 0x7f3a2c1d5e40>")
    assert "<Element" not in str(engine.compat.library_message(raw))
    assert "Data Store" not in str(engine.compat.library_message(
        "Data Store with name DTKS has no implementation"))
    assert str(engine.compat.library_message("something nobody foresaw")) == \
        "the engine cannot read this element"


def test_a_bpmn_io_diagram_changed_as_the_check_says_deploys(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    xml = (FOREIGN / "bpmnio_kunjungan.bpmn").read_text()
    fixed = (xml.replace('isExecutable="false"', 'isExecutable="true"')
             .replace('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
                      'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
             .replace('<bpmn:task id="Activity_1" name="Kunjungi rumah tangga">',
                      '<bpmn:userTask id="Activity_1" name="Kunjungi rumah tangga">' + FORM)
             .replace('</bpmn:task>', '</bpmn:userTask>')
             .replace('<bpmn:userTask id="Activity_2" name="Tulis laporan kunjungan">',
                      '<bpmn:userTask id="Activity_2" name="Tulis laporan kunjungan">' + FORM)
             .replace('<bpmn:process id="Process_1" isExecutable="true">',
                      '<bpmn:process id="kunjungan" name="Kunjungan" isExecutable="true">' + LANE)
             .replace('bpmnElement="Process_1"', 'bpmnElement="kunjungan"'))
    assert checked(app, session, "kunjungan.bpmn", fixed.encode()) == []
    done = deployment.deploy_definitions(session, [engine.SourceFile(
        "kunjungan.bpmn", fixed.encode())], people["admin"], comment="dari bpmn.io",
        origin="upload")
    assert done.labels == ["kunjungan v1"]


FORM = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
        'name="formKey" value="note"/></spiffworkflow:properties></bpmn:extensionElements>')
LANE = ('<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="Koordinator">' + "".join(
    f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in
    ("StartEvent_1", "Activity_1", "Activity_2", "Event_1")) + '</bpmn:lane></bpmn:laneSet>')


@pytest.mark.browser
@pytest.mark.parametrize("name", FILES)
def test_a_diagram_from_another_tool_opens_in_the_editor_and_the_check_marks_it(
        browser: Any, live_server: str, name: str) -> None:
    admin = sign_in(browser, live_server, "admin")
    errors: list[str] = []
    admin.on("pageerror", lambda error: errors.append(str(error)))
    admin.goto(f"{live_server}/admin/processes/new")
    expect(admin.locator("#editor.editor-ready")).to_be_visible(timeout=20_000)
    admin.set_input_files("#editor-file", str(FOREIGN / name))
    expect(admin.locator("#editor-status")).to_have_text("Berkas dibuka. Periksa, lalu terapkan.")
    assert admin.locator("g.djs-shape").count() >= 4
    admin.click("#editor-check")
    problems = admin.locator("#editor-problems li")
    expect(problems.first).to_be_visible()
    for text in problems.all_inner_texts():
        assert not NOT_OURS.search(text), text
    assert admin.locator(".djs-element.simpul-problem").count() >= 1
    assert errors == []
