"""Separation of duties: whoever submitted a step does not approve it.

A user task names the steps it reviews in its ``separateFrom`` property; the person who last
completed one of those may not complete, claim or be given the review, whatever their groups or
role. Every refusal is explained to the person and kept in the program's history.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...db import failure_record
from ..diagrams.definitions import parsed_version
from ..errors import Forbidden
from .steps import Journal


def conflict(session: Session, version_id: int, sha: str, bpmn_id: str,
             authors: dict[str, int] | None, person_id: int) -> str | None:
    """The name of the reviewed step ``person_id`` submitted, if the task reviews it."""
    steps = parsed_version(session, version_id, sha).user_tasks
    info = steps.get(bpmn_id)
    if info is None or not info.separate_from:
        return None
    for reviewed in info.separate_from:
        if (authors or {}).get(reviewed) == person_id:
            step = steps.get(reviewed)
            return step.name if step is not None else reviewed
    return None


class DutyRefused(Forbidden):
    """The person may not do this step; what to append to the history comes with it."""

    def __init__(self, message: Any, instance_id: int, task_id: int, actor_id: int,
                 entry: dict[str, Any]):
        super().__init__(message)
        self.instance_id, self.task_id, self.actor_id, self.entry = \
            instance_id, task_id, actor_id, entry


def check(session: Session, row: Any, actor_id: int, person_id: int, action: str) -> None:
    """Raise DutyRefused when ``person_id`` may not do task ``row`` (a HumanTask-like row with
    instance version id, sha, bpmn id and the instance's authors). Writes nothing: the use case
    rolls its work back and logs the refusal (``log_refusal``)."""
    step = conflict(session, row.definition_version_id, row.sha256, row.bpmn_id, row.authors,
                    person_id)
    if step is None:
        return
    message = _l("You submitted “%(step)s”, so someone else must review it.", step=step) \
        if actor_id == person_id else \
        _l("This person submitted “%(step)s”, so they cannot review it.", step=step)
    raise DutyRefused(message, row.instance_id, row.id, actor_id,
                      {"step": step, "action": action, "person": person_id})


def log_refusal(session: Session, refused: DutyRefused) -> None:
    """Append a refusal to the program's history, in a transaction of its own (the refused
    work was rolled back by the use case that called ``check``)."""
    with failure_record(session):
        journal = Journal(refused.instance_id, refused.actor_id)
        journal.add("duty.refused", refused.task_id, refused.entry)
        journal.write(session)
