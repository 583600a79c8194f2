"""Incidents: steps the engine could not run, kept with their data for an administrator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import failure_record, utcnow
from ...models import HumanTask, Incident, User


def record_incident(session: Session, actor: User, task_id: int, error: str,
                    data: dict[str, Any]) -> None:
    """Keep a failed step (its own transaction: the step itself was rolled back)."""
    with failure_record(session):
        _record(session, actor, task_id, error, data)


def _record(session: Session, actor: User, task_id: int, error: str,
            data: dict[str, Any]) -> None:
    task = session.get(HumanTask, task_id)
    if task is None:
        return
    open_one = session.scalar(select(Incident).where(
        Incident.human_task_id == task_id, Incident.resolved_at.is_(None)))
    if open_one is not None:
        open_one.error, open_one.data = error[:4000], data
        open_one.attempts += 1
        open_one.at, open_one.actor_id = utcnow(), actor.id
    else:
        session.add(Incident(instance_id=task.instance_id, human_task_id=task_id,
                             error=error[:4000], data=data, actor_id=actor.id))
