"""Recipient lists in the program cycle: built from the registry at the plan (the target is
the list's size), approved with the plan, ticked per round, and the figures of the rounds and
the evaluation computed from the lines (the same 150 families over 4 rounds is 100 %)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.program_data import data_for, fresh, program_at
from webapp.db import unit_of_work
from webapp.models import (
    DistributionLine,
    Enrolment,
    EnrolmentChange,
    Event,
    HumanTask,
    Instance,
    User,
)
from webapp.services.assistance import recipient_lists, rounds, spot_checks, ticks
from webapp.services.errors import Conflict, NotFound
from webapp.services.registry import entry, facts
from webapp.services.registry.synthetic import families
from webapp.services.workflow import completion, programs

FULL_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")


def register(session: Session, user: User, count: int, desa: str = "35.07.01.2001") -> None:
    for family in families(count, [desa], seed=3):
        made = entry.create_household(session, user, family.household_values(),
                                      family.members[0], confirmed=True)
        with unit_of_work(session):  # as the DTSEN import records it
            facts.record_desil(made, 2, "2025-Q3")


def open_task(session: Session, program: Instance) -> HumanTask:
    fresh(session)
    (task,) = programs.open_tasks(session, program)
    return task


def step(session: Session, people: dict[str, User], program: Instance,
         data: dict[str, Any] | None = None) -> HumanTask:
    task = open_task(session, program)
    who = people["supervisor"] if task.group_name == "Supervisor" else people["koordinator"]
    completion.complete_task(session, who, task.id, data if data is not None else
                        data_for(task.form_key or "", None, task.bpmn_id))
    return task


def last_data(session: Session, bpmn_id: str) -> dict[str, Any]:
    fresh(session)
    events = session.scalars(sa.select(Event).where(Event.action == "task.completed")
                             .order_by(Event.id)).all()
    return next(e.data["data"] for e in reversed(events) if e.data["bpmn_id"] == bpmn_id)


@pytest.fixture
def planned(session: Session, people: dict[str, User]) -> Instance:
    register(session, people["koordinator"], 150)
    return program_at(session, people, "program_plan")


def test_the_whole_cycle_takes_its_figures_from_the_lines(
        session: Session, people: dict[str, User], planned: Instance) -> None:
    koordinator = people["koordinator"]
    added = recipient_lists.add_from_registry(session, koordinator, planned.id, desil="1-4")
    assert added == 150
    assert recipient_lists.add_from_registry(session, koordinator, planned.id) == 0  # once each
    plan = data_for("program_plan")
    plan.update(target_households=9999, rounds=4, budget_rupiah=100_000_000)
    step(session, people, planned, plan)
    plan_recorded = last_data(session, "program_plan")
    assert plan_recorded["target_households"] == 9999  # the target stays as typed
    assert plan_recorded["list_size"] == 150  # beside the list's size
    with pytest.raises(Conflict):  # under review: the list is what the approver sees
        recipient_lists.add_from_registry(session, koordinator, planned.id)
    session.rollback()
    step(session, people, planned)  # the supervisor approves
    fresh(session)
    statuses = session.scalars(sa.select(Enrolment.status).where(
        Enrolment.instance_id == planned.id)).all()
    assert set(statuses) == {"enrolled"} and len(statuses) == 150
    changes = session.scalars(sa.select(EnrolmentChange)).all()
    assert len(changes) == 150 and changes[0].by is not None
    enrolled = session.scalars(sa.select(Enrolment.id).where(
        Enrolment.instance_id == planned.id).order_by(Enrolment.id)).all()
    for round_ in range(1, 5):
        listed = recipient_lists.state(session, koordinator, planned.id)
        assert listed.round == round_
        assert rounds.open_round(session, koordinator, planned.id, round_) == 150
        for n, enrolment_id in enumerate(enrolled):
            missed = round_ == 2 and n < 10  # ten families absent in round 2
            ticks.tick(session, koordinator, planned.id, enrolment_id, round_,
                               not missed, "absent" if missed else "", None if missed
                               else 150_000)
        # a family ticked twice is one line
        ticks.tick(session, koordinator, planned.id, enrolled[0], round_,
                           round_ != 2, "" if round_ != 2 else "absent",
                           150_000 if round_ != 2 else None)
        typed = data_for("distribution_record")
        typed.update(households_served=5000, amount_disbursed_rupiah=999)
        step(session, people, planned, typed)
        recorded = last_data(session, "distribution_record")
        assert recorded["households_served"] == (140 if round_ == 2 else 150)
        assert recorded["amount_disbursed_rupiah"] == recorded["households_served"] * 150_000
        assert recorded["round"] == round_
    with pytest.raises(Conflict):  # every round is closed now
        ticks.tick(session, koordinator, planned.id, enrolled[0], 4, True)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(DistributionLine.id))) == 600
    supervisor = people["supervisor"]  # monitoring lapangan: one family of the sample checked
    checked = spot_checks.sample(session, supervisor, planned.id)[0]
    spot_checks.record(session, supervisor, planned.id, checked.line.id, True, True, True)
    step(session, people, planned)
    evaluation = data_for("evaluation")
    evaluation.update(coverage_pct=12.0, budget_realisation_pct=1.0)
    step(session, people, planned, evaluation)
    recorded = last_data(session, "evaluation")
    assert recorded["coverage_pct"] == 100.0  # the same 150 families over 4 rounds
    assert recorded["budget_realisation_pct"] == round(100.0 * 590 * 150_000 / 100_000_000, 1)


def test_a_program_without_a_list_keeps_typed_figures(
        session: Session, people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    step(session, people, program)
    assert last_data(session, "program_plan")["target_households"] == 150
    step(session, people, program)
    step(session, people, program)
    assert last_data(session, "distribution_record")["households_served"] == 70


def test_lists_and_rounds_obey_the_region(session: Session, people: dict[str, User],
                                          planned: Instance, client: Any) -> None:
    recipient_lists.add_from_registry(session, people["koordinator"], planned.id)
    kota = session.scalars(sa.select(User).where(User.username == "kota")).one()
    with pytest.raises(NotFound):
        recipient_lists.state(session, kota, planned.id)
    with pytest.raises(NotFound):
        recipient_lists.entries(session, kota, planned.id)
    session.rollback()
    from tests.conftest import login

    login(client, "kota")
    assert client.get(f"/programs/{planned.id}/recipients").status_code == 404
    assert client.get(f"/programs/{planned.id}/rounds/1").status_code == 404
    token = csrf_token(client, "/registry/")
    assert client.post(f"/programs/{planned.id}/recipients/add",
                       data={"csrf_token": token}).status_code == 404


def test_the_pages_through_the_web(session: Session, people: dict[str, User],
                                   planned: Instance, client: Any) -> None:
    from tests.conftest import login

    login(client, "koordinator")
    token = csrf_token(client, f"/programs/{planned.id}/recipients")
    assert client.post(f"/programs/{planned.id}/recipients/add",
                       data={"csrf_token": token, "desil": "1-4"}).status_code == 303
    page = client.get(f"/programs/{planned.id}/recipients").get_data(as_text=True)
    assert "150" in page and FULL_NUMBER.findall(page) == []
    plan_task = open_task(session, planned)
    assert f'href="/tasks/{plan_task.id}"' in page  # back to the plan
    plan_page = client.get(f"/tasks/{plan_task.id}").get_data(as_text=True)
    # the target is typed, with the list's size beside it
    assert 'name="target_households"' in plan_page and "150" in plan_page
    plan = {k: v for k, v in data_for("program_plan").items() if v is not None}
    plan.update(csrf_token=token, budget_rupiah="45.000.000", benefit_rupiah="200.000",
                rounds="2")
    submitted = client.post(f"/tasks/{plan_task.id}", data=plan)
    assert submitted.status_code == 303, submitted.get_data(as_text=True)[:2000]
    step(session, people, planned)  # approved
    round_task = open_task(session, planned)
    page = client.get(f"/tasks/{round_task.id}").get_data(as_text=True)
    assert 'name="households_served"' not in page and "/rounds/1" in page
    checklist = client.get(f"/programs/{planned.id}/rounds/1").get_data(as_text=True)
    assert FULL_NUMBER.findall(checklist) == [] and "/rounds/1/open" in checklist
    opened = client.post(f"/programs/{planned.id}/rounds/1/open",
                         data={"csrf_token": token, "channel": "pos"})
    assert opened.status_code == 303
    checklist = client.get(f"/programs/{planned.id}/rounds/1").get_data(as_text=True)
    assert "150 keluarga" in checklist and "Rp 200.000" in checklist  # due, entitled
    first = session.scalars(sa.select(Enrolment.id).where(
        Enrolment.instance_id == planned.id).order_by(Enrolment.id)).first()
    ticked = client.post(f"/programs/{planned.id}/rounds/1/lines/{first}",
                         data={"csrf_token": token, "received": "1"},
                         headers={"HX-Request": "true", "HX-Target": f"line-{first}"})
    assert ticked.status_code == 200 and "200.000" in ticked.get_data(as_text=True)
    missed = client.post(f"/programs/{planned.id}/rounds/1/lines/{first}",
                         data={"csrf_token": token, "reason": "nonsense"},
                         headers={"HX-Request": "true", "HX-Target": f"line-{first}"})
    assert missed.status_code == 422
    fresh(session)
    line = session.scalars(sa.select(DistributionLine).where(
        DistributionLine.enrolment_id == first)).one()
    assert line.received is True and line.amount == 200_000  # the entitled amount
    # after approval a family is paused with a reason, recorded in its history
    paused = client.post(f"/programs/{planned.id}/recipients/{first}/status",
                         data={"csrf_token": token, "status": "paused",
                               "reason": "sedang dirawat di rumah sakit"})
    assert paused.status_code == 303
    fresh(session)
    change = session.scalars(sa.select(EnrolmentChange).where(
        EnrolmentChange.enrolment_id == first).order_by(EnrolmentChange.id.desc())).first()
    assert change is not None and (change.from_status, change.to_status) == ("enrolled",
                                                                            "paused")
    household = session.get(Enrolment, first).household_id  # type: ignore[union-attr]
    page = client.get(f"/registry/households/{household}").get_data(as_text=True)
    assert "sedang dirawat di rumah sakit" in page


def test_a_list_from_the_families_of_an_import(session: Session, people: dict[str, User],
                                               planned: Instance) -> None:
    from tests.test_registry_import import GOOD, csv_bytes, work
    from webapp.services.registry import importing

    koordinator = people["koordinator"]
    made = importing.start(session, koordinator, "kpm.csv", csv_bytes([list(r) for r in GOOD]))
    work(session)
    importing.confirm(session, koordinator, made.id)
    work(session)
    added = recipient_lists.add_from_registry(session, koordinator, planned.id,
                                            import_id=made.id)
    assert added == 2  # the import's two families, not the 150 registered by hand
    assert recipient_lists.add_from_registry(session, koordinator, planned.id,
                                           import_id=made.id + 1) == 0
