"""A step with its own field list (no code): parsed, validated, rendered, filled, stored."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms import dynamic
from tests.conftest import csrf_token
from tests.fieldlist_data import PARTNER_FIELDS, with_partner_step
from tests.program_data import data_for
from webapp import engine
from webapp.models import Attachment, Event, HumanTask, Instance, User
from webapp.services.diagrams import deployment
from webapp.services.workflow import completion, programs


def deploy_partner_step(session: Session, admin: User, fields: str | None = None) -> None:
    text = with_partner_step() if fields is None else with_partner_step(fields)
    deployment.deploy_definitions(
        session, [engine.SourceFile("program_cycle.bpmn", text.encode())], admin,
        comment="Konfirmasi mitra", origin="editor", expected_key="program_cycle")


def to_partner_step(session: Session, people: dict[str, User]) -> tuple[Instance, HumanTask]:
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "BPNT Donomulyo", "35.07.01")
    while True:
        (task,) = programs.open_tasks(session, program)
        if task.bpmn_id == "confirm_partner":
            return program, task
        who = people["supervisor"] if task.group_name == "Supervisor" else people["koordinator"]
        completion.complete_task(session, who, task.id, data_for(task.form_key or "", None,
                                                            task.bpmn_id))


def test_the_engine_and_the_forms_know_the_same_field_types() -> None:
    assert engine.FIELD_TYPES == dynamic.FIELD_TYPES


def test_a_field_list_is_parsed_into_the_steps_own_form() -> None:
    parsed = engine.parse_definition(
        engine.SourceFile("program_cycle.bpmn", with_partner_step().encode()),
        [engine.SourceFile("p.dmn", (definitions_root() / "program_priority.dmn").read_bytes())],
        process_id="program_cycle", form_keys=["needs_assessment", "program_plan", "approval",
                                               "distribution_record", "supervision_visit",
                                               "evaluation"])
    step = parsed.user_tasks["confirm_partner"]
    assert step.form_key is None and step.lane == "Koordinator"
    assert [(f.name, f.type, f.required) for f in step.fields] == [
        ("partner_name", "text", True), ("partner_kind", "choice", True),
        ("mou_signed", "yesno", True), ("contribution", "money", False),
        ("areas", "multichoice", False), ("mou_file", "file", False)]
    assert step.fields[1].choices == (("lsm", "LSM"), ("dinas", "Dinas"))
    assert step.fields[0].help == "Sesuai surat kerja sama"


def definitions_root() -> Any:
    from tests.fieldlist_data import ROOT

    return ROOT / "workflows"


@pytest.mark.parametrize("fields, word", [
    ('<simpul:fields><simpul:field name="__class__" label="x" /></simpul:fields>', "__class__"),
    ('<simpul:fields><simpul:field name="len" label="x" /></simpul:fields>', "len"),
    ('<simpul:fields><simpul:field name="description" /></simpul:fields>', "description"),
    ('<simpul:fields><simpul:field name="data" /></simpul:fields>', "data"),
    ('<simpul:fields><simpul:field name="a" /><simpul:field name="a" /></simpul:fields>',
     "twice"),
    ('<simpul:fields><simpul:field name="a" type="script" /></simpul:fields>', "script"),
    ('<simpul:fields><simpul:field name="a" type="choice" /></simpul:fields>', "choice"),
    ("<simpul:fields></simpul:fields>", "empty"),
])
def test_a_broken_field_list_is_refused(session: Session, people: dict[str, User],
                                        fields: str, word: str) -> None:
    problems = deployment.check_definitions(
        session, [engine.SourceFile("c.bpmn", with_partner_step(fields).encode())],
        "program_cycle")
    texts = [str(p) for p in problems]
    assert any("confirm_partner" in t and word in t for t in texts), texts


def test_a_step_needs_exactly_one_kind_of_form(session: Session, people: dict[str, User]
                                               ) -> None:
    none = with_partner_step("")
    problems = deployment.check_definitions(
        session, [engine.SourceFile("c.bpmn", none.encode())], "program_cycle")
    assert any(p.element_id == "confirm_partner" and "no form" in p.text() for p in problems), [
        str(p) for p in problems]
    both = with_partner_step(PARTNER_FIELDS + '<spiffworkflow:properties><spiffworkflow:property'
                             ' name="formKey" value="note" /></spiffworkflow:properties>')
    problems = deployment.check_definitions(
        session, [engine.SourceFile("c.bpmn", both.encode())], "program_cycle")
    assert any(p.element_id == "confirm_partner" and "both" in p.text() for p in problems)


def test_the_coordinator_fills_the_new_step_with_a_file(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    deploy_partner_step(session, people["admin"])
    program, task = to_partner_step(session, people)
    client = login_as("koordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Nama mitra" in page and "Sesuai surat kerja sama" in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    token = csrf_token(client, f"/tasks/{task.id}")
    missing = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "partner_kind": "lsm"})
    assert missing.status_code == 422
    body = missing.get_data(as_text=True)
    # each problem once beside its field (the summary at the top lists them again)
    errors = re.findall(r'<small class="field-error"[^>]*>([^<]*)</small>', body)
    assert errors == ["Kolom ini wajib diisi.", "Pilih salah satu pilihan."]  # name, MoU
    assert "2 isian perlu diperbaiki" in body
    response = client.post(f"/tasks/{task.id}", data={
        "csrf_token": token, "partner_name": "  Yayasan Peduli  ", "partner_kind": "lsm",
        "mou_signed": "true", "contribution": "2.500.000", "areas": ["tulungrejo", "kedungsalam"],
        "mou_file": (io.BytesIO(b"%PDF-1.4 mou"), "MoU Yayasan.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    session.rollback()
    event = session.scalars(sa.select(Event).where(Event.action == "task.completed",
                                                   Event.human_task_id == task.id)).one()
    data = event.data["data"]
    assert data["partner_name"] == "Yayasan Peduli" and data["partner_kind"] == "lsm"
    assert data["mou_signed"] is True and data["contribution"] == 2_500_000
    assert data["areas"] == ["tulungrejo", "kedungsalam"]
    reference = data["mou_file"]
    assert reference["filename"] == "MoU Yayasan.pdf" and reference["size"] == 12
    stored = session.get(Attachment, reference["attachment_id"])
    assert stored is not None and stored.instance_id == program.id
    download = client.get(f"/programs/attachments/{reference['attachment_id']}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 mou"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/pdf"
    (after,) = programs.open_tasks(session, program)
    assert after.bpmn_id == "distribution_record"  # the process went on to execution


@pytest.mark.parametrize(("content", "filename"), [
    (b"<html><script>alert(1)</script>", "x.html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "peta.svg"),
    (b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>', "x.xhtml"),
    (b"<?xml version='1.0'?><x/>", "data.xml"),
    (b"MZ\x90\x00", "setup.exe"),
    (b"\xef\xbb\xbf  <html><script>alert(1)</script>", "foto.jpg"),  # markup under a photo's name
])
def test_a_file_field_accepts_only_documents_and_photos(
        login_as: Any, session: Session, people: dict[str, User], content: bytes,
        filename: str) -> None:
    deploy_partner_step(session, people["admin"])
    program, task = to_partner_step(session, people)
    client = login_as("koordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    # the phone offers documents and photos
    (accept,) = re.findall(r'<input accept="([^"]*)"[^>]*name="mou_file"', page)
    assert ".pdf" in accept and ".jpg" in accept and ".svg" not in accept
    response = client.post(f"/tasks/{task.id}", data={
        "csrf_token": csrf_token(client, f"/tasks/{task.id}"), "partner_name": "Dinas Sosial",
        "partner_kind": "dinas", "mou_signed": "false",
        "mou_file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
    assert response.status_code == 422
    errors = re.findall(r'<small class="field-error"[^>]*>([^<]*)</small>',
                        response.get_data(as_text=True))
    assert len(errors) == 1 and errors[0].startswith("Jenis berkas ini tidak diterima")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    (still,) = programs.open_tasks(session, program)
    assert still.id == task.id


def test_attachments_stay_in_scope(login_as: Any, session: Session,
                                   people: dict[str, User]) -> None:
    deploy_partner_step(session, people["admin"])
    program, task = to_partner_step(session, people)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    client.post(f"/tasks/{task.id}", data={
        "csrf_token": token, "partner_name": "Dinas Sosial", "partner_kind": "dinas",
        "mou_signed": "false", "mou_file": (io.BytesIO(b"\xff\xd8\xff\xe0 foto"), "mou.jpg")},
        content_type="multipart/form-data")
    session.rollback()
    stored = session.scalars(sa.select(Attachment)).one()
    assert stored.content_type == "image/jpeg"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    other = login_as("kota")  # a coordinator of another region
    assert other.get(f"/programs/attachments/{stored.id}").status_code == 404
