"""Small BPMN diagrams written in a line or two, for tests of odd shapes."""

from __future__ import annotations

import re

from webapp import engine

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'id="Defs_{pid}" targetNamespace="http://bpmn.io/schema/bpmn">\n')
_NODE = re.compile(r'<bpmn:(?!sequenceFlow|timerEventDefinition|multiInstance|standardLoop)'
                   r'(\w+) id="([^"]+)"')


def user(node_id: str, name: str = "", extra: str = "") -> str:
    """A user task with the note form (``extra``: more XML inside, e.g. a multi-instance)."""
    return (f'<bpmn:userTask id="{node_id}" name="{name or node_id}"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formKey" value="note"/>'
            f'</spiffworkflow:properties></bpmn:extensionElements>{extra}</bpmn:userTask>')


def script(node_id: str, text: str) -> str:
    return f'<bpmn:scriptTask id="{node_id}" name="{node_id}"><bpmn:script>{text}</bpmn:script>' \
           '</bpmn:scriptTask>'


def flows(*pairs: tuple[str, ...]) -> str:
    """Sequence flows (source, target) or (source, target, condition)."""
    parts = []
    for number, pair in enumerate(pairs):
        source, target = pair[0], pair[1]
        condition = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{pair[2]}'
                     '</bpmn:conditionExpression>') if len(pair) > 2 else ""
        parts.append(f'<bpmn:sequenceFlow id="f{number}" sourceRef="{source}" '
                     f'targetRef="{target}">{condition}</bpmn:sequenceFlow>')
    return "".join(parts)


def process(pid: str, body: str, lane: str = "Koordinator") -> str:
    """A whole BPMN file: one executable process, every node in one lane."""
    nodes = [node_id for kind, node_id in _NODE.findall(body)
             if kind not in ("laneSet", "lane", "process")]
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    return (HEAD.format(pid=pid) +
            f'<bpmn:process id="{pid}" name="{pid}" isExecutable="true">'
            f'<bpmn:laneSet id="ls_{pid}"><bpmn:lane id="lane_{pid}" name="{lane}">{refs}'
            f'</bpmn:lane></bpmn:laneSet>{body}</bpmn:process></bpmn:definitions>')


def source(text: str, name: str = "") -> engine.SourceFile:
    pid = re.search(r'<bpmn:process id="([^"]+)"', text)
    return engine.SourceFile(name or f"{pid.group(1) if pid else 'diagram'}.bpmn", text.encode())
