"""Diagram shapes that would run away, refused at deploy.

A loop whose every turn passes no step that waits (for a person, a message or a long enough
timer) would run the server's CPU without end; a repeating timer every few seconds floods
inboxes; a multi-instance step with a huge literal count fills them. These are seen in the
diagram itself. What depends on data is stopped at run time by the budgets in ``limits``.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (  # type: ignore[import-untyped]
    TimerEventDefinition,
)

from .compat import compatibility_problems
from .limits import MAX_INSTANCES, MIN_LOOP_TIMER, MIN_TIMER_CYCLE
from .messages import Message
from .problems import Problem
from .timers import iso_literal
from .xmlsafety import UnsafeXml, parse_xml

NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_ALWAYS_WAIT = {"userTask", "manualTask", "receiveTask", "eventBasedGateway", "callActivity"}
_FLOW_NODES = _ALWAYS_WAIT | {
    "task", "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "subProcess",
    "transaction", "adHocSubProcess", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "complexGateway", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent",
}
_SCOPES = ("process", "subProcess", "transaction", "adHocSubProcess")


def runaway_problems(root: Any, filename: str = "") -> list[Problem]:
    """Every runaway shape in a BPMN file: loops without a wait, tiny timer cycles, huge
    literal multi-instance counts, unbounded repeating steps that never wait."""
    problems: list[Problem] = []
    for scope in root.iter(*(NS + tag for tag in _SCOPES)):
        problems.extend(_loops_without_wait(scope, filename))
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(NS):
            continue
        problems.extend(_timer_problems(element, filename))
        problems.extend(_loop_problems(element, filename))
    return problems


def _local(element: Any) -> str:
    return str(element.tag).removeprefix(NS)


def _flow_nodes(scope: Any) -> Iterator[Any]:
    for child in scope:
        if isinstance(child.tag, str) and _local(child) in _FLOW_NODES:
            yield child


def _constant(text: str) -> Any:
    """The value of a literal (bare ISO text, or a quoted string or a number); None if the text
    is an expression computed at run time."""
    text = (text or "").strip()
    if iso_literal(text):
        return text
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    return node.value if isinstance(node, ast.Constant) else None


def _duration(text: str) -> dt.timedelta | None:
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        delta: dt.timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    return delta


def _cycle_period(text: str) -> dt.timedelta | None:
    value = _constant(text)
    if not isinstance(value, str) or "/" not in value:
        return None
    parts = [p for p in value.split("/")[1:] if p.startswith("P")]
    return _duration(parts[0]) if parts else None


def _waits(node: Any) -> bool:
    """Whether passing this node waits for something outside the engine run."""
    kind = _local(node)
    if kind in _ALWAYS_WAIT:
        return True
    if kind in ("subProcess", "transaction", "adHocSubProcess"):
        return any(_waits(child) for child in _flow_nodes(node))
    if kind != "intermediateCatchEvent":
        return False
    timer = node.find(f"{NS}timerEventDefinition")
    if timer is None:
        return True  # a message, signal or condition comes from outside
    duration = timer.find(f"{NS}timeDuration")
    if duration is not None:
        value = _constant(duration.text or "")
        if not isinstance(value, str):
            return True  # computed at run time: the firing cap watches it
        delta = _duration(value)
        return delta is None or delta >= MIN_LOOP_TIMER
    cycle = timer.find(f"{NS}timeCycle")
    if cycle is not None:
        period = _cycle_period(cycle.text or "")
        return period is None or period >= MIN_LOOP_TIMER
    date = timer.find(f"{NS}timeDate")
    # a fixed date waits once; on the next turn it has passed and fires at once
    return date is not None and _constant(date.text or "") is None


def _loops_without_wait(scope: Any, filename: str) -> list[Problem]:
    nodes = {n.get("id"): n for n in _flow_nodes(scope) if n.get("id")}
    edges: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for flow in scope.findall(f"{NS}sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in edges and target in nodes:
            edges[source].add(target)
    for node_id, node in nodes.items():
        attached = node.get("attachedToRef")
        if _local(node) == "boundaryEvent" and attached in edges:
            edges[attached].add(node_id)
    running = {n for n, node in nodes.items() if not _waits(node)}
    problems = []
    for component in _cycles({n: edges[n] & running for n in running}):
        names = [nodes[n].get("name") or n for n in component]
        first = nodes[component[0]]
        problems.append(Problem(first.get("id", ""), Message(
            "this loop never waits for a person, a message or a timer of at least %(min)s, so "
            "it would run without end: %(path)s", min=str(MIN_LOOP_TIMER),
            path=" → ".join(names)), first.get("name", ""), filename))
    return problems


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components that contain a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))
    return found


def _timer_problems(element: Any, filename: str) -> list[Problem]:
    if _local(element) != "timeCycle":
        return []
    period = _cycle_period(element.text or "")
    if period is None or period >= MIN_TIMER_CYCLE:
        return []
    event = element.getparent().getparent()
    return [Problem(event.get("id", ""), Message(
        "the timer repeats every %(every)s; a repeating timer may fire at most once every "
        "%(min)s", every=str(period), min=str(MIN_TIMER_CYCLE)), event.get("name", ""),
        filename)]


def _loop_problems(element: Any, filename: str) -> list[Problem]:
    kind = _local(element)
    activity = element.getparent()
    if kind == "multiInstanceLoopCharacteristics":
        cardinality = element.find(f"{NS}loopCardinality")
        value = _constant(cardinality.text or "") if cardinality is not None else None
        if isinstance(value, int | float) and value > MAX_INSTANCES:
            return [Problem(activity.get("id", ""), Message(
                "the step would run %(count)s times at once; at most %(max)s instances are "
                "allowed", count=int(value), max=MAX_INSTANCES), activity.get("name", ""),
                filename)]
    if kind == "standardLoopCharacteristics" and not _waits(activity):
        maximum = element.get("loopMaximum")
        if not maximum or not maximum.strip().isdigit() or int(maximum) > MAX_INSTANCES:
            return [Problem(activity.get("id", ""), Message(
                "a repeating step that never waits needs a loop maximum of at most %(max)s",
                max=MAX_INSTANCES), activity.get("name", ""), filename)]
    return []


def shape_problems(xml: bytes, filename: str = "") -> list[Problem]:
    """What a BPMN file given as bytes needs to run here (a diagram from another tool) and
    its runaway shapes (unreadable files are reported by the parser, not here)."""
    try:
        root = parse_xml(xml)
    except UnsafeXml:
        return []
    return [*compatibility_problems(root, filename), *runaway_problems(root, filename)]
