"""Moving a running instance to another version of its process.

The live state keeps the finished root and the unfinished tasks (pruning removed the rest). An
instance can move when every step it waits at exists in the target version as the same kind of
step with a compatible form and the same lane. Moving drops the engine's predictions of what
comes next and predicts again from the target version, so new steps after the waiting ones are
taken, removed ones are not.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]

from .messages import Message
from .parsing import ParsedDefinition, UserTaskInfo
from .serialization import dump_state, load_state

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


class MigrationRefused(ValueError):
    """The instance cannot move; ``reasons`` says why."""

    def __init__(self, reasons: list[Message]):
        self.reasons = reasons
        super().__init__("; ".join(str(r) for r in reasons))


def _spec_name(spec: Any) -> str:
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _forms_compatible(old: UserTaskInfo, new: UserTaskInfo) -> bool:
    if old.form_key or new.form_key:
        return old.form_key == new.form_key and not new.fields
    kinds = {f.name: f.type for f in old.fields}
    return all(kinds.get(f.name, f.type) == f.type for f in new.fields)


def migration_problems(state: str, source: ParsedDefinition,
                       target: ParsedDefinition) -> list[Message]:
    """Why the instance cannot move from ``source`` to ``target`` (empty: it can)."""
    data = json.loads(state)
    reasons: list[Message] = []
    if data.get("subprocesses"):
        reasons.append(Message("the program is inside a subprocess; it cannot move yet"))
    target_specs = target.spec.task_specs
    root = data.get("root")
    for task_id, task in data["tasks"].items():
        state_value = task["state"]
        if state_value & TaskState.PREDICTED_MASK:
            continue
        name = task["task_spec"]
        old_spec = source.spec.task_specs.get(name)
        label = _spec_name(old_spec) if old_spec is not None else name
        new_spec = target_specs.get(name)
        if not state_value & _ACTIVE:
            if new_spec is None and task_id != root:
                reasons.append(Message("the finished step “%(name)s” is missing in the new "
                                       "version", name=label))
            continue
        if new_spec is None:
            reasons.append(Message("the waiting step “%(name)s” does not exist in the new "
                                   "version", name=label))
            continue
        if old_spec is not None and type(new_spec) is not type(old_spec):
            reasons.append(Message("the waiting step “%(name)s” is another kind of step in "
                                   "the new version", name=label))
            continue
        old_info = source.user_tasks.get(name)
        new_info = target.user_tasks.get(name)
        if old_info is not None and new_info is not None:
            if not _forms_compatible(old_info, new_info):
                reasons.append(Message("the waiting step “%(name)s” has a different form in "
                                       "the new version", name=label))
            if old_info.lane != new_info.lane:
                reasons.append(Message("the waiting step “%(name)s” moved to another lane",
                                       name=label))
    return reasons


def migrate_state(state: str, source: ParsedDefinition, target: ParsedDefinition) -> str:
    """The instance's state on ``target``; raises MigrationRefused with every reason."""
    reasons = migration_problems(state, source, target)
    if reasons:
        raise MigrationRefused(reasons)
    data = json.loads(state)
    specs = target.spec.task_specs
    # Keep what happened and what waits, plus the engine's forecast where the target still has
    # those steps (a waiting boundary timer needs its forecast join); drop forecasts of steps
    # the target lacks, with everything under them. Finishing a step re-syncs its children
    # with the target's flows, so new steps after it are taken.
    kept: dict[str, Any] = {}
    for task_id, task in _top_down(data):
        parent = task.get("parent")
        if task["state"] & TaskState.PREDICTED_MASK and (
                task["task_spec"] not in specs or (parent is not None and parent not in kept)):
            continue
        kept[task_id] = task
    start = next((name for name, spec in target.spec.task_specs.items()
                  if type(spec).__name__ == "BpmnStartTask"), "Start")
    for task_id, task in kept.items():
        task["children"] = [child for child in task["children"] if child in kept]
        if task["task_spec"] not in target.spec.task_specs and task_id == data.get("root"):
            task["task_spec"] = start  # the finished root's own step is gone; it only anchors
    data["tasks"] = kept
    workflow = load_state(target, json.dumps(data))
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING |
                                   TaskState.STARTED):
        task._sync_children(task.task_spec.outputs, TaskState.MAYBE)  # the target's flows
        task.task_spec._predict(task)
    return dump_state(workflow)


def _top_down(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The state's tasks, parents before children."""
    tasks = data["tasks"]
    order: list[tuple[str, Any]] = []
    stack = [data["root"]]
    while stack:
        task_id = stack.pop()
        task = tasks.get(task_id)
        if task is None:
            continue
        order.append((task_id, task))
        stack.extend(reversed(task.get("children", [])))
    return order
