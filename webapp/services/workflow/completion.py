"""Completing a task: the hot path of Simpul, kept to a handful of SQL statements.

One transaction: a compare-and-set on the task row (of two people completing at once, one UPDATE
finds it open), the engine step on the instance's live workflow, a compare-and-set on the
instance version (a concurrent step of the same program makes us retry on fresh state), the
task projection and the history. Core statements rather than ORM loads: this runs on every
submitted form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, aliased

from ... import engine
from ...db import unit_of_work, utcnow
from ...models import DefinitionVersion, HumanTask, Instance, User
from ..errors import AlreadyCompleted, Conflict, Forbidden, NotFound, StepFailed
from ..privacy import mask_nik
from ..scope import can_see_task
from . import duties
from .attachments import Upload, store_upload
from .hooks import hooks_of
from .incidents import record_incident
from .steps import (
    HANDLES,
    TASK_TABLE,
    InstanceRef,
    Journal,
    OpenedTask,
    Step,
    close_step,
    failure_text,
    open_step,
)

_completer = aliased(User)
_holder = aliased(User)
_TASK_ROW = (
    select(HumanTask.id, HumanTask.instance_id, HumanTask.task_id, HumanTask.bpmn_id,
           HumanTask.name, HumanTask.form_key, HumanTask.group_name, HumanTask.region_code,
           HumanTask.status, HumanTask.assignee_id, Instance.version, Instance.business_key,
           Instance.status.label("instance_status"), Instance.definition_version_id,
           Instance.region_code.label("instance_region"), Instance.started_by_id,
           Instance.authors, Instance.title, DefinitionVersion.key.label("process_key"),
           DefinitionVersion.sha256, _completer.full_name.label("completed_by"),
           _completer.username.label("completed_by_username"),
           _holder.full_name.label("holder"))
    .join(Instance, Instance.id == HumanTask.instance_id)
    .join(DefinitionVersion, DefinitionVersion.id == Instance.definition_version_id)
    .outerjoin(_completer, _completer.id == HumanTask.completed_by_id)
    .outerjoin(_holder, _holder.id == HumanTask.assignee_id)
    .where(HumanTask.id == bindparam("task_id"))
)
# Statements built once: building SQL expressions costs more than running them here.
_CLOSE_TASK = (
    update(TASK_TABLE)
    .where(TASK_TABLE.c.id == bindparam("b_id"), TASK_TABLE.c.status == "open")
    .values(status="completed", completed_by_id=bindparam("b_user"),
            completed_at=bindparam("b_now"), assignee_id=bindparam("b_user"))
)
class _InstanceMoved(Exception):
    """Another step of the same program committed first; retry on fresh state."""


def complete_task(session: Session, user: User, task_id: int, data: dict[str, Any],
                  files: Mapping[str, Upload] | None = None, record_failures: bool = True,
                  with_step: Callable[[Session], None] | None = None) -> list[OpenedTask]:
    """Complete a task with form data: exactly once, whoever else tries at the same moment.

    The step is one unit of work. ``files`` (by field name) are stored in it; the task data
    gets a reference to each. ``with_step`` writes something more in the same unit (an
    administrator's retry resolves its incident: both or neither). Returns the tasks the step
    opened (so the caller can go straight on). A failed step is rolled back before its
    incident or refusal is recorded, in a transaction of its own.
    """
    for _attempt in range(5):
        try:
            with unit_of_work(session):
                ref, step, opened = _complete_once(session, user, task_id, dict(data),
                                                   files or {})
                if with_step is not None:
                    with_step(session)
            HANDLES.of(session).checkin(ref, step.handle)  # only once it committed
            return opened
        except StepFailed as failed:
            if record_failures:  # an incident an administrator can retry once fixed
                record_incident(session, user, task_id, str(failed.message), data)
            raise
        except duties.DutyRefused as refused:
            duties.log_refusal(session, refused)
            raise
        except _InstanceMoved:
            continue  # another step of the program committed first: again, on fresh state
    raise Conflict(_l("The program is being changed by someone else; please try again."))


def _load(session: Session, user: User, task_id: int) -> Any:
    row: Any = session.connection().execute(_TASK_ROW, {"task_id": task_id}).first()
    if row is None or not can_see_task(user, row):
        raise NotFound()
    return row


def _refuse_if_not_open(row: Any, user: User) -> None:
    if row.status == "suspended" or row.instance_status == "suspended":
        raise Conflict(_l("This program is suspended; its steps wait until it is resumed."))
    if row.status != "open":
        raise AlreadyCompleted(row.completed_by or row.completed_by_username)
    if row.instance_status != "running":  # a closed or stopped program takes no more steps
        raise AlreadyCompleted(None)
    if row.assignee_id not in (None, user.id):
        raise Conflict(_l("%(name)s has claimed this task.", name=row.holder or "?"))


def _complete_once(session: Session, user: User, task_id: int, data: dict[str, Any],
                   files: Mapping[str, Upload]) -> tuple[InstanceRef, Step, list[OpenedTask]]:
    """The step, inside its unit of work (which rolls it all back if anything here raises)."""
    row = _load(session, user, task_id)
    _refuse_if_not_open(row, user)
    if row.group_name is None:
        raise Forbidden(_l("This step belongs to no group."))
    duties.check(session, row, user.id, user.id, "complete")
    now = utcnow()
    connection = session.connection()
    won = connection.execute(_CLOSE_TASK, {"b_id": task_id, "b_user": user.id, "b_now": now})
    if won.rowcount != 1:  # type: ignore[attr-defined]
        # another session closed it: read it again (committed, under our write) for the reason
        _refuse_if_not_open(_load(session, user, task_id), user)
        raise AlreadyCompleted(None)
    for name, upload in files.items():
        data[name] = store_upload(connection, upload, row.instance_id, row.id, name, user, now)
    ref = InstanceRef(row.instance_id, row.version, row.business_key, row.instance_status,
                      row.definition_version_id, row.sha256, row.process_key,
                      row.instance_region, row.started_by_id, dict(row.authors or {}),
                      row.title)
    # A step's data never holds a full NIK or KK (the registry does): it is kept in the
    # program's state and history, and shown to everyone who follows the program.
    step = open_step(session, ref)
    current = next((t.data for t in step.handle.ready_user_tasks()
                    if t.task_id == row.task_id), {})
    # an area may give the step figures from its records (a recipient list), whatever was typed
    hooks = hooks_of(session)
    data = mask_nik(hooks.step_figures(session, ref.id, row.form_key, data, current, user,
                                       completing=row.id), numbers=False)
    try:
        result = step.handle.complete(row.task_id, data)
    except engine.UnknownTask:
        raise AlreadyCompleted(None) from None
    except engine.EngineError as err:
        raise StepFailed(_l("The step could not be completed: %(reason)s",
                            reason=failure_text(err))) from None
    hooks.step_completed(session, ref.id, row.form_key, data, user)
    hooks.after_step_taken(session, ref.id, [t.info.form_key for t in
                                             step.handle.ready_user_tasks()], user)
    journal = Journal(ref.id, user.id)
    journal.add("task.completed", row.id, {"bpmn_id": row.bpmn_id, "name": row.name,
                                           "form": row.form_key, "data": data})
    ref.authors[row.bpmn_id] = user.id
    opened = close_step(session, step, journal, result, user, done_task=row.task_id,
                        done_step=row.bpmn_id, returning=data.get("decision") == "return")
    if opened is None:
        raise _InstanceMoved()
    return ref, step, opened
