"""Comments and files on tasks: kept in the history, files limited and served only in scope."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.program_data import fresh, program_at
from webapp.models import Attachment, Event, User


def test_a_comment_with_a_file_shows_on_the_task_and_in_the_history(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    fresh(session)
    (task,) = [t for t in program_open(session, program.id)]
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task}")
    response = client.post(f"/tasks/{task}/comments", data={
        "csrf_token": token, "text": "Daftar penerima <b>terlampir</b>",
        "file": (io.BytesIO(b"nik,nama\n"), "penerima.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "Daftar penerima &lt;b&gt;terlampir&lt;/b&gt;" in page and "penerima.csv" in page
    history = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "terlampir" in history and "penerima.csv" in history
    fresh(session)
    stored = session.scalars(sa.select(Attachment)).one()
    assert client.get(f"/programs/attachments/{stored.id}").data == b"nik,nama\n"
    assert login_as("kota").get(f"/programs/attachments/{stored.id}").status_code == 404
    event = session.scalars(sa.select(Event).where(Event.action == "task.commented")).one()
    assert event.actor_id == people["koordinator"].id


def test_wrong_files_and_empty_comments_are_refused(login_as: Any, session: Session,
                                                    people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    (task,) = [t for t in program_open(session, program.id)]
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task}")
    for data in ({"text": ""},
                 {"text": "x", "file": (io.BytesIO(b"MZ"), "alat.exe")},
                 {"text": "z", "file": (io.BytesIO(b"<svg onload='alert(1)'/>"), "peta.svg")},
                 {"text": "w", "file": (io.BytesIO(b"<html><script>x()</script>"), "foto.jpg")},
                 {"text": "y", "file": (io.BytesIO(b"a" * (5 * 1024 * 1024 + 1)), "besar.pdf")}):
        response = client.post(f"/tasks/{task}/comments", data=dict(data, csrf_token=token),
                               content_type="multipart/form-data", follow_redirects=True)
        assert "flash-error" in response.get_data(as_text=True)
    fresh(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "task.commented")) == 0
    outsider = login_as("kota")
    assert outsider.post(f"/tasks/{task}/comments",
                         data={"csrf_token": csrf_token(outsider, "/"), "text": "x"}
                         ).status_code == 404


def program_open(session: Session, instance_id: int) -> list[int]:
    from webapp.models import HumanTask

    fresh(session)
    return list(session.scalars(sa.select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open")))
