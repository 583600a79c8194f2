"""Workflow state as JSON with the spec stored by reference, not embedded."""

from __future__ import annotations

import contextvars
import datetime as dt
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.serializer.default.workflow import (  # type: ignore[import-untyped]
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry  # type: ignore[import-untyped]
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # type: ignore[import-untyped]

from .parsing import ParsedDefinition

_current_definition: contextvars.ContextVar[ParsedDefinition] = contextvars.ContextVar(
    "simpul_definition"
)


class ReferencedSpecConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Leaves the spec out of the state; takes it from the cached definition on restore."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        definition = _current_definition.get()
        workflow = self.target_class(
            definition.spec, definition.subprocess_specs, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


def _make_serializer() -> Any:
    registry = DefaultRegistry()
    registry.register(
        dt.date, lambda v: {"value": v.isoformat()}, lambda v: dt.date.fromisoformat(v["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = ReferencedSpecConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, registry))


SERIALIZER = _make_serializer()


def dump_state(workflow: Any) -> str:
    """Serialize a workflow's state to JSON (without its spec)."""
    return str(SERIALIZER.serialize_json(workflow))


def load_state(definition: ParsedDefinition, state: str) -> Any:
    """Restore a workflow from JSON state against its parsed definition."""
    token = _current_definition.set(definition)
    try:
        return SERIALIZER.deserialize_json(state)
    finally:
        _current_definition.reset(token)
