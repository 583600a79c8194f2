"""Starting programs and reading their state and history."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ... import engine
from ...db import unit_of_work, utcnow
from ...models import Event, HumanTask, Incident, Instance, Region, User
from ..diagrams.definitions import current_head, parsed_version, problem_text
from ..errors import Forbidden, InvalidInput, NotFound, StepFailed
from ..privacy import mask_nik
from ..scope import in_region, instance_visible
from .steps import (
    HANDLES,
    InstanceRef,
    Journal,
    OpenedTask,
    Step,
    close_step,
    failure_text,
    load_ref,
    open_step,
    read_workflow,
)


@dataclass(frozen=True)
class Started:
    """A program just started, and the tasks its first run opened."""

    instance: Instance
    opened: list[OpenedTask]


def start_instance(session: Session, user: User, process_key: str, title: str,
                   region_code: str | None) -> Instance:
    """Start a program (see ``start_program``); the program."""
    return start_program(session, user, process_key, title, region_code).instance


def start_program(session: Session, user: User, process_key: str, title: str,
                  region_code: str | None) -> Started:
    """Start a program on the newest version of its process, in a region the user covers.
    A NIK or KK typed in the title is kept masked (the title is shown everywhere)."""
    title = mask_nik(title)
    with unit_of_work(session):
        version = current_head(session, process_key)
        if version is None or version.kind != "bpmn":
            raise NotFound(_l("This process is not deployed."))
        if region_code and session.scalar(
                select(Region.code).where(Region.code == region_code)) is None:
            raise InvalidInput(_l("Unknown region."))
        if not in_region(user, region_code):
            raise Forbidden(_l("The region is outside your area."))
        try:
            parsed = parsed_version(session, version.id, version.sha256)
        except engine.DefinitionInvalid as err:  # a version that no longer parses (its table)
            raise StepFailed(_l("The process cannot start: %(reason)s", reason="; ".join(
                problem_text(p) for p in err.problems))) from None
        if user.role != "admin" and not (parsed.lanes & user.group_names):
            raise Forbidden(_l("You are not in any group of this process."))
        data = {"program_title": title, "region_code": region_code or ""}
        handle = engine.WorkflowHandle.create(parsed, data)
        # the state is stored once the first run is saved (or, if it fails, as it began)
        instance = Instance(
            definition_version_id=version.id, title=title.strip(),
            region_code=region_code or None,
            business_key=_new_business_key(session, process_key), status="running",
            state="", started_by_id=user.id, authors={}, version=1,
        )
        session.add(instance)
        session.flush()
        ref = InstanceRef(instance.id, instance.version, instance.business_key, instance.status,
                          version.id, version.sha256, version.key, instance.region_code, user.id,
                          title=instance.title)
        journal = Journal(instance.id, user.id)
        journal.add("instance.started", data={"definition": process_key,
                                              "version": version.version,
                                              "title": instance.title})
        step = Step(ref, handle, set(), set())
        try:
            result = handle.advance()
        except engine.EngineError as err:
            # The program is kept where it began, as an incident an administrator can retry
            # once the diagram is fixed; nothing of the failed run is saved. The unit commits
            # that, then the start is refused.
            reason = failure_text(err)
            instance.state = engine.WorkflowHandle.create(parsed, data).serialize()  # as begun
            journal.write(session)
            session.add(Incident(instance_id=instance.id, error=reason[:4000],
                                 data={"kind": "start"}, actor_id=user.id))
            failed: StartFailed | None = StartFailed(instance, reason)
        else:
            failed = None
            opened = close_step(session, step, journal, result, user) or []
    if failed is not None:
        raise failed
    session.expire(instance, ["version", "status", "ended_at", "state"])  # the step moved them
    HANDLES.of(session).checkin(ref, handle)
    return Started(instance, opened)


class StartFailed(StepFailed):
    """The program was created, but its first run stopped: it waits as an incident."""

    def __init__(self, instance: Instance, reason: str):
        self.instance = instance
        super().__init__(_l("Program %(key)s was created, but its first steps could not run: "
                            "%(reason)s. An administrator sees it as an incident.",
                            key=instance.business_key, reason=reason))


def advance_instance(session: Session, instance_id: int,
                     with_step: Callable[[Session], None] | None = None) -> None:
    """Run a program's engine steps again from its saved state (retrying a failed start), as
    one unit of work; ``with_step`` writes something more in it (see ``complete_task``)."""
    with unit_of_work(session):
        ref = load_ref(session, instance_id)
        if ref is None or ref.status != "running":
            raise NotFound()
        step = open_step(session, ref)
        try:
            result = step.handle.advance()
        except engine.EngineError as err:
            raise StepFailed(failure_text(err)) from None
        if close_step(session, step, Journal(ref.id, None), result, None) is None:
            raise StepFailed(_l("The program changed meanwhile; try again."))
        if with_step is not None:
            with_step(session)
    HANDLES.of(session).checkin(ref, step.handle)


def get_instance(session: Session, user: User, instance_id: int) -> Instance:
    """An instance the user may see, else NotFound (never a hint that it exists)."""
    instance = session.scalar(select(Instance).where(Instance.id == instance_id,
                                                     instance_visible(user)))
    if instance is None:
        raise NotFound()
    return instance


def list_instances(session: Session, user: User, limit: int = 50) -> list[Instance]:
    return list(session.scalars(select(Instance).where(instance_visible(user))
                                .order_by(Instance.started_at.desc()).limit(limit)))


def history(session: Session, instance: Instance) -> list[Event]:
    """What people did to the instance, oldest first (the engine's own records left out)."""
    return list(session.scalars(
        select(Event).where(Event.instance_id == instance.id,
                            Event.action.not_in(("engine.archived", "task.created")))
        .order_by(Event.id)
    ))


@dataclass(frozen=True)
class DiagramState:
    """What to highlight on the diagram: finished elements and where work waits now."""

    completed: list[str]
    current: list[str]


def diagram_state(session: Session, instance: Instance) -> DiagramState:
    archived = session.scalars(select(Event.data).where(Event.instance_id == instance.id,
                                                        Event.action == "engine.archived"))
    done = {t["bpmn_id"] for data in archived for t in data.get("tasks", [])
            if t.get("state") == "COMPLETED"}
    version = instance.definition_version
    done |= read_workflow(session, instance.id, version.id, version.sha256).finished_elements()
    current = set(session.scalars(select(HumanTask.bpmn_id).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open")))
    return DiagramState(sorted(done - current), sorted(current))


def open_tasks(session: Session, instance: Instance) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.status == "open")))


def open_task_ids(session: Session, instance_id: int) -> list[int]:
    """Ids of the instance's open tasks (one indexed query, no ORM loading)."""
    return list(session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open").order_by(HumanTask.id)))


_KEY_TAKEN = select(Instance.id).where(Instance.business_key == bindparam("key"))


def _new_business_key(session: Session, process_key: str) -> str:
    """A readable program number, PRO-20261128-3F9A0C12D4: the date and 40 random bits,
    checked against the ones already given (a collision is possible, if unlikely)."""
    for _attempt in range(10):
        key = f"{process_key[:3].upper()}-{utcnow():%Y%m%d}-{secrets.token_hex(5).upper()}"
        if session.connection().execute(_KEY_TAKEN, {"key": key}).first() is None:
            return key
    raise RuntimeError("no free program number after 10 tries")
