"""What a diagram drawn in another tool (Camunda Modeler, Signavio, bpmn.io) needs to run here.

Such a diagram opens in the editor as it is; the check then says, per element and in the
reader's language, what to change: Camunda's ``${…}`` and FEEL conditions (with the way to
write them here), Java classes and external workers, Groovy scripts, Camunda forms and
candidate groups, message and signal events, manual tasks, data stores, a process that is not
marked executable. These are read from the XML before the engine parses it, so all of them are
listed at once, not only the first the engine trips on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from . import expressions
from .messages import Message
from .problems import Problem

NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
SIMPUL = "{https://simpul.id/schema/bpmn/1.0}"
_EVENTS_FROM_OUTSIDE = {
    "messageEventDefinition": Message("message"), "signalEventDefinition": Message("signal"),
    "conditionalEventDefinition": Message("condition"),
    "escalationEventDefinition": Message("escalation"),
    "compensateEventDefinition": Message("compensation"),
}
_JUEL_WORDS = {r"\beq\b": "==", r"\bne\b": "!=", r"\blt\b": "<", r"\bgt\b": ">",
               r"\ble\b": "<=", r"\bge\b": ">=", r"\bnull\b": "None", r"\btrue\b": "True",
               r"\bfalse\b": "False"}


def compatibility_problems(root: Any, filename: str = "") -> list[Problem]:
    """Everything in a BPMN file that Simpul cannot run as it is, each with what to do."""
    problems: list[Problem] = []
    processes = root.findall(f"{NS}process")
    if not processes:
        problems.append(Problem("", Message("the diagram holds no process"), file=filename))
    elif not any(p.get("isExecutable") == "true" for p in processes):
        first = processes[0]
        problems.append(Problem(first.get("id", ""), Message(
            "the process is not marked executable (tools such as Signavio draw documentation "
            "only); tick “Executable” in the properties panel"), first.get("name", ""),
            filename))
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(NS):
            problems.extend(_element_problems(element, filename))
    return problems


def _local(element: Any) -> str:
    return str(element.tag).removeprefix(NS)


def _problem(element: Any, message: Message, filename: str) -> Problem:
    return Problem(element.get("id", ""), message, element.get("name", "") or "", filename)


def _element_problems(element: Any, filename: str) -> Iterator[Problem]:
    kind = _local(element)
    if kind == "conditionExpression":
        flow = element.getparent()
        hint = condition_hint(element.text or "")
        if hint is not None:
            yield _problem(flow, hint, filename)
    elif kind == "sequenceFlow":
        yield from _missing_condition(element, filename)
    elif kind == "scriptTask":
        language = (element.get("scriptFormat") or "python").strip().lower()
        if language not in ("python", "py", ""):
            yield _problem(element, Message(
                "scripts in %(language)s do not run here; write assignments, one per line: "
                "name = expression", language=language), filename)
        if element.get(f"{CAMUNDA}resource"):
            yield _problem(element, Message(
                "a script kept in another file cannot run here; write it in the step"),
                filename)
    elif kind in ("serviceTask", "sendTask"):
        yield from _service_problems(element, filename)
    elif kind == "userTask":
        yield from _user_task_problems(element, filename)
    elif kind == "businessRuleTask":
        yield from _decision_problems(element, filename)
    elif kind == "task":
        yield _problem(element, Message(
            "a task without a type is passed over at once here; make it a user task (work for "
            "a person), a script task or a service task"), filename)
    elif kind == "manualTask":
        yield _problem(element, Message(
            "a manual task waits for nobody here; make it a user task (its form may be a "
            "simple confirmation)"), filename)
    elif kind == "receiveTask":
        yield _problem(element, Message(
            "nothing sends messages into a Simpul program; use a user task where a person "
            "records what arrived"), filename)
    elif kind == "complexGateway":
        yield _problem(element, Message(
            "complex gateways cannot run here; use exclusive, parallel or inclusive ones"),
            filename)
    elif kind in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
        yield from _event_problems(element, kind, filename)  # a thrown one just does nothing
    elif kind in ("dataInputAssociation", "dataOutputAssociation"):
        yield from _data_problems(element, filename)


def _missing_condition(flow: Any, filename: str) -> Iterator[Problem]:
    """A flow out of an exclusive or inclusive gateway with no condition and not the default
    (Signavio writes the condition as the flow's name only)."""
    if flow.find(f"{NS}conditionExpression") is not None:
        return
    source = flow.getparent().find(f"*[@id='{flow.get('sourceRef')}']")
    if source is None or _local(source) not in ("exclusiveGateway", "inclusiveGateway"):
        return
    outgoing = [f for f in flow.getparent().findall(f"{NS}sequenceFlow")
                if f.get("sourceRef") == source.get("id")]
    if len(outgoing) > 1 and source.get("default") != flow.get("id"):
        yield _problem(flow, Message(
            "a path out of the gateway “%(gateway)s” has no condition; write one (for example "
            "decision == \"approve\") or make it the gateway's default path",
            gateway=source.get("name") or source.get("id", "")), filename)


def condition_hint(text: str) -> Message | None:
    """For a condition in another engine's language: how to write it here (None if it is
    ours already, or a plain syntax slip the expression check reports)."""
    stripped = text.strip()
    if not stripped:
        return None
    juel = re.fullmatch(r"[$#]\{(.*)\}", stripped, re.S)
    if juel:
        suggestion = _suggest(juel_to_python(juel.group(1)))
        if suggestion:
            return Message("Camunda's ${…} expressions do not run here; write the condition "
                           "without ${ }, for example: %(python)s", python=suggestion)
        return Message("Camunda's ${…} expressions do not run here; write the condition "
                       "without ${ } using and, or, not and == (for example: amount > 1000)")
    if stripped.startswith("="):  # Camunda 8 writes FEEL after an equals sign
        body = re.sub(r"(?<![<>!=])=(?!=)", "==", stripped[1:])
        for word, value in ((r"\btrue\b", "True"), (r"\bfalse\b", "False"),
                            (r"\bnull\b", "None")):
            body = re.sub(word, value, body)
        suggestion = _suggest(" ".join(body.replace("not(", "not (").split()))
        if suggestion:
            return Message("FEEL expressions (=…) do not run here; write, for example: "
                           "%(python)s", python=suggestion)
        return Message("FEEL expressions (=…) do not run here; write the condition with and, "
                       "or, not and == (for example: amount > 1000)")
    return None


def juel_to_python(body: str) -> str:
    """Camunda 7's JUEL condition written in Simpul's language, as far as it maps."""
    text = body.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    for word, symbol in _JUEL_WORDS.items():
        text = re.sub(word, symbol, text)
    text = re.sub(r"\bempty\s+(\w+)", r"not \1", text)
    return " ".join(text.split())


def _suggest(text: str) -> str | None:
    try:
        expressions.parse_expression(text)
    except expressions.UnsafeExpression:
        return None
    return text


def _service_problems(element: Any, filename: str) -> Iterator[Problem]:
    for attribute, what in (("class", Message("a Java class")),
                            ("delegateExpression", Message("a Java bean")),
                            ("expression", Message("a Java expression")),
                            ("topic", Message("an external worker"))):
        if element.get(f"{CAMUNDA}{attribute}"):
            yield _problem(element, Message(
                "%(what)s cannot run here; choose one of Simpul's registered operations "
                "for this service task", what=what), filename)
            return
    if element.find(f".//{ZEEBE}taskDefinition") is not None:
        yield _problem(element, Message(
            "an external worker cannot run here; choose one of Simpul's registered "
            "operations for this service task"), filename)


def _user_task_problems(element: Any, filename: str) -> Iterator[Problem]:
    zeebe_form = element.find(f".//{ZEEBE}formDefinition")
    form = element.get(f"{CAMUNDA}formKey") or element.get(f"{CAMUNDA}formRef") or (
        zeebe_form.get("formKey") or zeebe_form.get("formId") or "?"
        if zeebe_form is not None else None)
    has_own = element.find(f".//{SPIFF}property[@name='formKey']") is not None or \
        element.find(f".//{SIMPUL}fields") is not None
    if form and not has_own:
        yield _problem(element, Message(
            "the Camunda form “%(form)s” cannot be shown here; in the Simpul panel choose a "
            "form or give the step its own fields", form=form), filename)
    elif not has_own:  # the same words as the engine's own check, so it is said once
        yield _problem(element, Message(
            "the step has no form: choose a form or give it its own fields"), filename)
    zeebe_people = element.find(f".//{ZEEBE}assignmentDefinition")
    groups = element.get(f"{CAMUNDA}candidateGroups") or element.get(f"{CAMUNDA}assignee") or (
        zeebe_people.get("candidateGroups") or zeebe_people.get("assignee")
        if zeebe_people is not None else None)
    if groups:
        yield _problem(element, Message(
            "“%(who)s” (Camunda's candidate groups or assignee) does not decide who does the "
            "step here; the lane it is drawn in does", who=groups), filename)
    if not _in_a_lane(element):  # the same words as the engine's own check, said once
        yield _problem(element, Message(
            "the step is in no lane, so it belongs to no group: draw it in a lane named after a "
            "Simpul group (for example Koordinator)"), filename)


def _in_a_lane(element: Any) -> bool:
    identifier = element.get("id", "")
    return any((ref.text or "").strip() == identifier
               for ref in element.getroottree().iter(f"{NS}flowNodeRef"))


def _decision_problems(element: Any, filename: str) -> Iterator[Problem]:
    reference = element.get(f"{CAMUNDA}decisionRef")
    has_own = element.find(f".//{SPIFF}calledDecisionId") is not None
    if reference and not has_own:
        yield _problem(element, Message(
            "name the decision table in the Simpul panel (Decision table id): %(ref)s",
            ref=reference), filename)
    elif not has_own:
        yield _problem(element, Message(
            "the decision task names no decision table; give its id in the Simpul panel"),
            filename)


def _event_problems(element: Any, kind: str, filename: str) -> Iterator[Problem]:
    for child in element:
        name = _local(child) if isinstance(child.tag, str) else ""
        if name in _EVENTS_FROM_OUTSIDE:
            yield _problem(element, Message(
                "a %(what)s event cannot reach a Simpul program; use a user task or a timer "
                "instead", what=_EVENTS_FROM_OUTSIDE[name]), filename)
        if kind == "startEvent" and name == "timerEventDefinition":
            yield _problem(element, Message(
                "a program starts when a person starts it; a timer cannot start it"), filename)


def _data_problems(element: Any, filename: str) -> Iterator[Problem]:
    """Associations with data stores (DTKS, a database): the engine has nothing behind them."""
    process = element.getparent().getparent()
    refs = [r.text for r in element.findall(f"{NS}sourceRef")] + \
        [r.text for r in element.findall(f"{NS}targetRef")]
    for ref in refs:
        target = process.find(f".//*[@id='{ref}']") if ref else None
        if target is not None and _local(target) == "dataStoreReference":
            task = element.getparent()
            yield Problem(task.get("id", ""), Message(
                "the data store “%(store)s” is not connected to anything in Simpul; remove "
                "the association (the data store may stay in the picture)",
                store=target.get("name") or target.get("id", "")), task.get("name", "") or "",
                filename)
            return


# The engine library's own (English) refusals, said the way Simpul says things:
# (pattern, our template, the names of the pattern's groups the template uses).
_LIBRARY: list[tuple[str, str, tuple[str, ...]]] = [
    (r"Cannot resolve data(?:Input|Output)Association",
     "a data association of this step cannot be followed; remove it (Simpul passes the data "
     "between steps by itself)", ()),
    (r"Data Store with name (?P<store>.+?) has no implementation",
     "the data store “%(store)s” is not connected to anything in Simpul; remove it or its "
     "associations", ("store",)),
    (r"Data Store (?:identifier|name) is missing",
     "the data store is not connected to anything in Simpul; remove it or its associations", ()),
    (r"No start event found", "the process has no start event", ()),
    (r"Process (?P<id>\S+) is not executable",
     "the process %(id)s is not marked executable; tick “Executable” in the properties panel",
     ("id",)),
    (r"There is no support implemented for this task type",
     "this kind of element cannot run here", ()),
    (r"Time Specification Error|Unknown Time Specification",
     "the timer's time cannot be read; write an ISO 8601 duration such as P3D or PT2H", ()),
    (r"SubWorkflow Must contain an End event", "a subprocess needs an end event", ()),
    (r"Exactly one start event is required", "a subprocess needs exactly one start event", ()),
    (r"Non-default exclusive outgoing sequence flow without condition",
     "a path out of a gateway has no condition; write one or make it the gateway's default "
     "path", ()),
    (r"Conditional event definition with missing condition",
     "the conditional event has no condition", ()),
    (r"Duplicate process ID: (?P<id>\S+)", "the process id %(id)s appears twice", ("id",)),
    (r"A Service Task must have an operator",
     "the service task names no operation; choose one of Simpul's registered operations", ()),
    (r"No Script Provided", "the script task has no script", ()),
    (r"(?:Message|Signal|Error|Escalation|Correlation) identifier is missing|"
     r"Could not find messageRef", "the event does not name what it waits for or sends", ()),
    (r'No DMN Diagram available with id "(?P<id>.+?)"',
     "the decision table %(id)s is not deployed", ("id",)),
    (r"Element '\{[^}]*\}(?P<tag>\w+)'.*not expected",
     "the element %(tag)s is out of place for the BPMN 2.0 standard", ("tag",)),
    (r"Element '\{[^}]*\}(?P<tag>\w+)'",
     "the element %(tag)s does not follow the BPMN 2.0 standard", ("tag",)),
]
UNREADABLE = "the engine cannot read this element"
LIBRARY_TEMPLATES = frozenset({template for _p, template, _g in _LIBRARY} | {UNREADABLE})


def library_message(text: str) -> Message:
    """The engine library's English refusal as a translatable Message; never its text or a
    Python object's (``<Element … at 0x…>``)."""
    for pattern, template, groups in _LIBRARY:
        match = re.search(pattern, text, re.S)
        if match:
            return Message(template, **{g: match.group(g) for g in groups})
    return Message(UNREADABLE)


# Marked for the translators (pybabel reads Message(...) calls; the table above is data).
_ = (
    Message("a data association of this step cannot be followed; remove it (Simpul passes the "
            "data between steps by itself)"),
    Message("the data store “%(store)s” is not connected to anything in Simpul; remove it or "
            "its associations"),
    Message("the data store is not connected to anything in Simpul; remove it or its "
            "associations"),
    Message("the process has no start event"),
    Message("the process %(id)s is not marked executable; tick “Executable” in the properties "
            "panel"),
    Message("this kind of element cannot run here"),
    Message("the timer's time cannot be read; write an ISO 8601 duration such as P3D or PT2H"),
    Message("a subprocess needs an end event"),
    Message("a subprocess needs exactly one start event"),
    Message("a path out of a gateway has no condition; write one or make it the gateway's "
            "default path"),
    Message("the conditional event has no condition"),
    Message("the process id %(id)s appears twice"),
    Message("the service task names no operation; choose one of Simpul's registered "
            "operations"),
    Message("the script task has no script"),
    Message("the event does not name what it waits for or sends"),
    Message("the decision table %(id)s is not deployed"),
    Message("the element %(tag)s is out of place for the BPMN 2.0 standard"),
    Message("the element %(tag)s does not follow the BPMN 2.0 standard"),
    Message("the engine cannot read this element"),
)
