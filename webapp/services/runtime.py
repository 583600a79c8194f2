"""Shared step machinery: keep the human-task projection and event log in line with the engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import engine
from ..db import utcnow
from ..models import Event, HumanTask, Instance, User


def record(session: Session, action: str, instance: Instance | None, actor: User | None = None,
           task: HumanTask | None = None, data: dict[str, Any] | None = None) -> None:
    """Append one event to the history (never updated, never deleted)."""
    session.add(Event(action=action, instance_id=instance.id if instance else None,
                      actor_id=actor.id if actor else None,
                      human_task_id=task.id if task else None, data=data or {}))


def archive(session: Session, instance: Instance, result: engine.StepResult) -> None:
    """Archive the history pruned from the live state as one event."""
    if result.archived:
        record(session, "engine.archived", instance, data={"tasks": [
            {"bpmn_id": a.bpmn_id, "name": a.name, "state": a.state} for a in result.archived
        ]})


def sync_tasks(session: Session, instance: Instance,
               handle: engine.WorkflowHandle) -> list[HumanTask]:
    """Open a row for each newly ready user task; cancel rows the engine no longer has."""
    ready = {t.task_id: t for t in handle.ready_user_tasks()}
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.status == "open")).all()
    now = utcnow()
    for row in rows:
        if row.task_id not in ready:
            row.status = "cancelled"
            row.completed_at = now
    known = {row.task_id for row in rows}
    created = []
    for task_id, task in ready.items():
        if task_id in known:
            continue
        row = HumanTask(
            instance_id=instance.id, task_id=task_id, bpmn_id=task.info.bpmn_id,
            name=task.info.name, group_name=task.info.lane, form_key=task.info.form_key,
            phase=task.info.phase, process_key=instance.definition_version.key,
            region_code=instance.region_code, status="open", created_at=now,
            assignee_id=_assignee_for(session, instance, task.info),
        )
        session.add(row)
        created.append(row)
    session.flush()
    for row in created:
        record(session, "task.created", instance, task=row,
               data={"bpmn_id": row.bpmn_id, "name": row.name, "group": row.group_name,
                     "assignee_id": row.assignee_id})
    return created


def _assignee_for(session: Session, instance: Instance, info: engine.UserTaskInfo) -> int | None:
    """Who gets a new step: whoever did it last (a revision comes back to its author), else
    the program's own coordinator when the step is in their lane; otherwise the whole group."""
    last = session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.bpmn_id == info.bpmn_id,
                                HumanTask.status == "completed")
        .order_by(HumanTask.completed_at.desc()).limit(1)
    )
    for person in (last.completed_by if last is not None else None, instance.started_by):
        if person is not None and person.is_active and info.lane in person.group_names:
            return person.id
    return None
