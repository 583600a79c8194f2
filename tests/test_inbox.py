"""The inbox for many tasks: search, filters, order, saved filters, done tab, bulk actions."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token
from tests.program_data import data_for, fresh, program_at
from webapp import clock
from webapp.models import Event, HumanTask, Instance, SavedFilter, User
from webapp.services.accounts import users
from webapp.services.workflow import completion, inbox, programs, workload
from webapp.services.workflow.inbox import InboxFilter

T0 = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)


def approvals(session: Session, people: dict[str, User], n: int) -> list[int]:
    ids = []
    for k in range(n):
        program = program_at(session, people, "approve_plan", f"Program {k:02d}")
        (task,) = programs.open_tasks(session, program)
        ids.append(task.id)
    return ids


def test_search_filters_order_and_the_done_tab(session: Session,
                                               people: dict[str, User]) -> None:
    clock.set_time(T0)
    ids = approvals(session, people, 3)
    clock.set_time(T0 + dt.timedelta(days=4))  # every approval (due in 3 days) is late
    late = approvals(session, people, 1)
    supervisor = people["supervisor"]
    listed = inbox.list_tasks(session, supervisor, wanted=InboxFilter(tab="group", q="program 01"))
    assert [t.id for t in listed.items] == [ids[1]]
    program = session.get(Instance, listed.items[0].instance_id)
    by_number = programs.open_tasks(session, program)[0].instance.business_key
    found = inbox.list_tasks(session, supervisor,
                             wanted=InboxFilter(tab="group", q=by_number.lower()))
    assert [t.id for t in found.items] == [ids[1]]
    overdue = inbox.list_tasks(session, supervisor, wanted=InboxFilter(tab="group", due="late"))
    assert {t.id for t in overdue.items} == set(ids)
    workload.set_priority(session, supervisor, [late[0]], 2)
    first = inbox.list_tasks(session, supervisor,
                             wanted=InboxFilter(tab="group", sort="priority")).items[0]
    assert first.id == late[0]
    assert inbox.list_tasks(session, supervisor,
                            wanted=InboxFilter(tab="group", priority=2)).total == 1
    completion.complete_task(session, supervisor, ids[0], {"decision": "approve", "reason": ""})
    done = inbox.list_tasks(session, supervisor, wanted=InboxFilter(tab="done"))
    assert [t.id for t in done.items] == [ids[0]]


def test_filters_are_saved_and_the_inbox_is_kept_when_coming_back(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    approvals(session, people, 2)
    client = login_as("supervisor")
    token = csrf_token(client, "/?tab=group")
    response = client.post("/inbox/filters", data={"csrf_token": token, "name": "Rencana",
                                                   "tab": "group", "phase": "planning"})
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Rencana" in page and "phase=planning" in page
    client.get("/?tab=group&phase=planning&sort=due")
    fresh(session)
    task_id = session.scalars(sa.select(HumanTask.id).where(HumanTask.status == "open")).first()
    task_page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    back = re.search(r'class="crumbs">\s*<a href="([^"]+)"', task_page)
    assert back is not None  # back to that inbox, with its tab, filter and order
    assert parse_qs(urlsplit(html.unescape(back.group(1))).query) == {
        "tab": ["group"], "phase": ["planning"], "sort": ["due"]}


def test_a_filter_name_follows_the_text_rules(login_as: Any, session: Session) -> None:
    client = login_as("supervisor")
    token = csrf_token(client, "/")
    for name, said in (("Rencana\u202e", "karakter kendali"), ("R" * 81, "80 karakter")):
        answer = client.post("/inbox/filters", data={"csrf_token": token, "name": name},
                             follow_redirects=True)
        assert said in answer.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(SavedFilter)) == 0


def test_a_supervisor_reassigns_many_tasks_but_not_to_their_author(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    ids = approvals(session, people, 3)
    dual = users.create_user(session, "dual", PASSWORD, ["Koordinator", "Supervisor"],
                             full_name="Dwi Peran", region_code="35.07")
    own = program_at(session, {**people, "koordinator": dual}, "approve_plan", "Milik Dwi")
    (own_task,) = programs.open_tasks(session, own)
    client = login_as("supervisor")
    token = csrf_token(client, "/?tab=group")
    response = client.post("/inbox/bulk", data={
        "csrf_token": token, "action": "reassign", "person": str(dual.id),
        "task": [str(i) for i in [*ids, own_task.id]]}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "3 tugas diubah" in body or "3 task(s) changed" in body
    assert "Milik Dwi" in body or "Perencanaan Program" in body  # the skipped one, and why
    fresh(session)
    holders = dict(session.execute(sa.select(HumanTask.id, HumanTask.assignee_id).where(
        HumanTask.id.in_([*ids, own_task.id]))).all())
    assert [holders[i] for i in ids] == [dual.id] * 3 and holders[own_task.id] is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "task.reassigned")) == 3
    assert session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "duty.refused")) == 1
    coordinator = login_as("koordinator")
    refused = coordinator.post("/inbox/bulk", data={
        "csrf_token": csrf_token(coordinator, "/"), "action": "reassign",
        "person": str(dual.id), "task": [str(ids[0])]})
    assert refused.status_code == 403  # a role refusal: the 403 page says why
    assert "Hanya supervisor dan administrator" in refused.get_data(as_text=True)
    completion.complete_task(session, dual, ids[0], data_for("approval"))
