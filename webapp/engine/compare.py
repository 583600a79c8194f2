"""What changed between two versions of a diagram, element by element, as a person reads it.

BPMN: flow nodes, sequence flows and lanes by id; for each, the name, the kind, the condition,
the script, the form (key or own fields), the lane, the decision table, the called process, and
for flows where they lead. DMN: rules by id with their input and output cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .fieldlists import SIMPUL_NS
from .messages import Message
from .parsing import BPMN_NS
from .xmlsafety import parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SKIP = {"laneSet", "extensionElements", "incoming", "outgoing", "conditionExpression", "script",
         "documentation", "flowNodeRef", "text", "textAnnotation", "association"}


@dataclass(frozen=True)
class Change:
    """One element that was added, removed or changed."""

    element_id: str
    kind: str  # the BPMN/DMN tag, e.g. userTask
    name: str
    status: str  # added | removed | changed
    details: tuple[Message, ...] = field(default=())


def _text(element: Any, path: str) -> str:
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _form(element: Any) -> str:
    keys = [p.get("value", "") for p in element.iterfind(
        f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property")
        if p.get("name") == "formKey"]
    fields = element.findall(
        f"{{{BPMN_NS}}}extensionElements/{{{SIMPUL_NS}}}fields/{{{SIMPUL_NS}}}field")
    if fields:
        return ", ".join(
            f"{f.get('label') or f.get('name')} ({f.get('type') or 'text'}"
            f"{', *' if f.get('required') == 'true' else ''}"
            f"{': ' + '/'.join(c.get('value', '') for c in f) if len(f) else ''})"
            for f in fields)
    return keys[0] if keys else ""


def _bpmn_elements(root: Any) -> dict[str, dict[str, str]]:
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id", "")
    elements: dict[str, dict[str, str]] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
        for element in process:
            if not isinstance(element.tag, str):
                continue
            tag = etree.QName(element).localname
            if tag in _SKIP or not element.get("id"):
                continue
            described = {
                "kind": tag, "name": " ".join((element.get("name") or "").split()),
                "lane": lanes.get(element.get("id", ""), ""),
                "condition": _text(element, f"{{{BPMN_NS}}}conditionExpression"),
                "script": _text(element, f"{{{BPMN_NS}}}script"),
                "form": _form(element) if tag == "userTask" else "",
                "decision": _text(element, f"{{{BPMN_NS}}}extensionElements/"
                                           f"{{{SPIFF_NS}}}calledDecisionId"),
                "called": element.get("calledElement", ""),
                "default": element.get("default", ""),
            }
            if tag == "sequenceFlow":
                described["flow"] = f"{element.get('sourceRef')} → {element.get('targetRef')}"
            elements[element.get("id", "")] = described
    return elements


def _dmn_elements(root: Any) -> dict[str, dict[str, str]]:
    elements: dict[str, dict[str, str]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        if tag == "rule":
            cells = [" ".join((c.findtext("{*}text") or "").split())
                     for c in element if etree.QName(c).localname in ("inputEntry", "outputEntry")]
            elements[element.get("id", "")] = {"kind": "rule", "name": "",
                                               "cells": " | ".join(cells)}
        elif tag in ("input", "output"):
            expression = " ".join((element.findtext("{*}inputExpression/{*}text") or "").split())
            elements[element.get("id", "")] = {
                "kind": tag, "name": element.get("label") or element.get("name") or "",
                "expression": expression}
        elif tag == "decisionTable":
            elements[element.get("id", "")] = {"kind": tag, "name": "",
                                               "hit": element.get("hitPolicy", "UNIQUE")}
    return elements


_LABELS = {
    "name": Message("name"), "kind": Message("kind"), "lane": Message("lane"),
    "condition": Message("condition"), "script": Message("script"), "form": Message("form"),
    "decision": Message("decision table"), "called": Message("called process"),
    "default": Message("default flow"), "flow": Message("connects"), "cells": Message("cells"),
    "expression": Message("expression"), "hit": Message("hit policy"),
}


def compare(old_xml: bytes | str, new_xml: bytes | str) -> list[Change]:
    """Elements added, removed and changed from ``old_xml`` to ``new_xml`` (same kind)."""
    old_root, new_root = parse_xml(old_xml), parse_xml(new_xml)
    read = _bpmn_elements if etree.QName(new_root).namespace == BPMN_NS else _dmn_elements
    before, after = read(old_root), read(new_root)
    changes: list[Change] = []
    for element_id, new in after.items():
        old = before.get(element_id)
        if old is None:
            changes.append(Change(element_id, new["kind"], new["name"], "added"))
            continue
        details = tuple(
            Message("%(what)s: “%(old)s” → “%(new)s”", what=_LABELS.get(key, Message(key)),
                    old=old.get(key, "") or "—", new=value or "—")
            for key, value in new.items() if old.get(key, "") != value)
        if details:
            changes.append(Change(element_id, new["kind"], new["name"] or old["name"], "changed",
                                  details))
    for element_id, old in before.items():
        if element_id not in after:
            changes.append(Change(element_id, old["kind"], old["name"], "removed"))
    order = {"added": 0, "changed": 1, "removed": 2}
    return sorted(changes, key=lambda c: (order[c.status], c.kind, c.name, c.element_id))
