"""The inbox and the work on one task: list, claim, release, complete."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..db import begin_write
from ..models import HumanTask, User
from . import duties
from .completion import complete_task
from .errors import AlreadyCompleted, Conflict, NotFound
from .runtime import record
from .scope import can_see_task, task_visible

PER_PAGE = 20
TABS = ("mine", "group")
__all__ = ["claim_task", "complete_task", "get_task", "list_tasks", "release_task",
           "task_counts"]


@dataclass(frozen=True)
class TaskPage:
    items: list[HumanTask]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _inbox_query(user: User, tab: str, process: str | None, phase: str | None) -> Any:
    query = select(HumanTask).where(HumanTask.status == "open", task_visible(user))
    if tab == "mine":
        query = query.where(HumanTask.assignee_id == user.id)
    else:
        query = query.where((HumanTask.assignee_id.is_(None)) | (HumanTask.assignee_id != user.id))
    if process:
        query = query.where(HumanTask.process_key == process)
    if phase:
        query = query.where(HumanTask.phase == phase)
    return query


def list_tasks(session: Session, user: User, tab: str = "mine", process: str | None = None,
               phase: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> TaskPage:
    """One page of the user's open tasks: their own or their groups', with filters."""
    query = _inbox_query(user, tab if tab in TABS else "mine", process, phase)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = session.scalars(query.order_by(HumanTask.created_at, HumanTask.id)
                            .offset((page - 1) * per_page).limit(per_page)).all()
    return TaskPage(list(items), total, page, per_page)


def task_counts(session: Session, user: User, process: str | None = None,
                phase: str | None = None) -> dict[str, int]:
    """Open task counts per inbox tab, with the same filters as the list."""
    return {
        tab: session.scalar(select(func.count()).select_from(
            _inbox_query(user, tab, process, phase).subquery())) or 0
        for tab in TABS
    }


def get_task(session: Session, user: User, task_id: int) -> HumanTask:
    """A task the user may see (their group and region), else NotFound."""
    task = session.get(HumanTask, task_id, populate_existing=True)
    if task is None or not can_see_task(user, task):
        raise NotFound()
    return task


def claim_task(session: Session, user: User, task_id: int) -> HumanTask:
    """Take an open group task into one's own list."""
    begin_write(session)
    task = get_task(session, user, task_id)
    duties.check(session, _duty_row(task), user.id, user.id, "claim")
    done = session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                HumanTask.assignee_id.is_(None))
        .values(assignee_id=user.id).execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        task = get_task(session, user, task_id)
        if task.status != "open":
            raise AlreadyCompleted(task.completed_by.display_name if task.completed_by else None)
        if task.assignee_id == user.id:
            return task
        raise Conflict(_l("%(name)s has already claimed this task.",
                          name=task.assignee.display_name if task.assignee else "?"))
    record(session, "task.claimed", task.instance_id, user, task.id)
    session.commit()
    set_committed_value(task, "assignee_id", user.id)
    return task


@dataclass(frozen=True)
class _DutyRow:
    id: int
    instance_id: int
    bpmn_id: str
    definition_version_id: int
    sha256: str
    authors: dict[str, int]


def _duty_row(task: HumanTask) -> _DutyRow:
    instance = task.instance
    return _DutyRow(task.id, task.instance_id, task.bpmn_id, instance.definition_version_id,
                    instance.definition_version.sha256, dict(instance.authors or {}))


def release_task(session: Session, user: User, task_id: int) -> HumanTask:
    """Give a claimed task back to the group."""
    begin_write(session)
    task = get_task(session, user, task_id)
    done = session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                HumanTask.assignee_id == user.id)
        .values(assignee_id=None).execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(_l("You do not hold this task."))
    record(session, "task.released", task.instance_id, user, task.id)
    session.commit()
    set_committed_value(task, "assignee_id", None)
    return task


