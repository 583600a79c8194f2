"""Due dates on steps: from the diagram or the group's default; amber and red in the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.program_data import fresh, program_at
from webapp import clock, engine
from webapp.models import Group, HumanTask, User
from webapp.services.accounts import people as people_admin
from webapp.services.errors import InvalidInput

T0 = dt.datetime(2027, 2, 1, 8, 0, tzinfo=dt.UTC)


def test_due_dates_read_durations_dates_and_expressions() -> None:
    assert engine.due_from("P3D", {}, T0) == T0 + dt.timedelta(days=3)
    assert engine.due_from("PT12H", {}, T0) == T0 + dt.timedelta(hours=12)
    assert engine.due_from("2027-02-10", {}, T0) == dt.datetime(2027, 2, 10, 23, 59,
                                                                tzinfo=dt.UTC)
    assert engine.due_from("end_date", {"end_date": "2027-03-01"}, T0) == dt.datetime(
        2027, 3, 1, 23, 59, tzinfo=dt.UTC)
    assert engine.due_from("'P1D' if urgent else 'P7D'", {"urgent": True}, T0) == \
        T0 + dt.timedelta(days=1)
    assert engine.due_from("tidak_ada", {}, T0) is None
    assert engine.due_from(None, {}, T0) is None


def test_an_approval_turns_amber_then_red_in_the_inbox(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    program = program_at(session, people, "approve_plan")
    (task,) = [t for t in session.scalars(sa.select(HumanTask).where(
        HumanTask.instance_id == program.id, HumanTask.status == "open"))]
    assert task.due_at == T0 + dt.timedelta(days=3)  # dueIn P3D in program_cycle
    client = login_as("supervisor")
    page = client.get("/?tab=group").get_data(as_text=True)
    assert "due-ok" in page and "due-soon" not in page
    clock.set_time(T0 + dt.timedelta(days=2, hours=6))
    page = client.get("/?tab=group").get_data(as_text=True)
    assert "due-soon" in page and "18 jam" in page  # in Indonesian: "dalam 18 jam"
    clock.set_time(T0 + dt.timedelta(days=3, hours=5))
    page = client.get("/?tab=group").get_data(as_text=True)
    assert "due-late" in page and "5 jam" in page
    assert "due-late" in client.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_a_group_default_applies_when_the_diagram_sets_none(
        session: Session, people: dict[str, User]) -> None:
    clock.set_time(T0)
    koordinator = session.scalars(sa.select(Group).where(Group.name == "Koordinator")).one()
    with pytest.raises(InvalidInput):
        people_admin.set_group_due(session, people["admin"], koordinator.id, "3 hari")
    fresh(session)
    people_admin.set_group_due(session, people["admin"], koordinator.id, "P2D")
    program = program_at(session, people, "needs_assessment")
    fresh(session)
    (task,) = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == program.id))
    assert task.due_at == T0 + dt.timedelta(days=2)
