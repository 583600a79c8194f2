"""Checks a deploy runs on top of parsing: decision tables on their own, runaway shapes, and
processes that call each other in a cycle or too deep."""

from __future__ import annotations

from collections.abc import Callable, Collection

from ... import engine


def file_problems(files: Collection[engine.SourceFile],
                  kinds: dict[str, str]) -> list[engine.Problem]:
    """Each file checked alone: a decision table as it would run, a process for runaway shapes.

    ``kinds``: "bpmn" or "dmn" by file name.
    """
    problems: list[engine.Problem] = []
    for source in files:
        if kinds.get(source.filename) == "dmn":
            problems.extend(engine.decision_problems(source.xml, source.filename))
        elif kinds.get(source.filename) == "bpmn":
            problems.extend(engine.shape_problems(source.xml, source.filename))
    return problems


def call_problems(keys: Collection[str],
                  calls_of: Callable[[str], Collection[str]]) -> list[engine.Problem]:
    """Processes of the batch (``keys``) that reach themselves through call activities, or
    whose chain of calls is deeper than the engine allows. ``calls_of``: the processes a
    process calls (from the batch, else its current version)."""
    problems: list[engine.Problem] = []
    for key in sorted(keys):
        cycle, deepest = _walk(key, calls_of)
        if cycle:
            problems.append(engine.Problem(key, engine.Message(
                "the process calls itself (%(path)s); a call cycle never ends",
                path=" → ".join(cycle))))
        elif deepest > engine.MAX_CALL_DEPTH:
            problems.append(engine.Problem(key, engine.Message(
                "calls nest %(depth)s levels deep; at most %(max)s are allowed",
                depth=deepest, max=engine.MAX_CALL_DEPTH)))
    return problems


def _walk(start: str, calls_of: Callable[[str], Collection[str]]) -> tuple[list[str], int]:
    """A call path from ``start`` back to itself (empty if none), and the deepest chain."""
    deepest = 0
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        key, path = stack.pop()
        deepest = max(deepest, len(path) - 1)
        if deepest > engine.MAX_CALL_DEPTH:
            return [], deepest
        for called in sorted(set(calls_of(key))):
            if called == start:
                return [*path, called], deepest
            if called not in path:
                stack.append((called, [*path, called]))
    return [], deepest


# General refusals that an earlier, more specific problem of the same element already covers.
SAID_BEFORE = frozenset(engine.LIBRARY_TEMPLATES | {
    "the step has no form: choose a form or give it its own fields",
})


def without_repeats(problems: list[engine.Problem]) -> list[engine.Problem]:
    """Each problem once: not the same text twice for an element, and not the engine library's
    own refusal of an element whose earlier problem already says what to do (those come
    first: a diagram from another tool is checked before the engine parses it)."""
    seen: set[tuple[str, str]] = set()
    explained: set[str] = set()
    kept = []
    for problem in problems:
        key = (problem.element_id, str(problem.message))
        template = getattr(problem.message, "template", "")
        if key in seen or (problem.element_id in explained and template in SAID_BEFORE):
            continue
        seen.add(key)
        if problem.element_id:
            explained.add(problem.element_id)
        kept.append(problem)
    return kept
