"""The admin area over HTTP: who may enter, uploads, the editor's check and deploy, rollback."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from webapp import engine
from webapp.models import DefinitionVersion, User
from webapp.services.diagrams import definitions, deployment
from webapp.services.workflow import programs

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (ROOT / "workflows/program_cycle.bpmn").read_text()


def versions(session: Session, key: str = "program_cycle") -> list[int]:
    session.rollback()
    return list(session.scalars(sa.select(DefinitionVersion.version).where(
        DefinitionVersion.key == key).order_by(DefinitionVersion.version)))


@pytest.mark.parametrize("path", ["/admin/processes", "/admin/processes/program_cycle",
                                  "/admin/processes/program_cycle/edit",
                                  "/admin/processes/program_cycle/v1.bpmn"])
def test_only_admins_enter_the_admin_area(login_as: Any, path: str) -> None:
    client = login_as("supervisor")
    assert client.get(path).status_code == 403


def test_a_coordinator_cannot_deploy_even_with_a_valid_token(
        login_as: Any, session: Session) -> None:
    client = login_as("koordinator")
    token = csrf_token(client, "/")
    response = client.post("/admin/processes/deploy?key=program_cycle",
                           data={"csrf_token": token, "xml": CYCLE, "comment": "x"})
    assert response.status_code == 403
    assert versions(session) == [1]


def test_deploy_without_csrf_token_is_refused(login_as: Any, session: Session) -> None:
    client = login_as("admin")
    response = client.post("/admin/processes/deploy?key=program_cycle",
                           data={"xml": CYCLE.replace("Perencanaan Program", "X", 1),
                                 "comment": "x"})
    assert response.status_code == 400
    assert versions(session) == [1]


def test_the_process_list_and_versions_page(login_as: Any) -> None:
    client = login_as("admin")
    page = client.get("/admin/processes").get_data(as_text=True)
    assert "Siklus Program Bantuan Sosial" in page and "program_priority" in page
    page = client.get("/admin/processes/program_cycle").get_data(as_text=True)
    assert "v1" in page and "aktif" in page
    download = client.get("/admin/processes/program_cycle/v1.bpmn?download=1")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == CYCLE
    assert client.get("/admin/processes/program_cycle/v1.dmn").status_code == 404
    assert client.get("/admin/processes/tidak_ada").status_code == 404


def test_stored_diagrams_are_always_downloads(login_as: Any, session: Session,
                                               people: dict[str, User]) -> None:
    client = login_as("admin")
    plain = client.get("/admin/processes/program_cycle/v1.bpmn")  # as the editor loads it
    assert plain.headers["Content-Disposition"] == 'attachment; filename="program_cycle-v1.bpmn"'
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "Program", "35.07.01")
    shown = client.get(f"/programs/{program.id}/diagram.xml")
    assert shown.status_code == 200 and shown.get_data(as_text=True) == CYCLE
    assert shown.headers["Content-Disposition"].startswith("attachment;")


def test_editor_check_and_deploy_answer_with_problems_then_a_new_version(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/processes/program_cycle/edit")
    broken = CYCLE.replace('decision == "return"', "().__class__.__subclasses__()", 1)
    answer = client.post("/admin/processes/check?key=program_cycle",
                         data={"csrf_token": token, "xml": broken})
    assert answer.status_code == 422
    problems = answer.get_json()["problems"]
    assert problems and problems[0]["element_id"].startswith("flow_")
    assert "ditolak" in problems[0]["message"]  # in Indonesian
    refused = client.post("/admin/processes/deploy?key=program_cycle",
                          data={"csrf_token": token, "xml": broken, "comment": "coba"})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    assert versions(session) == [1]
    no_comment = client.post("/admin/processes/deploy?key=program_cycle",
                             data={"csrf_token": token, "xml": CYCLE, "comment": " "})
    assert no_comment.status_code == 422
    edited = CYCLE.replace('name="Perencanaan Program"',
                           'name="&lt;script&gt;alert(1)&lt;/script&gt;"', 1)
    done = client.post("/admin/processes/deploy?key=program_cycle",
                       data={"csrf_token": token, "xml": edited, "comment": "<b>tebal</b>"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["redirect"] == "/admin/processes/program_cycle"
    assert versions(session) == [1, 2]
    page = client.get("/admin/processes/program_cycle").get_data(as_text=True)
    assert "&lt;b&gt;tebal&lt;/b&gt;" in page and "<b>tebal</b>" not in page
    same = client.post("/admin/processes/deploy?key=program_cycle",
                       data={"csrf_token": token, "xml": edited, "comment": "lagi"})
    assert same.status_code == 200 and "redirect" not in same.get_json()
    assert versions(session) == [1, 2]
    # the step named <script>…: stored as text, shown escaped where coordinators see it
    from tests.program_data import program_at

    program = program_at(session, people, "program_plan")
    (step,) = programs.open_tasks(session, program)
    assert step.name == "<script>alert(1)</script>"
    coordinator = login_as("koordinator")
    for path in ("/?tab=mine", f"/tasks/{step.id}", f"/programs/{program.id}"):
        body = coordinator.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body, path


def test_uploads_are_checked_and_a_refused_one_changes_nothing(
        login_as: Any, session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/processes")
    evil = CYCLE.replace('decision == "return"', "__import__('os').system('id')", 1)
    response = client.post("/admin/processes/upload", data={
        "csrf_token": token, "comment": "unggah",
        "files": [(io.BytesIO(evil.encode()), "program_cycle.bpmn"),
                  (io.BytesIO((ROOT / "workflows/program_priority.dmn").read_bytes()),
                   "program_priority.dmn")]}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "__import__" in page and "ditolak" in page
    assert versions(session) == [1] and versions(session, "program_priority") == [1]
    good = CYCLE.replace('name="Perencanaan Program"', 'name="Rencana Kerja"', 1)
    response = client.post("/admin/processes/upload", data={
        "csrf_token": token, "comment": "dari Camunda Modeler",
        "files": [(io.BytesIO(good.encode()), "program_cycle.bpmn")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert versions(session) == [1, 2]
    current = definitions.current_version(session, "program_cycle")
    assert current is not None and current.origin == "upload"


def test_an_oversized_request_gets_a_clear_answer(login_as: Any, session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/processes")
    huge = b"<x>" + b"a" * (9 * 1024 * 1024) + b"</x>"
    response = client.post("/admin/processes/upload", data={
        "csrf_token": token, "comment": "besar",
        "files": [(io.BytesIO(huge), "besar.bpmn")]}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "terlalu besar" in response.get_data(as_text=True).lower()
    assert versions(session) == [1]


def test_make_current_rolls_back_for_new_programs(login_as: Any, session: Session,
                                                  people: dict[str, User]) -> None:
    deployment.deploy_definitions(
        session, [engine.SourceFile("program_cycle.bpmn", CYCLE.replace(
            "Perencanaan Program", "Rencana", 1).encode())], people["admin"], comment="v2",
        origin="editor")
    client = login_as("admin")
    token = csrf_token(client, "/admin/processes/program_cycle")
    response = client.post("/admin/processes/program_cycle/v1/make-current",
                           data={"csrf_token": token})
    assert response.status_code == 303
    session.rollback()
    current = definitions.current_version(session, "program_cycle")
    assert current is not None and current.version == 1


def test_the_comparison_page_lists_the_added_step(login_as: Any, session: Session,
                                                  people: dict[str, User]) -> None:
    from tests.fieldlist_data import with_partner_step

    deployment.deploy_definitions(
        session, [engine.SourceFile("program_cycle.bpmn", with_partner_step().encode())],
        people["admin"], comment="Konfirmasi mitra", origin="editor")
    client = login_as("admin")
    page = client.get("/admin/processes/program_cycle/compare?old=1&new=2")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Konfirmasi Mitra" in body and "ditambahkan" in body
    added = re.search(r'data-added="([^"]*)"', body)
    assert added is not None
    assert set(added.group(1).split()) == {"confirm_partner", "flow_partner_confirmed"}
    assert client.get("/admin/processes/program_cycle/compare?old=1&new=9").status_code == 404
