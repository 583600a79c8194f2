"""What a person needs on a task page besides the form: data, the return reason, the review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields import DateField

from forms import FORMS

from ..models import Event, HumanTask
from .runtime import read_workflow

REVIEW_FORM = "approval"


@dataclass
class TaskContext:
    data: dict[str, Any]
    returned_reason: str | None = None
    review_name: str | None = None
    review: list[tuple[Any, Any]] = field(default_factory=list)


def task_context(session: Session, task: HumanTask) -> TaskContext:
    """The task's current data, why it came back (if it did), and for a review, what to review."""
    instance = task.instance
    version = instance.definition_version
    handle = read_workflow(session, instance.id, version.id, version.sha256)
    data = next((t.data for t in handle.ready_user_tasks() if t.task_id == task.task_id), {})
    context = TaskContext(data=data)
    previous = session.scalars(
        select(Event).where(Event.instance_id == instance.id, Event.action == "task.completed")
        .order_by(Event.id.desc()).limit(1)
    ).first()
    if previous is None:
        return context
    submitted = previous.data.get("data", {})
    if previous.data.get("form") == REVIEW_FORM and submitted.get("decision") == "return":
        context.returned_reason = submitted.get("reason") or ""
    if task.form_key == REVIEW_FORM and previous.data.get("form") in FORMS:
        context.review_name = previous.data.get("name")
        context.review = labelled(previous.data["form"], submitted)
    return context


def labelled(form_key: str, data: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(label, value) pairs for submitted data, in the form's field order."""
    form_class = FORMS[form_key]
    pairs = []
    for name, value in data.items():
        unbound = getattr(form_class, name, None)
        if unbound is None:
            continue
        label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else name)
        choices = {getattr(c, "value", None): getattr(c, "label", None)
                   for c in unbound.kwargs.get("choices") or []}
        if name.endswith("_rupiah") and isinstance(value, int):
            value = "Rp " + f"{value:,}".replace(",", ".")
        elif issubclass(unbound.field_class, DateField) and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)  # the page shows it the Indonesian way
            except ValueError:
                pass
        pairs.append((label, choices.get(value, value)))
    return pairs
