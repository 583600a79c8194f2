"""Areas plug into the workflow core through declared hooks, registered at create_app: the
core takes a step, shows a task page and runs a job without knowing any area by name."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.program_data import data_for, program_at
from webapp.db import utcnow
from webapp.models import Job, User
from webapp.services.workflow import completion, jobs, programs
from webapp.services.workflow.hooks import Hooks, hooks_of


def test_every_area_is_plugged_in_once_per_app(app: Flask, session: Session) -> None:
    hooks = app.extensions["simpul_hooks"]
    assert hooks is hooks_of(session)
    assert hooks.areas == ["registry", "assistance"]
    assert set(hooks.figures) == {"program_plan", "distribution_record", "evaluation",
                                  "needs_assessment", "supervision_visit"}
    assert set(hooks.panels) == {"program_plan", "distribution_record", "evaluation", "approval",
                                 "needs_assessment", "supervision_visit"}
    assert set(hooks.completed) == {"program_plan", "distribution_record"}
    assert set(hooks.jobs) == {"registry_import", "import_retention", "payout_import",
                               "national_list_import"}
    assert [h.kind for h in hooks.periodic()] == ["import_retention"]
    with pytest.raises(ValueError):
        hooks.job("mail", run=lambda *_: None)  # the core's own kinds cannot be taken


def test_the_core_calls_an_areas_hooks_by_form_key(session: Session,
                                                   people: dict[str, User]) -> None:
    """A made-up area adds figures to one step and watches every step: the core calls it in
    the completing transaction, and only for its form key."""
    hooks: Hooks = hooks_of(session)
    seen: list[tuple[int, list[str | None]]] = []

    def figures(session: Session, instance_id: int, form_key: str, data: dict[str, Any],
                current: dict[str, Any], completing: int | None, user: User) -> dict[str, Any]:
        assert user.username == "koordinator"  # who takes the step
        return {**data, "households_assessed": 77}

    hooks.step("needs_assessment", figures=figures)
    hooks.after_step(lambda s, instance_id, waiting, actor: seen.append((instance_id, waiting)))
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                      "BPNT Donomulyo", "35.07.01")
    (task,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], task.id,
                             data_for("needs_assessment"))
    (done,) = [e for e in programs.history(session, program) if e.action == "task.completed"]
    assert done.data["data"]["households_assessed"] == 77  # the area's, not what was typed
    assert seen == [(program.id, ["program_plan"])]


def test_a_job_of_an_areas_kind_runs_its_handler(session: Session,
                                                 people: dict[str, User]) -> None:
    ran: list[dict[str, Any]] = []
    hooks_of(session).job("test_area_job", run=lambda s, payload, still_mine: ran.append(payload))
    session.add(Job(kind="test_area_job", payload={"n": 1}, due_at=utcnow()))
    session.commit()
    outcomes = jobs.run_due(session, "worker-1")
    assert [o.result for o in outcomes] == ["done"] and ran == [{"n": 1}]


def test_a_periodic_job_is_queued_once_and_runs_again_after_its_period(
        session: Session) -> None:
    """The worker queues each periodic kind that has no job (never twice), and a run queues
    the next one a period later; another worker's job of the kind is not doubled."""
    import datetime as dt

    from webapp import clock

    ran: list[dt.datetime] = []
    hooks = hooks_of(session)
    hooks.jobs.pop("import_retention")  # only the made-up kind here
    hooks.job("test_daily", run=lambda s, payload, still_mine: ran.append(clock.now()),
              every=dt.timedelta(days=1))
    assert jobs.keep_periodic(session) == ["test_daily"]
    assert jobs.keep_periodic(session) == []
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"]
    assert jobs.run_due(session, "w1") == []  # the next one waits a day
    clock.set_time(clock.now() + dt.timedelta(days=1, minutes=1))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done"] and len(ran) == 2
    session.add(Job(kind="test_daily", payload={}, due_at=utcnow()))  # a second worker's
    session.commit()
    clock.set_time(clock.now() + dt.timedelta(days=1, minutes=1))
    assert [o.result for o in jobs.run_due(session, "w1")] == ["done", "done"]
    assert session.scalar(select(func.count(Job.id)).where(
        Job.kind == "test_daily", Job.status == "pending")) == 1


def test_the_task_page_shows_an_areas_panel(client: FlaskClient, session: Session,
                                            people: dict[str, User]) -> None:
    """The recipient list's panel reaches the plan step's page through the hooks."""
    from tests.conftest import login

    program = program_at(session, people, "program_plan")
    (task,) = programs.open_tasks(session, program)
    login(client, "koordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"/programs/{program.id}/recipients" in page
