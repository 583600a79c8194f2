"""The end of a request: views never commit or roll back; the request's teardown rolls back
whatever is still open, and an error page reads afresh after a failed write."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.conftest import login
from webapp.db import begin_write
from webapp.extensions import db
from webapp.models import Group


def _groups(session: Session) -> set[str]:
    session.rollback()  # a fresh read
    return set(session.scalars(sa.select(Group.name)))


def test_the_end_of_a_request_rolls_back_the_write_it_left_open(app: Flask,
                                                                session: Session) -> None:
    seen: dict[str, Any] = {}

    def leave_open() -> str:
        begin_write(db())
        db().add(Group(name="Ditinggal"))
        db().flush()
        seen["session"] = db()
        return "ok"

    app.add_url_rule("/_test/leave-open", "leave_open", leave_open)
    assert app.test_client().get("/_test/leave-open").status_code == 200
    assert not seen["session"].in_transaction()
    assert "Ditinggal" not in _groups(session)
    begin_write(session)  # nobody holds the write any more
    session.add(Group(name="Sesudahnya"))
    session.commit()
    assert "Sesudahnya" in _groups(session)


def test_an_error_page_after_a_failed_write_reads_afresh(app: Flask, session: Session) -> None:
    def fail() -> str:
        begin_write(db())
        db().add_all([Group(name="Kembar"), Group(name="Kembar")])
        db().flush()  # refused by the database: the session cannot read until rolled back
        return "not reached"

    app.add_url_rule("/_test/fail", "fail", fail)
    client = app.test_client()
    login(client, "koordinator")  # the error page reads: the person's unread notifications
    response = client.get("/_test/fail")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan di sistem kami" in body and "Koordinator" in body
    assert "Kembar" not in _groups(session)


def test_a_refused_write_keeps_nothing_and_the_page_says_why(login_as: Any,
                                                            session: Session) -> None:
    from tests.conftest import csrf_token

    client = login_as("admin")
    token = csrf_token(client, "/admin/groups")
    response = client.post("/admin/groups", data={"name": "Pendamping Desa",
                                                   "csrf_token": token})
    assert response.status_code == 303
    again = client.post("/admin/groups", data={"name": "pendamping desa", "csrf_token": token})
    assert again.status_code == 422
    assert "Pendamping Desa" in again.get_data(as_text=True)  # the list, read after it
    begin_write(session)  # the refused write is not held after the request
    session.rollback()
    assert "pendamping desa" not in _groups(session)
