"""Parse and validate BPMN/DMN definitions into specs the engine can run."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.parser.ValidationException import (  # type: ignore[import-untyped]
    ValidationException,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException  # type: ignore[import-untyped]
from SpiffWorkflow.spiff.parser.process import VALIDATOR  # type: ignore[import-untyped]
from SpiffWorkflow.spiff.specs.defaults import (  # type: ignore[import-untyped]
    BusinessRuleTask,
    ServiceTask,
    UserTask,
)

from . import decisions, expressions
from .compat import condition_hint, library_message
from .environment import SERVICE_OPERATIONS
from .fieldlists import FieldSpec, read_field_lists
from .limits import SimpulParser
from .messages import Message
from .problems import DefinitionInvalid, Problem
from .timers import iso_literal
from .xmlsafety import UnsafeXml, parse_xml

LOG = logging.getLogger(__name__)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)


@dataclass(frozen=True)
class SourceFile:
    """One diagram file: a BPMN process file or a DMN decision file."""

    filename: str
    xml: bytes


@dataclass(frozen=True)
class FileInfo:
    """What a diagram file declares: its kind and the ids it defines and needs."""

    kind: str  # "bpmn" or "dmn"
    ids: tuple[str, ...]
    name: str
    decision_refs: tuple[str, ...] = ()
    called_processes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task of a process, as the inbox and forms need it."""

    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    phase: str | None
    fields: tuple[FieldSpec, ...] = ()  # the step's own form, when it has no form key
    due: str | None = None  # "dueIn": ISO 8601 duration or date, or an expression giving one
    # "separateFrom": steps whose last author may not do this one (who submits does not approve)
    separate_from: tuple[str, ...] = ()
    # "label": an expression on the task data added to the step's name ("Tahap 2 dari 4")
    label: str | None = None


@dataclass
class ParsedDefinition:
    """A parsed, validated process ready to start instances."""

    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    lanes: frozenset[str] = frozenset()


def inspect_file(source: SourceFile) -> FileInfo:
    """Tell a BPMN file from a DMN file and list the ids it declares."""
    try:
        root = parse_xml(source.xml)
    except UnsafeXml as err:
        raise DefinitionInvalid([Problem("", err.message, file=source.filename)]) from None
    namespace = etree.QName(root).namespace or ""
    if namespace == BPMN_NS:
        processes = root.findall(f"{{{BPMN_NS}}}process")
        ids = tuple(p.get("id", "") for p in processes if p.get("isExecutable") != "false")
        name = processes[0].get("name", "") if processes else ""
        refs = tuple(el.text.strip() for el in root.iter("{*}calledDecisionId")
                     if el.text and el.text.strip())
        called = tuple(el.get("calledElement", "")
                       for el in root.iter(f"{{{BPMN_NS}}}callActivity"))
        return FileInfo("bpmn", ids, name, refs, called)
    if namespace in DMN_NAMESPACES:
        decisions = root.findall(f"{{{namespace}}}decision")
        return FileInfo(
            "dmn", tuple(d.get("id", "") for d in decisions), root.get("name", "") or ""
        )
    raise DefinitionInvalid(
        [Problem("", Message("the file is neither a BPMN nor a DMN diagram"),
                 file=source.filename)]
    )


def parse_definition(
    main: SourceFile,
    supporting: Collection[SourceFile] = (),
    process_id: str | None = None,
    form_keys: Collection[str] | None = None,
    groups: Collection[str] | None = None,
) -> ParsedDefinition:
    """Parse a process with the DMN and BPMN files it uses; raise DefinitionInvalid."""
    parser = SimpulParser(validator=VALIDATOR)
    problems: list[Problem] = []
    main_root = _load(parser, main, problems)
    roots = [(main_root, main.filename)]
    for extra in supporting:
        roots.append((_load(parser, extra, problems), extra.filename))
    if main_root is None or problems:
        raise DefinitionInvalid(problems)
    problems.extend(_check_flows(main_root, main.filename))
    field_lists: dict[str, tuple[FieldSpec, ...]] = {}
    for root, filename in roots:
        if root is not None and etree.QName(root).namespace == BPMN_NS:
            found, field_problems = read_field_lists(root, filename)
            field_lists.update(found)
            if root is main_root:
                problems.extend(field_problems)
    if process_id is None:
        ids = inspect_file(main).ids
        if not ids:
            raise DefinitionInvalid([Problem("", Message("the diagram has no executable process"),
                                             file=main.filename)])
        process_id = ids[0]
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        problems.append(_problem_from(err, main.filename))
        raise DefinitionInvalid(problems) from None
    except SpiffWorkflowException as err:
        problems.append(_problem_from(err, main.filename))
        raise DefinitionInvalid(problems) from None
    lanes = frozenset(_lane_names(main_root))
    if groups is not None:
        for lane in sorted(lanes - set(groups)):
            problems.append(Problem("", Message("lane '%(lane)s' has no group of the same name",
                                                lane=lane)))
    definition = ParsedDefinition(process_id, spec.description or process_id, spec,
                                  subprocess_specs, lanes=lanes)
    for task_spec in _all_task_specs(definition):
        problems.extend(_check_task_spec(task_spec, form_keys, definition, field_lists))
    for info in definition.user_tasks.values():
        for other in info.separate_from:
            if other not in definition.user_tasks:
                problems.append(Problem(info.bpmn_id, Message(
                    "separateFrom names '%(id)s', which is not a user task of this process",
                    id=other), info.name))
    if not problems:
        problems.extend(_startable(definition))
    if problems:
        raise DefinitionInvalid(problems)
    return definition


