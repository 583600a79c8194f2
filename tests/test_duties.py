"""Separation of duties: who submitted a step does not approve it, in any way."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token
from tests.program_data import data_for, fresh, own_plan_at_approval
from webapp.models import Event, User
from webapp.services.accounts import users
from webapp.services.errors import Forbidden
from webapp.services.workflow import completion, inbox, programs


def test_a_person_in_both_groups_cannot_approve_their_own_plan(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    dual, approval = own_plan_at_approval(session)
    assert approval.bpmn_id == "approve_plan"
    assert approval.assignee_id is None  # not handed to its own author, left to the group
    with pytest.raises(Forbidden) as refused:
        completion.complete_task(session, dual, approval.id, {"decision": "approve", "reason": ""})
    assert "Perencanaan Program" in str(refused.value.message)
    fresh(session)
    with pytest.raises(Forbidden):
        inbox.claim_task(session, dual, approval.id)
    fresh(session)
    client = login_as("dual")
    token = csrf_token(client, f"/tasks/{approval.id}")
    page = client.post(f"/tasks/{approval.id}", data={"csrf_token": token,
                                                      "decision": "approve", "reason": ""})
    assert page.status_code == 403 and "Perencanaan Program" in page.get_data(as_text=True)
    fresh(session)
    logged = session.scalars(sa.select(Event).where(Event.action == "duty.refused")).all()
    assert [(e.actor_id, e.data["action"]) for e in logged] == [
        (dual.id, "complete"), (dual.id, "claim"), (dual.id, "complete")]
    completion.complete_task(session, people["supervisor"], approval.id,
                        {"decision": "approve", "reason": ""})  # someone else may


def test_an_admin_in_both_groups_is_refused_too(session: Session,
                                               people: dict[str, User]) -> None:
    boss = users.create_user(session, "admin.dua", PASSWORD, ["Koordinator", "Supervisor"],
                             role="admin", full_name="Admin Dua")
    program = programs.start_instance(session, boss, "program_cycle", "Program Admin",
                                       "35.07.01")
    for form in ("needs_assessment", "program_plan"):
        (task,) = programs.open_tasks(session, program)
        completion.complete_task(session, boss, task.id, data_for(form))
    fresh(session)
    (approval,) = programs.open_tasks(session, program)
    with pytest.raises(Forbidden):
        completion.complete_task(session, boss, approval.id, {"decision": "approve", "reason": ""})
