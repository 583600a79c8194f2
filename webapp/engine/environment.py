"""SpiffWorkflow script environment backed by Simpul's safe expression language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.script_engine.python_environment import (  # type: ignore[import-untyped]
    BasePythonScriptEngineEnvironment,
)

from . import expressions
from .timers import iso_literal

# Service operations a diagram may call, registered in code after review.
SERVICE_OPERATIONS: dict[str, Callable[..., Any]] = {}


def register_operation(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a reviewed side-effect operation that service tasks may name."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        SERVICE_OPERATIONS[name] = func
        return func

    return decorator


class SafeEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Evaluates with simpleeval on allow-listed syntax; never calls eval or exec."""

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if iso_literal(expression):  # a timer written the Camunda way: PT2H, not "PT2H"
            return expression.strip()
        names = dict(external_context or {})
        names.update(context)
        return expressions.evaluate(expression, names)

    def execute(
        self,
        script: str,
        context: MutableMapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        expressions.execute(script, context)
        return True

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        name = kwargs.get("operation_name", "")
        operation = SERVICE_OPERATIONS.get(name)
        if operation is None:
            raise ValueError(f"service operation '{name}' is not registered")
        params = kwargs.get("operation_params") or {}
        return operation(dict(context), **params)


class SafeScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Script engine whose syntax check is the safe language, not Python's."""

    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        try:
            expressions.parse_expression(expression)
        except expressions.UnsafeExpression as err:
            # The DMN engine probes "v <cell>" on SyntaxError; keep that contract.
            raise SyntaxError(str(err)) from None


SCRIPT_ENGINE = SafeScriptEngine()
