"""A task page: the task (one statement), its form (a registered one or the step's own field
list), its current data, why it came back, and for a review what is reviewed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased
from wtforms.fields import DateField

from forms import FORMS, TaskForm, get_form_class
from forms.dynamic import build_form
from forms.fields import RupiahField

from ... import engine
from ...models import DefinitionVersion, Event, HumanTask, Instance, Region, User
from ..accounts.regions import desa_choices
from ..diagrams.definitions import parsed_version
from ..errors import NotFound
from ..scope import can_see_task
from .hooks import hooks_of
from .steps import READY_DATA, read_workflow

REVIEW_FORM = "approval"


class Attached(dict[str, Any]):
    """A stored file as task data refers to it: attachment_id, filename, size."""


@dataclass(frozen=True)
class TaskHead:
    """What a task page and a submit need of one task, read in one statement."""

    id: int
    task_id: str
    bpmn_id: str
    name: str
    form_key: str | None
    phase: str | None
    group_name: str | None
    region_code: str | None
    status: str
    assignee_id: int | None
    assignee_name: str | None
    completed_by_name: str | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    instance_id: int
    instance_version: int
    instance_title: str
    business_key: str
    region_name: str | None
    definition_version_id: int
    sha256: str


_assignee = aliased(User)
_completer = aliased(User)
_HEAD = (
    select(HumanTask.id, HumanTask.task_id, HumanTask.bpmn_id, HumanTask.name,
           HumanTask.form_key, HumanTask.phase, HumanTask.group_name, HumanTask.region_code,
           HumanTask.status, HumanTask.assignee_id,
           func.coalesce(func.nullif(_assignee.full_name, ""), _assignee.username)
           .label("assignee_name"),
           func.coalesce(func.nullif(_completer.full_name, ""), _completer.username)
           .label("completed_by_name"),
           HumanTask.created_at, HumanTask.due_at, HumanTask.instance_id,
           Instance.version.label("instance_version"), Instance.title.label("instance_title"),
           Instance.business_key, Region.name.label("region_name"),
           Instance.definition_version_id, DefinitionVersion.sha256)
    .join(Instance, Instance.id == HumanTask.instance_id)
    .join(DefinitionVersion, DefinitionVersion.id == Instance.definition_version_id)
    .outerjoin(Region, Region.code == Instance.region_code)
    .outerjoin(_assignee, _assignee.id == HumanTask.assignee_id)
    .outerjoin(_completer, _completer.id == HumanTask.completed_by_id)
    .where(HumanTask.id == bindparam("task_id"))
)


_LAST_COMPLETED = (
    select(Event.data).where(Event.instance_id == bindparam("instance_id"),
                             Event.action == "task.completed")
    .order_by(Event.id.desc()).limit(1)
)


def task_head(session: Session, user: User, task_id: int) -> TaskHead:
    """A task the user may see (their group and region), else NotFound.

    A submit reads it too, without taking the write: its form is checked first, and the
    completion (``completion.complete_task``) checks the task again under its own write.
    """
    row = session.connection().execute(_HEAD, {"task_id": task_id}).first()
    if row is None or not can_see_task(user, row):
        raise NotFound()
    return TaskHead(**row._asdict())


@dataclass
class TaskContext:
    data: dict[str, Any]
    returned_reason: str | None = None
    review_name: str | None = None
    review_form: str | None = None  # the form of the step under review
    review: list[tuple[Any, Shown]] = field(default_factory=list)


def task_data(session: Session, task: TaskHead) -> dict[str, Any]:
    """The data the waiting step holds now (kept after the program's last step in this
    process, else read from the saved engine state)."""
    data = READY_DATA.of(session).get(task.instance_id, task.instance_version, task.business_key,
                          task.task_id)
    if data is None:  # another process took the last step, or this one restarted since
        handle = read_workflow(session, task.instance_id, task.definition_version_id,
                               task.sha256)
        data = next((t.data for t in handle.ready_user_tasks() if t.task_id == task.task_id),
                    {})
    return data


def task_context(session: Session, task: TaskHead) -> TaskContext:
    """The task's current data, why it came back (if it did), and for a review, what to review."""
    context = TaskContext(data=task_data(session, task))
    previous = session.connection().execute(
        _LAST_COMPLETED, {"instance_id": task.instance_id}).scalar()
    if previous is None:
        return context
    submitted = previous.get("data", {})
    if previous.get("form") == REVIEW_FORM and submitted.get("decision") == "return":
        context.returned_reason = submitted.get("reason") or ""
    if task.form_key == REVIEW_FORM:
        reviewed = _form_of(session, task, previous.get("form"), previous.get("bpmn_id"))
        if reviewed is not None:
            context.review_name = previous.get("name")
            context.review_form = previous.get("form")
            context.review = labelled(reviewed, submitted)
    return context


def step_info(session: Session, task: TaskHead, bpmn_id: str | None = None
              ) -> engine.UserTaskInfo | None:
    """What the diagram says about a step of the task's program (its form or field list)."""
    parsed = parsed_version(session, task.definition_version_id, task.sha256)
    return parsed.user_tasks.get(bpmn_id or task.bpmn_id)


def form_class_for(session: Session, task: TaskHead) -> type[TaskForm]:
    """The form of a task: its registered form, or one built from its own field list."""
    found = _form_of(session, task, task.form_key, task.bpmn_id)
    if found is None:
        raise KeyError(f"step {task.bpmn_id!r} has no form")
    return found


def _form_of(session: Session, task: TaskHead, form_key: str | None,
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


def step_figures(session: Session, user: User, task: TaskHead,
                 current: dict[str, Any]) -> dict[str, Any]:
    """The figures an area gives this step (the recipient list's, for a round), which the form
    then does not ask for."""
    return hooks_of(session).step_figures(session, task.instance_id, task.form_key, {}, current,
                                          user)


def step_panels(session: Session, user: User, task: TaskHead,
                context: TaskContext) -> list[Any]:
    """What the areas show the user on this step's page (each with the ``template`` that shows
    it, and the figures it ``computed``)."""
    return hooks_of(session).step_panels(session, task.instance_id, task.form_key,
                                         context.data, user, context.review_form)


def area_desa(session: Session, task: TaskHead) -> list[tuple[str, list[tuple[str, str]]]]:
    """The desa/kelurahan of the task's program area, grouped by kecamatan, for a form that
    chooses some of them (``TaskForm.area_fields``): [(kecamatan name, [(code, name)])]."""
    if not task.region_code:  # a program without an area: nothing to choose from
        return []
    return desa_choices(session, task.region_code) or []
