"""Keep live workflow state small: re-root the task tree above the unfinished work.

SpiffWorkflow keeps every finished task forever. A loop then grows the state and the cost of each
step, and past depth 1,000 the task iterator stops finding READY tasks (``is_completed`` answers
True for a running workflow). We re-root each task tree at the deepest *finished* common ancestor
of all unfinished tasks, after the caller has archived what is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]


@dataclass(frozen=True)
class ArchivedTask:
    """A finished task removed from the live state."""

    bpmn_id: str
    name: str
    state: str
    finished_at: float


def prune(workflow: Any) -> list[ArchivedTask]:
    """Prune the top workflow and its subprocesses; return what was removed."""
    archived = _prune_tree(workflow, workflow)
    for subprocess in list(workflow.subprocesses.values()):
        if subprocess.task_tree is not None:
            archived.extend(_prune_tree(workflow, subprocess))
    return archived


def _ancestry(task: Any) -> list[Any]:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    return chain


def _new_root(tree: Any) -> Any | None:
    unfinished = [t for t in tree.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return None
    common = _ancestry(unfinished[0])
    for task in unfinished[1:]:
        chain = _ancestry(task)
        size = 0
        for mine, theirs in zip(common, chain, strict=False):
            if mine is not theirs:
                break
            size += 1
        common = common[:size]
    for candidate in reversed(common):
        if candidate.has_state(TaskState.FINISHED_MASK):
            return candidate
    return None


def _prune_tree(top: Any, tree: Any) -> list[ArchivedTask]:
    root = _new_root(tree)
    if root is None or root is tree.task_tree:
        return []
    keep: dict[Any, Any] = {}
    stack = [root]
    while stack:
        task = stack.pop()
        keep[task.id] = task
        stack.extend(task.children)
    removed = [t for tid, t in tree.tasks.items() if tid not in keep]
    data = root.data  # fully materialised in memory; it becomes the new root's full data
    for task in removed:
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
    root._parent = None
    root.data = data
    tree.task_tree = root
    tree.tasks = keep
    if tree.last_task is not None and tree.last_task.id not in keep:
        tree.last_task = root
    return [_archive(t) for t in removed if getattr(t.task_spec, "bpmn_id", None)]


def _archive(task: Any) -> ArchivedTask:
    return ArchivedTask(
        bpmn_id=task.task_spec.bpmn_id,
        name=task.task_spec.bpmn_name or "",
        state=TaskState.get_name(task.state),
        finished_at=float(task.last_state_change or 0),
    )