def _startable(definition: ParsedDefinition) -> list[Problem]:
    """The engine can lay out a new instance (it unrolls paths ahead; a loop joined without a
    gateway unrolls without end)."""
    try:
        BpmnWorkflow(definition.spec, definition.subprocess_specs)
    except RecursionError:
        return [Problem("", Message(
            "a loop joins a path without a gateway, so the process can never be laid out; "
            "join the loop with an exclusive gateway"))]
    except (SpiffWorkflowException, ValueError, KeyError, TypeError) as err:
        return [Problem("", Message("the process cannot be started: %(reason)s",
                                    reason=library_message(str(err))))]
    return []


def _load(parser: Any, source: SourceFile, problems: list[Problem]) -> Any:
    try:
        root = parse_xml(source.xml)
        if etree.QName(root).namespace == BPMN_NS:
            parser.add_bpmn_xml(root, filename=source.filename)
        else:
            parser.add_dmn_xml(root, filename=source.filename)
        return root
    except UnsafeXml as err:
        problems.append(Problem("", err.message, file=source.filename))
    except ValidationException as err:
        problems.append(_problem_from(err, source.filename))
    except (SpiffWorkflowException, etree.LxmlError) as err:
        problems.append(_problem_from(err, source.filename))
    return None


def _problem_from(err: Any, filename: str) -> Problem:
    """The library's refusal, said our way (its English text only goes to the log)."""
    text = str(err.args[0]) if err.args else str(err)
    LOG.info("engine refused %s: %s", filename, text)
    message = library_message(text)
    line = getattr(err, "line_number", "")
    if line and not getattr(err, "id", ""):
        message = Message("line %(line)s: %(reason)s", line=line, reason=message)
    return Problem(getattr(err, "id", "") or "", message, getattr(err, "name", "") or "", filename)


def _lane_names(root: Any) -> Iterator[str]:
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        yield lane.get("name") or lane.get("id", "")


def _check_flows(root: Any, filename: str) -> list[Problem]:
    """Dangling flows, and every flow condition inside the safe expression language."""
    problems = []
    for process in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
        ids = {el.get("id") for el in process.iter() if el.get("id")}
        for flow in process.findall(f"{{{BPMN_NS}}}sequenceFlow"):
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in ids:
                    problems.append(Problem(flow.get("id", ""), Message(
                        "the flow's %(end)s does not point to an element", end=end),
                        flow.get("name", ""), filename))
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            text = (condition.text or "").strip() if condition is not None else ""
            if text and condition_hint(text) is None:  # another engine's: compat says how
                try:
                    expressions.parse_expression(text)
                except expressions.UnsafeExpression as err:
                    problems.append(Problem(flow.get("id", ""), Message(
                        "expression '%(text)s' refused: %(reason)s", text=_short(text),
                        reason=err.message), flow.get("name", ""), filename))
    return problems


def _all_task_specs(definition: ParsedDefinition) -> Iterator[Any]:
    for spec in [definition.spec, *definition.subprocess_specs.values()]:
        if spec is not None:
            yield from spec.task_specs.values()


