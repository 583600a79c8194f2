"""BPMN timers under Simpul's clock: armed when reached, fired by the job worker.

SpiffWorkflow would compute a timer's due time from the real clock and fire it whenever the
workflow is refreshed after that time. Simpul arms each waiting timer with a due time from its
own clock (so tests and demos can set the time) and fires a timer only when the worker says it is
due, which keeps firing in one place: the job table, shared safely by several workers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (  # type: ignore[import-untyped]
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]

from .. import clock
from . import expressions
from .limits import check_cycle

# Camunda Modeler writes timers as bare ISO text (PT2H); SpiffWorkflow expects an expression
# ("PT2H" in quotes). Bare ISO text is taken as it is.
_DURATION = r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(R\d*/)?({_DURATION}|{_DATETIME})(/({_DURATION}|{_DATETIME}))?$")


def iso_literal(text: str) -> bool:
    """A bare ISO 8601 duration, date-time or repeating interval (not an expression)."""
    return bool(_ISO.match(text.strip()))


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event the instance waits on, and when it is due."""

    task_id: str
    bpmn_id: str
    name: str
    due: dt.datetime


def timer_tasks(workflow: Any) -> list[tuple[Any, Any]]:
    """(task, timer definition) for every waiting timer, subprocesses included."""
    found = []
    for tree in [workflow, *workflow.subprocesses.values()]:
        for task in tree.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                found.append((task, definition))
    return found


def _expression_value(task: Any, definition: Any) -> str:
    text = str(definition.expression or "").strip()
    if iso_literal(text):
        return text
    return str(task.workflow.script_engine.evaluate(task, text))


def arm(workflow: Any) -> None:
    """Give every newly waiting timer its due time by Simpul's clock."""
    now = clock.now()
    for task, definition in timer_tasks(workflow):
        # SpiffWorkflow may have set a due time from the real clock already: replace it once.
        if task._get_internal_data("simpul_armed"):
            continue
        value = _expression_value(task, definition)
        if isinstance(definition, DurationTimerEventDefinition):
            parsed = TimerEventDefinition.parse_iso_duration(value)
            event_value: Any = (now + TimerEventDefinition.get_timedelta_from_start(
                parsed, now)).isoformat()
        elif isinstance(definition, CycleTimerEventDefinition):
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
            check_cycle(duration)
            explicit = value.count("/") == 2 and not value.split("/")[1].startswith("P")
            first = start if explicit else now + duration
            event_value = {"cycles": cycles, "next": first.isoformat(),
                           "duration": duration.total_seconds()}
        elif isinstance(definition, TimeDateEventDefinition):
            event_value = TimerEventDefinition.parse_time_or_duration(value).isoformat()
        else:
            continue
        task._set_internal_data(event_value=event_value, simpul_armed=True)


def due_time(task: Any) -> dt.datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("cycles") == 0:
            return None
        value = value["next"]
    due: dt.datetime = TimerEventDefinition.get_datetime(str(value))
    return due


def waiting(workflow: Any) -> list[WaitingTimer]:
    result = []
    for task, _definition in timer_tasks(workflow):
        due = due_time(task)
        if due is not None:
            result.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id or "",
                                       task.task_spec.bpmn_name or "", due))
    return result


def fire(workflow: Any, task_id: str) -> bool:
    """Fire one waiting timer now; False if the instance no longer waits on it."""
    for task, definition in timer_tasks(workflow):
        if str(task.id) != task_id:
            continue
        if isinstance(definition, CycleTimerEventDefinition):
            value = dict(task._get_internal_data("event_value") or {})
            past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            value["next"] = past.isoformat()  # SpiffWorkflow fires a cycle once its "next" passed
            task._set_internal_data(event_value=value)
        else:
            task._set_internal_data(event_fired=True)
        task.task_spec._update(task)
        return True
    return False


def due_from(text: str | None, data: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    """A step's due time from its "dueIn" (an ISO duration or date, or an expression on the
    task data giving one); None when it has none or it cannot be read."""
    if not text:
        return None
    value: Any = text.strip()
    if not iso_literal(value):
        try:
            value = expressions.evaluate(value, data)
        except Exception:  # noqa: BLE001 - a due date that cannot be computed is no due date
            return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59), tzinfo=dt.UTC)
    value = str(value).strip()
    try:
        if value.startswith("P"):
            parsed = TimerEventDefinition.parse_iso_duration(value)
            delta: dt.timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, now)
            return now + delta
        moment = dt.datetime.fromisoformat(value)
    except (ValueError, TypeError, KeyError):
        return None
    if len(value) == 10:  # a date: the end of that day
        moment = moment.replace(hour=23, minute=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
