"""Supervisors' work on many tasks at once (reassign, priority) and users' saved filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forms.base import CONTROL, CONTROL_CHARACTERS

from ...db import unit_of_work, use_case
from ...models import HumanTask, SavedFilter, User
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..scope import in_region, region_clause
from . import duties
from .notifications import notify_opened
from .steps import Journal, OpenedTask

PRIORITIES = (0, 1, 2)
MAX_SAVED = 20


@dataclass
class BulkResult:
    done: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (task name, why)


def require_overseer(user: User) -> None:
    """Reassigning and prioritising others' tasks is for supervisors and administrators."""
    if user.role not in ("supervisor", "admin"):
        raise Forbidden(_l("Only supervisors and administrators may do this."))


def assignable(session: Session, actor: User) -> list[User]:
    """Active people in the actor's region, to hand tasks to."""
    require_overseer(actor)
    return list(session.scalars(select(User).where(User.is_active.is_(True),
                                                   region_clause(actor, User.region_code))
                                .order_by(User.full_name, User.username)))


def _tasks(session: Session, actor: User, task_ids: list[int]) -> list[HumanTask]:
    rows = list(session.scalars(select(HumanTask).where(HumanTask.id.in_(task_ids[:500]))
                                .execution_options(populate_existing=True)))
    return [t for t in rows if in_region(actor, t.region_code)]


def reassign(session: Session, actor: User, task_ids: list[int], person_id: int) -> BulkResult:
    """Give open tasks to one person (in the task's group and region, not its own reviewer)."""
    require_overseer(actor)
    with unit_of_work(session):
        person = session.get(User, person_id)
        if person is None or not person.is_active or not in_region(actor, person.region_code):
            raise NotFound()
        result = BulkResult()
        for task in _tasks(session, actor, task_ids):
            why = None
            if task.status != "open":
                why = gettext("it is no longer open")
            elif task.group_name not in person.group_names:
                why = gettext("%(name)s is not in the group %(group)s", name=person.display_name,
                              group=task.group_name or "")
            elif not in_region(person, task.region_code):
                why = gettext("the program is outside %(name)s's region", name=person.display_name)
            else:
                instance = task.instance
                step = duties.conflict(session, instance.definition_version_id,
                                       instance.definition_version.sha256, task.bpmn_id,
                                       instance.authors, person.id)
                if step is not None:
                    why = gettext("%(name)s submitted “%(step)s”", name=person.display_name,
                                  step=step)
                    journal = Journal(task.instance_id, actor.id)
                    journal.add("duty.refused", task.id, {"step": step, "action": "reassign",
                                                          "person": person.id})
                    journal.write(session)
            if why:
                result.skipped.append((task.name, why))
                continue
            previous = task.assignee_id
            task.assignee_id = person.id
            notify_opened(session.connection(), SimpleNamespace(
                id=task.instance_id, title=task.instance.title,
                region_code=task.region_code), [OpenedTask(task.id, person.id, task.name,
                                                           task.group_name)],
                "assigned", actor.id)
            journal = Journal(task.instance_id, actor.id)
            journal.add("task.reassigned", task.id, {"name": task.name, "from": previous,
                                                     "to": person.id,
                                                     "to_name": person.display_name})
            journal.write(session)
            result.done += 1
    return result


def set_priority(session: Session, actor: User, task_ids: list[int], priority: int
                 ) -> BulkResult:
    require_overseer(actor)
    if priority not in PRIORITIES:
        raise InvalidInput(_l("Unknown priority."))
    with unit_of_work(session):
        result = BulkResult()
        for task in _tasks(session, actor, task_ids):
            if task.status != "open":
                result.skipped.append((task.name, gettext("it is no longer open")))
                continue
            task.priority = priority
            result.done += 1
    return result


def saved_filters(session: Session, user: User) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.user_id == user.id)
                                .order_by(SavedFilter.name)))


def save_filter(session: Session, user: User, name: str, args: dict[str, Any]) -> SavedFilter:
    """Name the current inbox filter (replacing one of the same name)."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_l("Give the filter a name."))
    if CONTROL.search(name):
        raise InvalidInput(CONTROL_CHARACTERS)
    if len(name) > 80:
        raise InvalidInput(_l("Please use at most %(max)d characters.", max=80))
    with unit_of_work(session):
        found = session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id,
                                                         SavedFilter.name == name))
        if found is None:
            if len(saved_filters(session, user)) >= MAX_SAVED:
                raise Conflict(_l("At most %(n)s saved filters; delete one first.", n=MAX_SAVED))
            found = SavedFilter(user_id=user.id, name=name)
            session.add(found)
        found.args = {k: v for k, v in args.items() if k != "page"}
    return found


@use_case
def delete_filter(session: Session, user: User, filter_id: int) -> None:
    session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                              SavedFilter.user_id == user.id))