def _check_task_spec(
    task_spec: Any, form_keys: Collection[str] | None, definition: ParsedDefinition,
    field_lists: dict[str, tuple[FieldSpec, ...]],
) -> list[Problem]:
    problems: list[Problem] = []
    element_id = getattr(task_spec, "bpmn_id", None) or task_spec.name
    element_name = getattr(task_spec, "bpmn_name", None) or ""

    for text in _expressions_of(task_spec):
        if iso_literal(text):  # a timer's bare ISO 8601 text, as Camunda Modeler writes it
            continue
        try:
            expressions.parse_expression(text)
        except expressions.UnsafeExpression as err:
            problems.append(Problem(element_id, Message(
                "expression '%(text)s' refused: %(reason)s", text=_short(text),
                reason=err.message), element_name))
    for text in _scripts_of(task_spec):
        try:
            expressions.parse_script(text)
        except expressions.UnsafeExpression as err:
            problems.append(Problem(element_id, Message(
                "script '%(text)s' refused: %(reason)s", text=_short(text),
                reason=err.message), element_name))
    if isinstance(task_spec, BusinessRuleTask):
        problems.extend(_check_decision(task_spec, element_name))
    if isinstance(task_spec, ServiceTask) and task_spec.operation_name not in SERVICE_OPERATIONS:
        problems.append(Problem(element_id, Message(
            "service operation '%(name)s' is not registered", name=task_spec.operation_name),
            element_name))
    if isinstance(task_spec, UserTask):
        info = _user_task_info(task_spec, field_lists.get(task_spec.bpmn_id, ()))
        definition.user_tasks[info.bpmn_id] = info
        if form_keys is not None:
            problems.extend(_check_form(info, form_keys, element_id, element_name))
        if info.due and not iso_literal(info.due):
            try:
                expressions.parse_expression(info.due)
            except expressions.UnsafeExpression as err:
                problems.append(Problem(element_id, Message(
                    "due date '%(text)s' refused: %(reason)s", text=_short(info.due),
                    reason=err.message), element_name))
        if info.label:
            try:
                expressions.parse_expression(info.label)
            except expressions.UnsafeExpression as err:
                problems.append(Problem(element_id, Message(
                    "label '%(text)s' refused: %(reason)s", text=_short(info.label),
                    reason=err.message), element_name))
        if info.lane is None and (definition.lanes or form_keys is not None):
            # at deploy: a step outside every lane belongs to no group, so nobody could do it
            problems.append(Problem(element_id, Message(
                "the step is in no lane, so it belongs to no group: draw it in a lane named "
                "after a Simpul group (for example Koordinator)"), element_name))
    return problems


def _check_form(info: UserTaskInfo, form_keys: Collection[str], element_id: str,
                element_name: str) -> list[Problem]:
    """A user task has a registered form or its own field list, not both, not neither."""
    if info.fields and info.form_key:
        return [Problem(element_id, Message(
            "the step has both a form and its own fields; keep one"), element_name)]
    if info.fields:
        return []
    if not info.form_key:
        return [Problem(element_id, Message(
            "the step has no form: choose a form or give it its own fields"), element_name)]
    if info.form_key not in form_keys:
        return [Problem(element_id, Message(
            "form '%(key)s' is not registered", key=info.form_key), element_name)]
    return []


def _user_task_info(task_spec: Any, fields: tuple[FieldSpec, ...]) -> UserTaskInfo:
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    return UserTaskInfo(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        form_key=properties.get("formKey") or None,
        phase=properties.get("phase"),
        fields=fields,
        due=(properties.get("dueIn") or "").strip() or None,
        label=(properties.get("label") or "").strip() or None,
        separate_from=tuple(part.strip() for part in
                            (properties.get("separateFrom") or "").split(",") if part.strip()),
    )


def _expressions_of(task_spec: Any) -> Iterator[str]:
    # Conditions of sequence flows are checked on the XML, to name the flow (_check_flows).
    for attr in ("cardinality", "condition", "completion_condition"):
        value = getattr(task_spec, attr, None)
        if isinstance(value, str) and value.strip():
            yield value
    event = getattr(task_spec, "event_definition", None)
    for definition in [event, *getattr(event, "event_definitions", [])]:
        value = getattr(definition, "expression", None)
        if isinstance(value, str) and value.strip():
            yield value


def _scripts_of(task_spec: Any) -> Iterator[str]:
    for attr in ("script", "prescript", "postscript"):
        value = getattr(task_spec, attr, None)
        if isinstance(value, str) and value.strip():
            yield value


def _check_decision(task_spec: Any, element_name: str) -> list[Problem]:
    return decisions.table_problems(task_spec.dmnEngine.decision_table, element_name)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
