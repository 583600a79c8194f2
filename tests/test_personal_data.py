"""NIK and KK numbers stay masked wherever they are typed: comments, history, request logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, signed_in_opener
from tests.program_data import fresh, program_at
from webapp.models import Event, User
from webapp.services.workflow import completion, programs

NIK_SPACED = "3507 0112 0385 0001"
# The eight digits the mask hides, however spaced or URL-encoded (so the full number too). Not a
# run of four digits: SpiffWorkflow's random task ids contain "0112" in about one program in 130.
FULL_NIK = re.compile(r"0112(?:\s|\+|%20)*0385")
FULL_KK = re.compile(r"0115(?:\s|\+|%20)*0620")


def test_a_nik_typed_in_a_comment_is_kept_masked(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    (task,) = programs.open_tasks(session, program)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    client.post(f"/tasks/{task.id}/comments", data={
        "csrf_token": token, "text": f"Keluarga dengan NIK {NIK_SPACED} pindah ke Pagak"})
    fresh(session)
    stored = session.scalars(sa.select(Event).where(Event.action == "task.commented")).one()
    assert stored.data["text"] == "Keluarga dengan NIK 3507********0001 pindah ke Pagak"
    for page in (client.get(f"/tasks/{task.id}"), client.get(f"/programs/{program.id}")):
        body = page.get_data(as_text=True)
        assert "3507********0001" in body and not FULL_NIK.search(body)


def test_a_comment_with_control_characters_is_refused(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    (task,) = programs.open_tasks(session, program)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    response = client.post(f"/tasks/{task.id}/comments", data={
        "csrf_token": token, "text": "Catatan \u202etidak terbaca"}, follow_redirects=True)
    assert "karakter kendali" in response.get_data(as_text=True)
    fresh(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "task.commented")) == 0


def test_a_search_for_a_nik_is_masked_in_the_request_log(
        live_server: str, caplog: pytest.LogCaptureFixture) -> None:
    opener = signed_in_opener(live_server, "koordinator")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for query in ("3507011203850001", "3507+0112+0385+0001", "3507%200112%200385%200001"):
            opener.open(f"{live_server}/?q={query}").read()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert sum("/?q=3507********0001" in line for line in lines) == 3, lines
    assert not any(FULL_NIK.search(line) for line in lines)


def test_step_data_keeps_no_full_nik_in_the_history_or_the_program_state(
        session: Session, people: dict[str, User]) -> None:
    from tests.program_data import STEP_DATA
    from webapp.models import Instance

    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "BPNT Donomulyo", "35.07.01")
    (task,) = programs.open_tasks(session, program)
    data = dict(STEP_DATA["needs_assessment"],
                notes=f"Pelapor NIK {NIK_SPACED}, KK 3507011506200003", households_total=400)
    completion.complete_task(session, people["koordinator"], task.id, data)
    fresh(session)
    stored = session.scalars(sa.select(Event).where(Event.action == "task.completed")).one()
    assert stored.data["data"]["notes"] == "Pelapor NIK 3507********0001, KK 3507********0003"
    assert stored.data["data"]["households_total"] == 400
    state = session.scalars(sa.select(Instance.state).where(Instance.id == program.id)).one()
    assert not FULL_NIK.search(state) and not FULL_KK.search(state)
