"""Running instances: start, restore, complete user tasks, run engine steps, prune, save."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow  # type: ignore[import-untyped]
from SpiffWorkflow.exceptions import SpiffWorkflowException  # type: ignore[import-untyped]
from SpiffWorkflow.spiff.specs.defaults import UserTask  # type: ignore[import-untyped]
from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]

from . import bounds, timers
from .environment import SCRIPT_ENGINE
from .expressions import UnsafeExpression
from .limits import Budget, RunawayProcess
from .messages import Message
from .parsing import ParsedDefinition, UserTaskInfo
from .pruning import ArchivedTask, prune
from .serialization import dump_state, load_state

log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """The engine could not run a step (a failing script, condition or decision).

    ``message`` is a translatable Message, whatever failed (the library's own English goes to
    the log only). ``runaway``: a run-time budget was crossed; trying the same step again cannot
    help until the diagram is fixed.
    """

    def __init__(self, message: Message, element_id: str = "", element_name: str = "",
                 runaway: bool = False):
        self.message = message
        self.element_id = element_id
        self.element_name = element_name
        self.runaway = runaway
        super().__init__(str(message))


class UnknownTask(LookupError):
    """The task is not ready in this instance (finished, cancelled or never existed)."""


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person."""

    task_id: str
    info: UserTaskInfo
    data: dict[str, Any]


@dataclass(frozen=True)
class StepResult:
    """What a step changed: the tasks it finished and the history it archived."""

    archived: list[ArchivedTask]


