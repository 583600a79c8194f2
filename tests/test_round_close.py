"""Closing a round and evaluating a program with a recipient list: a round with unticked
families is closed only when the coordinator says so (the page says how many), the rounds on
time stay within the plan, and each approval says what it approves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import STEP_DATA, fresh
from tests.test_recipients import open_task, step
from tests.test_ticks import at_round, enrolments
from webapp.models import HumanTask, User
from webapp.services.assistance import ticks

ROUND = {"distribution_date": "2026-12-15", "on_time": "y", "distribution_issues": "",
         "channel": "goods", "six_t_target": "yes", "six_t_time": "yes", "six_t_amount": "yes",
         "six_t_price": "na", "six_t_quality": "yes", "six_t_administration": "yes"}


def test_a_round_with_unticked_families_closes_only_when_asked(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = at_round(session, people, 3)
    first = enrolments(session, program)[0]
    ticks.tick(session, people["koordinator"], program.id, first, 1, True)
    task = open_task(session, program)
    login(client, "koordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="close_with_unticked"' in page and "2 keluarga" in page
    token = csrf_token(client, f"/tasks/{task.id}")
    refused = client.post(f"/tasks/{task.id}", data={"csrf_token": token, **ROUND})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "2 keluarga" in text and "belum dicentang" in text
    fresh(session)
    assert session.get(HumanTask, task.id).status == "open"  # type: ignore[union-attr]
    closed = client.post(f"/tasks/{task.id}", data={"csrf_token": token, **ROUND,
                                                    "close_with_unticked": "y"})
    assert closed.status_code == 303
    fresh(session)
    assert session.get(HumanTask, task.id).status == "completed"  # type: ignore[union-attr]


def test_a_round_with_every_family_ticked_asks_nothing(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = at_round(session, people, 2)
    for enrolment in enrolments(session, program):
        ticks.tick(session, people["koordinator"], program.id, enrolment, 1, True)
    task = open_task(session, program)
    login(client, "koordinator")
    assert 'name="close_with_unticked"' not in client.get(f"/tasks/{task.id}").get_data(
        as_text=True)
    token = csrf_token(client, f"/tasks/{task.id}")
    assert client.post(f"/tasks/{task.id}", data={"csrf_token": token, **ROUND}
                       ).status_code == 303


def to_evaluation(session: Session, people: dict[str, User]) -> Any:
    program = at_round(session, people, 2)
    while open_task(session, program).form_key != "evaluation":
        step(session, people, program, {**STEP_DATA["distribution_record"],
                                        "close_with_unticked": True}
             if open_task(session, program).form_key == "distribution_record" else None)
    return program


def test_rounds_on_time_stay_within_the_plan_and_approvals_say_what_they_approve(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = to_evaluation(session, people)
    task = open_task(session, program)
    login(client, "koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    evaluation = {"csrf_token": token, "rounds_on_time": "7", "lessons": "Cukup baik.",
                  "recommendation": "lanjutkan"}
    refused = client.post(f"/tasks/{task.id}", data=evaluation)
    assert refused.status_code == 422 and "2 tahap" in refused.get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}", data={**evaluation, "rounds_on_time": "2"}
                       ).status_code == 303
    approval = open_task(session, program)
    login(client, "supervisor")
    page = client.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "menyetujui rencana" not in page.lower()
    assert "Menyetujui berarti menerima evaluasi ini" in page
    fresh(session)
    assert session.scalar(sa.select(sa.func.count(HumanTask.id))) > 0
