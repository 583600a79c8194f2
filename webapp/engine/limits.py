"""Run-time budgets that keep one admin's diagram from taking the desk down.

What can be seen in a diagram is refused at deploy (``shapes``). What only shows at run time
(a loop whose exit depends on data, a cardinality computed from a form, a timer cycle from an
expression) is stopped here: an engine run gets a budget of steps and seconds and a limit on
call depth, a multi-instance step a cap on its instances. Crossing one raises RunawayProcess;
the caller rolls the step back and keeps it as an incident with the reason.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # type: ignore[import-untyped]
from SpiffWorkflow.spiff.specs.defaults import (  # type: ignore[import-untyped]
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)

from .messages import Message, MessageError

# Steps (script tasks, gateways, events...) one engine run may take before a person is waited on.
MAX_ENGINE_STEPS = 1_000
MAX_ENGINE_SECONDS = 2.0
# Processes calling processes: deeper than this is a mistake (or a call cycle).
MAX_CALL_DEPTH = 8
# Instances of one multi-instance step (each may be a task in somebody's inbox).
MAX_INSTANCES = 500
# A repeating timer fires at most this often; shorter cycles flood inboxes and mailboxes.
MIN_TIMER_CYCLE = dt.timedelta(hours=1)
# A loop that waits only on a timer must wait at least this long per turn.
MIN_LOOP_TIMER = dt.timedelta(hours=1)
# Timer firings of one program within an hour before the program is stopped as an incident.
MAX_TIMER_FIRINGS_PER_HOUR = 30


class RunawayProcess(MessageError):
    """A program crossed a run-time budget; the step is not saved."""


class Budget:
    """Counts the steps of one engine run (the ``will_complete_task`` callback)."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_ENGINE_SECONDS

    def __call__(self, task: Any) -> None:
        self.steps += 1
        if self.steps > MAX_ENGINE_STEPS:
            raise RunawayProcess(Message(
                "the process ran more than %(n)s steps without waiting for a person: "
                "a loop that never reaches a waiting step?", n=MAX_ENGINE_STEPS))
        if time.monotonic() > self.deadline:
            raise RunawayProcess(Message(
                "the process computed for more than %(n)s seconds without waiting for a "
                "person", n=int(MAX_ENGINE_SECONDS)))
        depth = getattr(task.workflow, "depth", 0) or 0
        if depth > MAX_CALL_DEPTH:
            raise RunawayProcess(Message(
                "processes call each other more than %(n)s levels deep: does a process call "
                "itself?", n=MAX_CALL_DEPTH))


def check_instances(count: int) -> None:
    """Refuse a multi-instance step with more instances than the cap."""
    if count > MAX_INSTANCES:
        raise RunawayProcess(Message(
            "a multi-instance step would create %(count)s instances; at most %(max)s are allowed",
            count=count, max=MAX_INSTANCES))


def check_cycle(duration: dt.timedelta) -> None:
    """Refuse a repeating timer whose period is below the minimum."""
    if duration < MIN_TIMER_CYCLE:
        raise RunawayProcess(Message(
            "a repeating timer every %(every)s is too frequent; the minimum is %(min)s",
            every=str(duration), min=str(MIN_TIMER_CYCLE)))


def _planned_instances(spec: Any, my_task: Any) -> int:
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):
            return 0  # the library reports the missing input itself
        try:
            return len(spec.data_input.get(my_task))
        except TypeError:
            return 0
    value = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class _InstanceCap:
    """Checks the number of instances before a multi-instance step creates any."""

    def _update_hook(self, my_task: Any) -> Any:
        my_task._inherit_data()  # the library does this first thing too; the count needs it
        check_instances(_planned_instances(self, my_task))
        return super()._update_hook(my_task)  # type: ignore[misc]


class CappedParallelMultiInstance(_InstanceCap, ParallelMultiInstanceTask):  # type: ignore[misc]
    """A parallel multi-instance step with the instance cap."""


class CappedSequentialMultiInstance(_InstanceCap, SequentialMultiInstanceTask):  # type: ignore[misc]
    """A sequential multi-instance step with the instance cap."""


def _capped(parser_class: type[Any]) -> type[Any]:
    if getattr(parser_class, "PARALLEL_MI_CLASS", None) is None:
        return parser_class
    return type(parser_class.__name__, (parser_class,), {
        "PARALLEL_MI_CLASS": CappedParallelMultiInstance,
        "SEQUENTIAL_MI_CLASS": CappedSequentialMultiInstance,
    })


class SimpulParser(SpiffBpmnParser):  # type: ignore[misc]
    """SpiffWorkflow's parser, building multi-instance steps that respect the instance cap."""

    OVERRIDE_PARSER_CLASSES = {
        tag: (_capped(parser), spec)
        for tag, (parser, spec) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()
    }
