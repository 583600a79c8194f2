"""Shared step machinery: live workflow handles, the event journal, the task projection."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import gettext
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from ... import engine
from ...db import utcnow
from ...models import DefinitionVersion, Event, Group, HumanTask, Instance, Job, User, user_group
from ..accounts.people import group_default_dues
from ..caches import Slot
from ..diagrams.definitions import parsed_version
from .notifications import notify_opened

# Core tables for the hot path (no ORM unit of work on every submitted form).
EVENT_TABLE = cast(Table, Event.__table__)
TASK_TABLE = cast(Table, HumanTask.__table__)
INSTANCE_TABLE = cast(Table, Instance.__table__)
JOB_TABLE = cast(Table, Job.__table__)
_INSERT_TASK = insert(TASK_TABLE).returning(TASK_TABLE.c.id)
_CANCEL_TASKS = (
    update(TASK_TABLE)
    .where(TASK_TABLE.c.instance_id == bindparam("b_instance"),
           TASK_TABLE.c.task_id.in_(bindparam("b_gone", expanding=True)),
           TASK_TABLE.c.status == "open")
    .values(status="cancelled", completed_at=bindparam("b_now"))
)
_MEMBERSHIPS = (
    select(user_group.c.user_id, Group.name)
    .join(Group, Group.id == user_group.c.group_id)
    .join(User, User.id == user_group.c.user_id)
    .where(user_group.c.user_id.in_(bindparam("people", expanding=True)),
           User.is_active.is_(True))
)
_INSERT_JOB = insert(JOB_TABLE)
_CANCEL_TIMERS = (
    update(JOB_TABLE)
    .where(JOB_TABLE.c.instance_id == bindparam("b_instance"),
           JOB_TABLE.c.task_id.in_(bindparam("b_gone", expanding=True)),
           JOB_TABLE.c.kind == "timer", JOB_TABLE.c.status == "pending")
    .values(status="cancelled", done_at=bindparam("b_now"))
)
_STATE = select(INSTANCE_TABLE.c.state).where(INSTANCE_TABLE.c.id == bindparam("instance_id"))
_SAVE_INSTANCE = (
    update(INSTANCE_TABLE)
    .where(INSTANCE_TABLE.c.id == bindparam("b_id"),
           INSTANCE_TABLE.c.version == bindparam("b_old_version"))
    .values(state=bindparam("b_state"), version=bindparam("b_new_version"),
            authors=bindparam("b_authors"), status=bindparam("b_status"),
            ended_at=bindparam("b_ended_at"))
)


@dataclass(frozen=True)
class OpenedTask:
    """A task row a step opened, and whom it went to (None: the whole group)."""

    id: int
    assignee_id: int | None
    name: str = ""
    group: str | None = None
    returned: bool = False  # done before, it came back from its review for revision


@dataclass
class InstanceRef:
    """What a step needs to know about its instance, read in the step's transaction."""

    id: int
    version: int
    business_key: str
    status: str
    definition_version_id: int
    sha256: str
    process_key: str
    region_code: str | None
    started_by_id: int | None
    authors: dict[str, int] = field(default_factory=dict)
    title: str = ""


_REF = (
    select(INSTANCE_TABLE.c.id, INSTANCE_TABLE.c.version, INSTANCE_TABLE.c.business_key,
           INSTANCE_TABLE.c.status, INSTANCE_TABLE.c.definition_version_id,
           DefinitionVersion.sha256, DefinitionVersion.key, INSTANCE_TABLE.c.region_code,
           INSTANCE_TABLE.c.started_by_id, INSTANCE_TABLE.c.authors, INSTANCE_TABLE.c.title)
    .join(DefinitionVersion, DefinitionVersion.id == INSTANCE_TABLE.c.definition_version_id)
    .where(INSTANCE_TABLE.c.id == bindparam("instance_id"))
)