class WorkflowHandle:
    """One instance's live workflow, wrapped so no caller touches SpiffWorkflow types."""

    def __init__(self, definition: ParsedDefinition, workflow: Any):
        self.definition = definition
        self._workflow = workflow
        workflow.script_engine = SCRIPT_ENGINE
        # What waits, read once per state (a step asks several times; each asks walks the tree)
        self._ready: list[ReadyTask] | None = None
        self._timers: list[timers.WaitingTimer] | None = None

    @classmethod
    def create(cls, definition: ParsedDefinition, data: dict[str, Any] | None = None
               ) -> WorkflowHandle:
        """A new instance with its data seeded, not yet run (``advance`` runs it)."""
        try:
            workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs,
                                    script_engine=SCRIPT_ENGINE)
        except RecursionError as err:  # refused at deploy since; older versions may have it
            raise EngineError(Message("a loop joins a path without a gateway, so the process "
                                      "can never be laid out"), runaway=True) from err
        if data:
            workflow.task_tree.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        return cls(definition, workflow)

    @classmethod
    def start(cls, definition: ParsedDefinition, data: dict[str, Any] | None = None
              ) -> tuple[WorkflowHandle, StepResult]:
        """Create an instance, seed its data and run it to the first wait."""
        handle = cls.create(definition, data)
        return handle, handle.advance()

    @classmethod
    def restore(cls, definition: ParsedDefinition, state: str) -> WorkflowHandle:
        """Rebuild an instance from saved state."""
        return cls(definition, load_state(definition, state))

    def serialize(self) -> str:
        """The instance's live state as JSON."""
        return dump_state(self._workflow)

    @property
    def is_completed(self) -> bool:
        return bool(self._workflow.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        """The instance's current data (the last finished task's, else the root's)."""
        if self.is_completed:
            return dict(self._workflow.data or {}) | dict(self._last_data())
        return dict(self._last_data())

    def _last_data(self) -> dict[str, Any]:
        task = self._workflow.last_task or self._workflow.task_tree
        return dict(task.data)

    def ready_user_tasks(self) -> list[ReadyTask]:
        """Every user task now waiting for a person, with its spec info."""
        if self._ready is None:
            result = []
            for task in self._workflow.get_tasks(state=TaskState.READY, manual=True):
                if isinstance(task.task_spec, UserTask):
                    info = self.definition.user_tasks.get(task.task_spec.bpmn_id)
                    if info is not None:
                        result.append(ReadyTask(str(task.id), info, dict(task.data)))
            self._ready = result
        return list(self._ready)

    def finished_elements(self) -> set[str]:
        """BPMN ids of elements finished in the live state (the rest lives in the archive)."""
        return {
            t.task_spec.bpmn_id
            for t in self._workflow.get_tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None)
        }

    def complete(self, task_id: str, data: dict[str, Any]) -> StepResult:
        """Complete a ready user task with submitted data and run on to the next wait."""
        try:
            task = self._workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, SpiffWorkflowException):
            raise UnknownTask(task_id) from None
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec,
                                                                            UserTask):
            raise UnknownTask(task_id)
        task.data.update(data)
        self._guard(task.run)
        return self.advance()

    def advance(self) -> StepResult:
        """Run the engine's own steps up to the next wait (within the run-time budget)."""
        budget = Budget()
        self._guard(lambda: self._workflow.do_engine_steps(will_complete_task=budget))
        try:
            self._guard(lambda: timers.arm(self._workflow))
        except (ValueError, TypeError, KeyError, NameError) as err:
            raise EngineError(Message("a timer cannot be set: %(reason)s",
                                      reason=bounds.reason(err))) from err
        if self._stuck():
            raise EngineError(Message(
                "the process stopped with nothing to wait for: no step for a person, no timer "
                "and no message (a task type Simpul does not run, or a path that leads "
                "nowhere?)"))
        return StepResult(prune(self._workflow))

    def _stuck(self) -> bool:
        """Unfinished, yet nothing can move it on: no user task ready, nothing waiting."""
        if self._workflow.is_completed() or self.ready_user_tasks():
            return False
        return not self._workflow.get_tasks(state=TaskState.WAITING)

    def waiting_timers(self) -> list[timers.WaitingTimer]:
        """The timer events the instance waits on, with their due times."""
        if self._timers is None:
            self._timers = timers.waiting(self._workflow)
        return list(self._timers)

    def fire_timer(self, task_id: str) -> StepResult:
        """Fire a due timer (the job worker decided it is due) and run on to the next wait."""
        fired: list[bool] = []
        self._guard(lambda: fired.append(timers.fire(self._workflow, task_id)))
        if not fired or not fired[0]:
            raise UnknownTask(task_id)
        return self.advance()

    def _guard(self, action: Any) -> None:
        self._ready = self._timers = None  # the engine is about to change the state
        try:
            action()
        except SpiffWorkflowException as err:
            cause = _cause(err)
            if isinstance(cause, RunawayProcess):
                raise EngineError(cause.message, runaway=True) from err
            spec = getattr(getattr(err, "task", None), "task_spec", None) or getattr(
                err, "task_spec", None)
            element_id = getattr(spec, "bpmn_id", "") or ""
            element_name = getattr(spec, "bpmn_name", "") or element_id
            log.warning("engine: %s: %s", element_id, _engine_text(err))
            reason = bounds.reason(cause) if cause is not None else _library_reason(err)
            message = Message("step '%(step)s': %(reason)s", step=element_name,
                              reason=reason) if element_name else reason
            raise EngineError(message, element_id, element_name) from err
        except RunawayProcess as err:
            raise EngineError(err.message, runaway=True) from err
        except UnsafeExpression as err:
            raise EngineError(err.message) from err
        except RecursionError as err:  # a call cycle the budget did not see coming
            raise EngineError(Message("processes call each other without end"),
                              runaway=True) from err
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as err:
            # the library lets some errors of a diagram's data through unwrapped
            log.warning("engine: %s: %s", type(err).__name__, err)
            raise EngineError(Message("the step failed: %(error)s",
                                      error=bounds.reason(err))) from err


def _cause(err: BaseException) -> BaseException | None:
    """The first error under the library's wrappers (an expression's, a budget's), if any."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not isinstance(current, SpiffWorkflowException):
            return current
        current = current.__cause__ or current.__context__
    return None


def _library_reason(err: Exception) -> Message:
    """The library's own failures (no Python error under them), in translatable words."""
    text = _engine_text(err).lower()
    if "no conditions satisfied" in text:
        return Message("no condition of the gateway holds and it has no default path")
    if "data input" in text or "data ouput" in text or "data output" in text:
        return Message("a data input or output the step needs is missing")
    if "multiinstance" in text or "multi-instance" in text:
        return Message("the items of a multi-instance step are missing or not a list")
    return Message("the engine could not run it")


def _engine_text(err: Exception) -> str:
    """The library's English message with its notes (for the log, never for a person)."""
    message = str(err.args[0]) if err.args else str(err)
    notes = getattr(err, "notes", None) or getattr(err, "__notes__", None) or []
    return " ".join([message, *[str(n) for n in notes]])
