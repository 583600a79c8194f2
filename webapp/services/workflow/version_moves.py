"""Moving running programs to another version of their process: dry run, move, undo.

A move is recorded in the program's history with the state it had, so it can be undone as long
as the program has not moved on (its version counter is still the one the move left).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from ... import engine
from ...db import unit_of_work
from ...models import DefinitionVersion, Event, HumanTask, Instance, User
from ..diagrams.definitions import get_version, parsed_version
from ..errors import Conflict, Forbidden, NotFound
from .steps import Journal


@dataclass
class MoveCheck:
    """One running program and whether it can move."""

    instance: Instance
    waiting: list[str]
    reasons: list[str] = field(default_factory=list)

    @property
    def can_move(self) -> bool:
        return not self.reasons


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden(_l("Only an administrator may move programs between versions."))


def _parsed(session: Session, version: DefinitionVersion) -> engine.ParsedDefinition:
    return parsed_version(session, version.id, version.sha256)


def _running_on(session: Session, version: DefinitionVersion,
                ids: list[int] | None = None) -> list[Instance]:
    query = (select(Instance).options(undefer(Instance.state))
             .where(Instance.definition_version_id == version.id, Instance.status == "running")
             .order_by(Instance.started_at, Instance.id)
             .execution_options(populate_existing=True))  # steps update rows via Core
    if ids is not None:
        query = query.where(Instance.id.in_(ids))
    return list(session.scalars(query))


def _waiting(session: Session, instance: Instance) -> list[str]:
    return list(session.scalars(select(HumanTask.name).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open").order_by(HumanTask.id)))


def dry_run(session: Session, user: User, key: str, source: int, target: int
            ) -> list[MoveCheck]:
    """For every program running on ``source``: can it move to ``target``, and if not, why."""
    _admin(user)
    old, new = get_version(session, key, source), get_version(session, key, target)
    if old.kind != "bpmn" or old.id == new.id:
        raise NotFound()
    source_def, target_def = _parsed(session, old), _parsed(session, new)
    checks = []
    for instance in _running_on(session, old):
        reasons = engine.migration_problems(instance.state, source_def, target_def)
        checks.append(MoveCheck(instance, _waiting(session, instance),
                                [r.translate(gettext) for r in reasons]))
    return checks


@dataclass
class MoveResult:
    moved: list[Instance] = field(default_factory=list)
    skipped: list[tuple[Instance, list[str]]] = field(default_factory=list)


def move(session: Session, user: User, key: str, source: int, target: int,
         instance_ids: list[int] | None = None) -> MoveResult:
    """Move the chosen programs (all that can, when ``instance_ids`` is None) in one action."""
    _admin(user)
    with unit_of_work(session):
        old, new = get_version(session, key, source), get_version(session, key, target)
        if old.kind != "bpmn" or old.id == new.id:
            raise NotFound()
        source_def, target_def = _parsed(session, old), _parsed(session, new)
        result = MoveResult()
        for instance in _running_on(session, old, instance_ids):
            try:
                state = engine.migrate_state(instance.state, source_def, target_def)
            except engine.MigrationRefused as refused:
                result.skipped.append((instance, [r.translate(gettext) for r in refused.reasons]))
                continue
            _replace(session, instance, new, target_def, state, user, "instance.migrated", {
                "from_version": old.version, "to_version": new.version, "key": key,
                "previous_state": instance.state, "previous_version_id": old.id,
            })
            result.moved.append(instance)
    return result


def _replace(session: Session, instance: Instance, version: DefinitionVersion,
             definition: engine.ParsedDefinition, state: str, user: User, action: str,
             data: dict[str, Any]) -> None:
    """Swap the instance's state and version (compare-and-set) and refresh its open steps; a
    program changed meanwhile is refused (the caller's unit of work rolls the move back)."""
    moved = session.execute(
        update(Instance).where(Instance.id == instance.id, Instance.version == instance.version)
        .values(state=state, definition_version_id=version.id, version=instance.version + 1)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("The program “%(title)s” changed meanwhile; try again.",
                          title=instance.title))
    data["version_after"] = instance.version + 1
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                        HumanTask.status == "open")):
        info = definition.user_tasks.get(task.bpmn_id)
        if info is not None:
            task.name, task.form_key, task.phase = info.name, info.form_key, info.phase
    journal = Journal(instance.id, user.id)
    journal.add(action, data=data)
    journal.write(session)
    session.flush()


def last_move(session: Session, instance: Instance) -> Event | None:
    """The instance's last move, if it can still be undone (nothing happened since)."""
    event = session.scalars(
        select(Event).where(Event.instance_id == instance.id,
                            Event.action.in_(("instance.migrated", "instance.migration_undone")))
        .order_by(Event.id.desc()).limit(1)).first()
    if event is None or event.action != "instance.migrated":
        return None
    if instance.status != "running" or instance.version != event.data.get("version_after"):
        return None
    return event


def undo_move(session: Session, user: User, instance_id: int) -> Instance:
    """Put a program back on the version it was moved from (if it has not moved on)."""
    _admin(user)
    with unit_of_work(session):
        instance = session.scalar(select(Instance).options(undefer(Instance.state))
                                  .where(Instance.id == instance_id)
                                  .execution_options(populate_existing=True))
        if instance is None:
            raise NotFound()
        event = last_move(session, instance)
        if event is None:
            raise Conflict(_l("This move can no longer be undone: the program has moved on."))
        previous = session.get(DefinitionVersion, event.data["previous_version_id"])
        if previous is None:
            raise NotFound()
        current = instance.definition_version
        _replace(session, instance, previous, _parsed(session, previous),
                 event.data["previous_state"], user, "instance.migration_undone",
                 {"from_version": current.version, "to_version": previous.version,
                  "key": current.key})
    return instance


def recently_moved(session: Session, version: DefinitionVersion) -> list[Instance]:
    """Programs on ``version`` whose move to it can still be undone."""
    return [i for i in _running_on(session, version) if last_move(session, i) is not None]