def load_ref(session: Session, instance_id: int | None) -> InstanceRef | None:
    """What a step needs to know about a program, read in the step's transaction."""
    row = session.connection().execute(_REF, {"instance_id": instance_id}).first()
    if row is None:
        return None
    return InstanceRef(row.id, row.version, row.business_key, row.status,
                       row.definition_version_id, row.sha256, row.key, row.region_code,
                       row.started_by_id, dict(row.authors or {}), row.title)


class HandleCache:
    """Restored workflows kept between steps, valid only for the instance version they match.

    A handle is taken out for a step and put back only after its transaction committed, so a
    failed step never leaves a half-changed workflow behind; another process's step bumps the
    version and makes our copy stale, and we then restore from the database. The business key
    (random) is part of the check, so a reused row id can never match an old handle.
    """

    def __init__(self, size: int = 256):
        self._size = size
        self._items: OrderedDict[int, tuple[tuple[int, str], engine.WorkflowHandle]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def checkout(self, session: Session, ref: InstanceRef) -> engine.WorkflowHandle:
        """The instance's workflow at its current version (cached or restored)."""
        with self._lock:
            cached = self._items.pop(ref.id, None)
        if cached is not None and cached[0] == (ref.version, ref.business_key):
            return cached[1]
        return read_workflow(session, ref.id, ref.definition_version_id, ref.sha256)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def checkin(self, ref: InstanceRef, handle: engine.WorkflowHandle) -> None:
        """Keep a handle after its step committed."""
        if ref.status != "running":
            return
        with self._lock:
            self._items[ref.id] = ((ref.version, ref.business_key), handle)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


HANDLES = Slot("workflow.handles", HandleCache)


class ReadyData:
    """The data of each program's waiting steps after its last step (a copy), so that a task
    page needs no engine state restored; valid only at the program version it was taken at."""

    def __init__(self, size: int = 2048):
        self._size = size
        self._items: OrderedDict[int, tuple[tuple[int, str], dict[str, dict[str, Any]]]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def keep(self, ref: InstanceRef, handle: engine.WorkflowHandle) -> None:
        data = {t.task_id: t.data for t in handle.ready_user_tasks()}  # copied when read
        with self._lock:
            self._items[ref.id] = ((ref.version, ref.business_key), data)
            self._items.move_to_end(ref.id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, instance_id: int, version: int, business_key: str,
            task_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(instance_id)
        if found is None or found[0] != (version, business_key) or task_id not in found[1]:
            return None
        return copy.deepcopy(found[1][task_id])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


READY_DATA = Slot("workflow.ready_data", ReadyData)


def save_step(connection: Any, ref: InstanceRef, handle: engine.WorkflowHandle,
              now: Any) -> bool:
    """Store the instance's state after a step (compare-and-set on its version).

    False when another step of the same instance committed first; on success ``ref`` follows
    (its version and status).
    """
    finished = handle.is_completed
    status = "completed" if finished else ref.status
    moved = connection.execute(_SAVE_INSTANCE, {
        "b_id": ref.id, "b_old_version": ref.version, "b_new_version": ref.version + 1,
        "b_state": handle.serialize(), "b_authors": ref.authors, "b_status": status,
        "b_ended_at": now if finished else None,
    })
    if moved.rowcount != 1:
        return False
    ref.version += 1
    ref.status = status
    return True


@dataclass
class Step:
    """One step of a program in progress: its workflow and what waited before the step."""

    ref: InstanceRef
    handle: engine.WorkflowHandle
    before: set[str]  # ready user tasks
    timers_before: set[str]  # waiting timers


def open_step(session: Session, ref: InstanceRef) -> Step:
    """Take the program's workflow (cached or restored) for a step."""
    handle = HANDLES.of(session).checkout(session, ref)
    return Step(ref, handle, {t.task_id for t in handle.ready_user_tasks()},
                {t.task_id for t in handle.waiting_timers()})


def close_step(session: Session, step: Step, journal: Journal, result: engine.StepResult,
               actor: User | None, *, done_task: str = "", done_step: str = "",
               returning: bool = False, fired_timer: str = "",
               notify_kind: str = "assigned") -> list[OpenedTask] | None:
    """Save the step: archive its history, store the state (compare-and-set), open and cancel
    task rows and timer jobs, append the journal. None: another step of the same program
    committed first (the caller rolls back and tries again). The caller commits.

    ``done_step`` (BPMN id) and ``returning`` (its decision was "return") tell which steps
    that open again come back for revision: those the finished step reviews.
    """
    journal.archive(result)
    if step.handle.is_completed:
        journal.add("instance.completed", by_system=actor is None)
    if not save_step(session.connection(), step.ref, step.handle, utcnow()):
        return None
    reviewer = step.handle.definition.user_tasks.get(done_step)
    revised = None if returning else frozenset(reviewer.separate_from if reviewer else ())
    opened = sync_tasks(session, step.ref, step.handle, journal, step.before - {done_task},
                        actor, step.timers_before - {fired_timer}, notify_kind=notify_kind,
                        revised=revised)
    journal.write(session)
    # for the task pages (version-checked when read)
    READY_DATA.of(session).keep(step.ref, step.handle)
    return opened


def failure_text(err: engine.EngineError) -> str:
    """Why the engine stopped, in the reader's language."""
    return err.message.translate(gettext)


def read_workflow(session: Session, instance_id: int, version_id: int,
                  sha: str) -> engine.WorkflowHandle:
    """The instance's workflow as saved in the database (to read it, or on a cache miss)."""
    parsed = parsed_version(session, version_id, sha)
    state = session.connection().execute(_STATE, {"instance_id": instance_id}).scalar()
    return engine.WorkflowHandle.restore(parsed, state or "")


class Journal:
    """The events of one step, appended to the history in one statement."""

    def __init__(self, instance_id: int, actor_id: int | None):
        self.instance_id = instance_id
        self.actor_id = actor_id
        self.rows: list[dict[str, Any]] = []

    def add(self, action: str, task_id: int | None = None, data: dict[str, Any] | None = None,
            by_system: bool = False) -> None:
        self.rows.append({"at": utcnow(), "action": action, "instance_id": self.instance_id,
                          "actor_id": None if by_system else self.actor_id,
                          "human_task_id": task_id, "data": data or {}})

    def archive(self, result: engine.StepResult) -> None:
        """Archive the history pruned from the live state."""
        if result.archived:
            self.add("engine.archived", data={"tasks": [
                {"bpmn_id": a.bpmn_id, "name": a.name, "state": a.state} for a in result.archived
            ]}, by_system=True)

    def write(self, session: Session) -> None:
        """Append the events (never updated, never deleted)."""
        if self.rows:
            session.connection().execute(insert(EVENT_TABLE), self.rows)
            self.rows = []


def record(session: Session, action: str, instance_id: int, actor: User | None = None,
           task_id: int | None = None, data: dict[str, Any] | None = None) -> None:
    """Append a single event."""
    journal = Journal(instance_id, actor.id if actor else None)
    journal.add(action, task_id, data)
    journal.write(session)


def sync_tasks(session: Session, ref: InstanceRef, handle: engine.WorkflowHandle,
               journal: Journal, before: set[str], actor: User | None,
               timers_before: set[str] | frozenset[str] = frozenset(),
               notify_kind: str = "assigned",
               revised: frozenset[str] | None = frozenset()) -> list[OpenedTask]:
    """Open a row per newly ready user task; cancel rows the engine no longer has; schedule a
    job for each newly waiting timer and cancel the jobs of timers no longer waited on.

    ``before`` / ``timers_before``: the ready user tasks / waiting timers before the step.
    ``revised``: steps that, done before, come back for revision (None: any done before).
    Returns the rows opened, in the order the engine made them ready.
    """
    ready = {t.task_id: t for t in handle.ready_user_tasks()}
    gone = before - ready.keys()
    now = utcnow()
    connection = session.connection()
    sync_timers(connection, ref.id, handle, timers_before)
    if gone:
        connection.execute(_CANCEL_TASKS, {"b_instance": ref.id, "b_gone": sorted(gone),
                                           "b_now": now})
    fresh = [t for task_id, t in ready.items() if task_id not in before]
    owners = _owners(session, ref, fresh, actor)
    defaults = group_default_dues(session) if any(not t.info.due for t in fresh) else {}
    opened = []
    for task in fresh:
        owner = owners.get(task.info.bpmn_id)
        name = step_name(task.info, task.data)
        values = {
            "instance_id": ref.id, "task_id": task.task_id, "bpmn_id": task.info.bpmn_id,
            "name": name, "group_name": task.info.lane, "form_key": task.info.form_key,
            "phase": task.info.phase, "process_key": ref.process_key,
            "region_code": ref.region_code, "status": "open", "created_at": now,
            "assignee_id": owner,
            "due_at": engine.due_from(task.info.due or defaults.get(task.info.lane or ""),
                                      task.data, now),
        }
        row_id = connection.execute(_INSERT_TASK, values).scalar_one()
        journal.add("task.created", row_id, {"bpmn_id": task.info.bpmn_id, "name": name,
                                             "group": task.info.lane, "assignee_id": owner},
                    by_system=True)
        done_before = ref.authors.get(task.info.bpmn_id) is not None
        opened.append(OpenedTask(row_id, owner, name, task.info.lane, done_before and (
            revised is None or task.info.bpmn_id in revised)))
    if opened:
        notify_opened(connection, ref, opened, notify_kind, actor.id if actor else None)
    return opened


def step_name(info: engine.UserTaskInfo, data: dict[str, Any]) -> str:
    """The step's name, with its label when the diagram gives one ("… — Tahap 2 dari 4")."""
    if not info.label:
        return info.name
    try:
        label = engine.evaluate(info.label, data)
    except Exception:  # noqa: BLE001 - a label that cannot be computed is left out
        return info.name
    return f"{info.name} — {label}"[:200] if label not in (None, "") else info.name


def _owners(session: Session, ref: InstanceRef, fresh: list[engine.ReadyTask],
            actor: User | None) -> dict[str, int]:
    """Who gets each new step: whoever did it last (a revision comes back to its author), else
    the program's own coordinator when the step is in their lane; otherwise the whole group."""
    wanted: dict[str, list[int]] = {}
    for task in fresh:
        people = [ref.authors.get(task.info.bpmn_id), ref.started_by_id]
        # whoever submitted a step this one reviews never gets it (separation of duties)
        barred = {ref.authors.get(step) for step in task.info.separate_from}
        wanted[task.info.bpmn_id] = [p for p in people if p is not None and p not in barred]
    members = {(actor.id, name) for name in actor.group_names} \
        if actor is not None and actor.is_active else set()
    others = {p for people in wanted.values() for p in people} - {actor.id if actor else None}
    if others:  # the acting user's groups are known; ask the database only about others
        members |= {(row[0], row[1]) for row in session.connection().execute(
            _MEMBERSHIPS, {"people": sorted(others)})}
    owners = {}
    for task in fresh:
        for person in wanted[task.info.bpmn_id]:
            if (person, task.info.lane) in members:
                owners[task.info.bpmn_id] = person
                break
    return owners


def sync_timers(connection: Any, instance_id: int, handle: engine.WorkflowHandle,
                before: set[str] | frozenset[str]) -> None:
    """A job per newly waiting timer; the jobs of timers the instance stopped waiting on end."""
    waiting = handle.waiting_timers()
    if not waiting and not before:
        return
    now = utcnow()
    fresh = [t for t in waiting if t.task_id not in before]
    gone = before - {t.task_id for t in waiting}
    if gone:
        connection.execute(_CANCEL_TIMERS, {"b_instance": instance_id, "b_gone": sorted(gone),
                                            "b_now": now})
    if fresh:
        connection.execute(_INSERT_JOB, [{
            "kind": "timer", "status": "pending", "due_at": t.due, "instance_id": instance_id,
            "task_id": t.task_id, "payload": {"bpmn_id": t.bpmn_id, "name": t.name},
            "attempts": 0, "max_attempts": 5, "last_error": "", "created_at": now,
        } for t in fresh])
