"""What a person needs on a task page besides the form: data, the return reason, the review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields import DateField

from forms import FORMS, TaskForm, get_form_class
from forms.dynamic import build_form
from forms.fields import RupiahField

from .. import engine
from ..models import Event, HumanTask
from .definitions import parsed_version
from .runtime import read_workflow

REVIEW_FORM = "approval"


class Attached(dict[str, Any]):
    """A stored file as task data refers to it: attachment_id, filename, size."""


@dataclass
class TaskContext:
    data: dict[str, Any]
    returned_reason: str | None = None
    review_name: str | None = None
    review: list[tuple[Any, Shown]] = field(default_factory=list)


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
    if task.form_key == REVIEW_FORM:
        reviewed = _form_of(session, task, previous.data.get("form"),
                            previous.data.get("bpmn_id"))
        if reviewed is not None:
            context.review_name = previous.data.get("name")
            context.review = labelled(reviewed, submitted)
    return context


def step_info(session: Session, task: HumanTask, bpmn_id: str | None = None
              ) -> engine.UserTaskInfo | None:
    """What the diagram says about a step of the task's program (its form or field list)."""
    version = task.instance.definition_version
    parsed = parsed_version(session, version.id, version.sha256)
    return parsed.user_tasks.get(bpmn_id or task.bpmn_id)


def form_class_for(session: Session, task: HumanTask) -> type[TaskForm]:
    """The form of a task: its registered form, or one built from its own field list."""
    found = _form_of(session, task, task.form_key, task.bpmn_id)
    if found is None:
        raise KeyError(f"step {task.bpmn_id!r} has no form")
    return found


def _form_of(session: Session, task: HumanTask, form_key: str | None,
             bpmn_id: str | None) -> type[TaskForm] | None:
    if form_key:
        return FORMS.get(form_key)
    info = step_info(session, task, bpmn_id)
    if info is None or not info.fields:
        return None
    return build_form(info.fields, title=info.name)


@dataclass(frozen=True)
class Shown:
    """A submitted value and how to show it: text, number, money, date, yes/no, file."""

    value: Any
    kind: str = "text"


def labelled(form_class: type[TaskForm] | str, data: dict[str, Any]) -> list[tuple[Any, Shown]]:
    """(label, value to show) for submitted data, in the form's field order."""
    if isinstance(form_class, str):
        form_class = get_form_class(form_class)
    pairs: list[tuple[Any, Shown]] = []
    for name, value in data.items():
        unbound = getattr(form_class, name, None)
        if unbound is None:
            continue
        label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else name)
        choices = {getattr(c, "value", None): getattr(c, "label", None)
                   for c in unbound.kwargs.get("choices") or []}
        pairs.append((label, _shown(name, unbound.field_class, value, choices)))
    return pairs


def _shown(name: str, field_class: type[Any], value: Any, choices: dict[Any, Any]) -> Shown:
    if isinstance(value, list):  # several choices
        return Shown(", ".join(str(choices.get(v, v)) for v in value))
    if isinstance(value, dict):  # an attachment reference: the page links it
        return Shown(Attached(value), "file")
    if isinstance(value, bool):
        return Shown(value, "yesno")
    if (name.endswith("_rupiah") or issubclass(field_class, RupiahField)) \
            and isinstance(value, int):
        return Shown(value, "money")
    if issubclass(field_class, DateField) and isinstance(value, str):
        try:
            return Shown(dt.date.fromisoformat(value), "date")
        except ValueError:
            return Shown(value)
    if value in choices:
        return Shown(choices[value])
    if isinstance(value, int | float):
        return Shown(value, "number")
    return Shown(value)
