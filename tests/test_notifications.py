"""Notifications: the bell, each person's mail choices, and mail through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.program_data import data_for, fresh, program_at
from webapp import clock, engine
from webapp.models import Job, Notification, User
from webapp.services.diagrams import deployment
from webapp.services.workflow import completion, jobs, notifications, programs

DEADLINE = (Path(__file__).resolve().parent / "data/deadline.bpmn").read_text()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(app: Flask, session: Session, people: dict[str, User]) -> Iterator[Inbox]:
    """A local SMTP server, the app pointed at it, and mail addresses for the test users."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    for user in people.values():
        user.email = f"{user.username}@contoh.go.id"
    session.commit()
    try:
        with app.app_context():
            yield inbox
    finally:
        controller.stop()


def subjects(inbox: Inbox) -> list[tuple[str, str]]:
    return sorted((m["To"], m["Subject"]) for m in inbox.messages)


def test_new_and_returned_steps_are_mailed_by_the_worker(
        smtp: Inbox, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "approve_plan")
    assert smtp.messages == []  # mails are jobs: nothing is sent inside the step
    jobs.run_due(session, "w1")
    assert subjects(smtp) == [
        ("supervisor2@contoh.go.id", "Langkah baru untuk Anda: Persetujuan Rencana"),
        ("supervisor@contoh.go.id", "Langkah baru untuk Anda: Persetujuan Rencana")]
    assert "/tasks/" in smtp.messages[0].get_payload()
    smtp.messages.clear()
    (approval,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["supervisor"], approval.id,
                        {"decision": "return", "reason": "Rincikan anggaran"})
    jobs.run_due(session, "w1")
    assert subjects(smtp) == [("koordinator@contoh.go.id",
                               "Dikembalikan untuk perbaikan: Perencanaan Program")]
    fresh(session)
    kinds = [n.kind for n in session.scalars(sa.select(Notification).where(
        Notification.user_id == people["koordinator"].id))]
    assert kinds == ["returned"]  # the coordinator's own earlier steps were theirs already


def test_a_mail_sent_again_after_a_crash_is_the_same_message(
        smtp: Inbox, session: Session, people: dict[str, User]) -> None:
    program_at(session, people, "approve_plan")
    jobs.run_due(session, "w1")
    first = {m["To"]: m["Message-ID"] for m in smtp.messages}
    assert len(set(first.values())) == 2 and all(first.values())
    # the worker died after sending, before marking the jobs done: its lease runs out
    fresh(session)
    with session.begin():
        session.execute(sa.update(Job).where(Job.kind == "mail").values(
            status="pending", locked_by="dead", locked_until=clock.now() - dt.timedelta(1)))
    smtp.messages.clear()
    jobs.run_due(session, "w2")
    assert {m["To"]: m["Message-ID"] for m in smtp.messages} == first


def test_a_second_distribution_round_is_not_a_return(
        session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "distribution_record")
    fresh(session)
    before = session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == people["koordinator"].id))
    (first,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], first.id,
                        data_for("distribution_record"))
    (second,) = programs.open_tasks(session, program)
    assert second.bpmn_id == "distribution_record" and second.id != first.id
    fresh(session)
    kinds = [n.kind for n in session.scalars(sa.select(Notification).where(
        Notification.user_id == people["koordinator"].id))]
    assert len(kinds) == before and "returned" not in kinds  # their own next round: no news


def test_each_person_chooses_their_mails(smtp: Inbox, session: Session,
                                         people: dict[str, User]) -> None:
    notifications.set_prefs(session, people["supervisor2"], {"returned", "escalated"})
    program_at(session, people, "approve_plan")
    jobs.run_due(session, "w1")
    assert [m["To"] for m in smtp.messages] == ["supervisor@contoh.go.id"]
    fresh(session)
    assert notifications.unread_count(session, people["supervisor2"]) == 1  # the bell still


def test_an_escalation_is_mailed(smtp: Inbox, session: Session, people: dict[str, User]) -> None:
    clock.set_time(dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC))
    deployment.deploy_definitions(session, [engine.SourceFile("d.bpmn", DEADLINE.encode())],
                                   people["admin"], comment="tenggat", origin="upload")
    programs.start_instance(session, people["supervisor"], "deadline", "Tenggat", "35.07.01")
    jobs.run_due(session, "w1")
    smtp.messages.clear()
    clock.advance(dt.timedelta(days=3))
    jobs.run_due(session, "w1")  # fires the timer, which queues the mails
    jobs.run_due(session, "w1")  # sends them
    # the escalated step goes to the program's own supervisor (who started it)
    assert subjects(smtp) == [("supervisor@contoh.go.id",
                               "Batas waktu terlewati: Setujui (dieskalasi)")]


def test_the_bell_counts_and_notifications_are_read_by_opening_them(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    program_at(session, people, "approve_plan")
    program_at(session, people, "approve_plan", title="BPNT Pagak", region="35.07.02")
    client = login_as("supervisor")
    bell = client.get("/notifications/count", headers={"HX-Request": "true",
                                                       "HX-Target": "bell"})
    assert 'class="bell-count">2<' in bell.get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Persetujuan Rencana" in page and "BPNT Donomulyo" in page
    # looking at the list changes nothing (no state change on GET)
    assert 'class="bell-count">2<' in client.get("/notifications/count").get_data(as_text=True)
    fresh(session)
    first = session.scalars(sa.select(Notification).where(
        Notification.user_id == people["supervisor"].id).order_by(Notification.id)).first()
    assert first is not None
    token = csrf_token(client, "/notifications")
    opened = client.post(f"/notifications/{first.id}/open", data={"csrf_token": token})
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/tasks/{first.human_task_id}")
    assert 'class="bell-count">1<' in client.get("/notifications/count").get_data(as_text=True)
    assert client.post(f"/notifications/{first.id + 1000}/open",
                       data={"csrf_token": token}).status_code == 404
    client.post("/notifications/read", data={"csrf_token": token})
    assert 'class="bell-count"' not in client.get("/notifications/count").get_data(
        as_text=True)
    token_page = client.get("/account").get_data(as_text=True)
    assert 'name="mail" value="assigned" checked' in token_page


def test_a_mail_server_that_is_down_delays_mail_but_loses_none(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    people["supervisor"].email = "supervisor@contoh.go.id"
    session.commit()
    with app.app_context():
        program_at(session, people, "approve_plan")
        outcomes = jobs.run_due(session, "w1")
    assert [o.result for o in outcomes] == ["retry"]
    fresh(session)
    from webapp.models import Job

    (job,) = session.scalars(sa.select(Job).where(Job.kind == "mail"))
    assert job.status == "pending" and "Connection refused" in job.last_error
