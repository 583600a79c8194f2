"""Decision tables (DMN): checked the same way whether they arrive alone or with a process.

Cells are Simpul's safe expression language (Python-like), not FEEL; SpiffWorkflow runs the
first matching rule (UNIQUE, FIRST, ANY) or all of them (COLLECT without aggregation). A table
made in Camunda Modeler is told, cell by cell, how to write what it says here.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import (  # type: ignore[import-untyped]
    ValidationException,
)
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser  # type: ignore[import-untyped]
from SpiffWorkflow.exceptions import SpiffWorkflowException  # type: ignore[import-untyped]

from . import expressions
from .messages import Message
from .problems import Problem
from .xmlsafety import UnsafeXml, parse_xml

# Hit policies SpiffWorkflow runs as the DMN standard means them.
HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")
_FEEL_RANGE = re.compile(r"^\s*([\[\]\(])\s*([^.]+?)\s*\.\.\s*([^\]\)\[]+?)\s*([\]\)\[])\s*$")


def short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_problems(table: Any, name: str, filename: str = "",
                   element: Any = None) -> list[Problem]:
    """Every problem of a parsed decision table (SpiffWorkflow's DecisionTable)."""
    label = table.name or name
    problems: list[Problem] = []
    policy = (table.hit_policy or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        problems.append(Problem(table.id, Message(
            "hit policy %(policy)s cannot run here; use UNIQUE, FIRST or COLLECT",
            policy=policy), label, filename))
    if element is not None and element.get("aggregation"):
        problems.append(Problem(table.id, Message(
            "COLLECT with %(what)s cannot run here; collect the values and add them up in a "
            "script after the decision", what=element.get("aggregation")), label, filename))
    for column in table.inputs:
        if column.expression:
            try:
                expressions.parse_expression(column.expression)
            except expressions.UnsafeExpression as err:
                problems.append(Problem(table.id, Message(
                    "input '%(text)s': %(reason)s", text=short(column.expression),
                    reason=_with_hint(column.expression, err.message)), label, filename))
    for rule in table.rules:
        for entry in rule.inputEntries:
            for cell in entry.lhs:
                if cell is not None and not cell_is_safe(cell):
                    problems.append(Problem(rule.id, Message(
                        "rule %(row)s: input cell '%(text)s' is outside the safe language",
                        row=rule.row_number, text=short(cell)), label, filename)
                        if feel_hint(cell) is None else Problem(rule.id, Message(
                            "rule %(row)s: input cell '%(text)s': %(hint)s",
                            row=rule.row_number, text=short(cell), hint=feel_hint(cell)),
                            label, filename))
        for out in rule.outputEntries:
            if out.text:
                try:
                    expressions.parse_expression(out.text)
                except expressions.UnsafeExpression as err:
                    problems.append(Problem(rule.id, Message(
                        "rule %(row)s: output '%(text)s': %(reason)s", row=rule.row_number,
                        text=short(out.text), reason=_with_hint(out.text, err.message)),
                        label, filename))
    return problems


def cell_is_safe(cell: str) -> bool:
    """An input cell in the safe language: a value, or a test such as ``>= 18``."""
    if feel_hint(cell) is not None:
        return False
    text = re.sub(r"\?", "dmninputexpr", cell)
    for candidate in (text, f"v {text}"):
        try:
            expressions.parse_expression(candidate)
            return True
        except expressions.UnsafeExpression:
            continue
    return False


def feel_hint(text: str) -> Message | None:
    """How to write a FEEL idiom (Camunda's decision language) in Simpul's, if it is one."""
    stripped = text.strip()
    match = _FEEL_RANGE.match(stripped)
    if match:
        opening, low, high, closing = match.groups()
        left = "<=" if opening == "[" else "<"
        right = "<=" if closing == "]" else "<"
        written = " ".join((low, left, "?", right, high))
        return Message("this is FEEL; write the range as %(python)s", python=written)
    if stripped.startswith("not(") and stripped.endswith(")"):
        written = "? not in (" + stripped[4:-1] + ")"
        return Message("this is FEEL; write 'not' as %(python)s", python=written)
    if re.fullmatch(r'\s*"[^"]*"(\s*,\s*"[^"]*")+\s*', stripped):
        written = "? in (" + stripped + ")"
        return Message("this is FEEL; write a choice of values as %(python)s", python=written)
    if re.search(r"\b(date and time|date|time|duration)\(", stripped):
        return Message("FEEL dates are not available; compare ISO dates as text, for example "
                       "? >= \"2026-01-01\"")
    return None


def _with_hint(text: str, reason: Message) -> Message:
    hint = feel_hint(text)
    return hint if hint is not None else reason


def decision_problems(xml: bytes, filename: str = "") -> list[Problem]:
    """Every problem of a DMN file on its own (not yet used by any process)."""
    try:
        root = parse_xml(xml)
    except UnsafeXml as err:
        return [Problem("", err.message, file=filename)]
    parser = BpmnDmnParser()
    try:
        parser.add_dmn_xml(root, filename=filename)
    except (ValidationException, SpiffWorkflowException, etree.LxmlError, KeyError) as err:
        return [Problem("", Message("the decision table cannot be read: %(reason)s",
                                    reason=short(str(err), 200)), file=filename)]
    problems: list[Problem] = []
    namespace = etree.QName(root).namespace or ""
    for decision in root.findall(f"{{{namespace}}}decision"):
        tables = decision.findall(f"{{{namespace}}}decisionTable")
        if not tables:
            problems.append(Problem(decision.get("id", ""), Message(
                "the decision has no decision table (literal expressions and requirement "
                "graphs cannot run here)"), decision.get("name", ""), filename))
    if len(root.findall(f"{{{namespace}}}decision")) > 1:
        problems.append(Problem("", Message(
            "the file holds several decisions; keep one decision table per file"),
            file=filename))
    if problems:
        return problems
    for decision_id, dmn_parser in parser.dmn_parsers.items():
        try:
            dmn_parser.parse()
        except (ValidationException, SpiffWorkflowException, KeyError, SyntaxError) as err:
            problems.append(Problem(decision_id, Message(
                "the decision table cannot be read: %(reason)s", reason=short(str(err), 200)),
                file=filename))
            continue
        element = root.find(f".//{{{namespace}}}decisionTable")
        for table in dmn_parser.decision.decisionTables:
            problems.extend(table_problems(table, dmn_parser.get_name() or decision_id,
                                           filename, element))
    return problems
