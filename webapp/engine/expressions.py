"""The safe expression language of Simpul diagrams.

Gateway conditions, DMN cells, timer texts and scripts are code written by admins and run against
the personal data of poor families. They are checked against a small allow-list of Python syntax
before a diagram is deployed, and evaluated by simpleeval at run time, never by ``eval``/``exec``.
A script is a sequence of assignments ``name = expression``; nothing else (no loops, no imports,
no function definitions) is accepted.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes

from . import bounds
from .bounds import ExpressionFailed
from .messages import Message, MessageError

MAX_EXPRESSION_LENGTH = 2_000
MAX_SCRIPT_LINES = 200


def _today() -> str:
    return dt.date.today().isoformat()


# Functions a diagram may call. Pure, cheap, and unable to reach the interpreter.
SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "bool": bool,
    "float": float,
    "int": int,
    "len": len,
    "max": max,
    "min": min,
    "round": round,
    "str": bounds.as_text,
    "sum": bounds.total,
    "sorted": sorted,
    "any": any,
    "all": all,
    "today": _today,
}
# Methods a diagram may call on task data (strings and dicts).
SAFE_METHODS = frozenset(
    {"get", "keys", "values", "items", "lower", "upper", "strip", "startswith", "endswith"}
)
SAFE_CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Constant,
    ast.Name, ast.Load, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Subscript, ast.Slice,
    ast.Call, ast.Attribute, ast.keyword,
    ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.USub, ast.UAdd, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot,
)


class UnsafeExpression(MessageError):
    """An expression or script uses something outside Simpul's expression language."""


def _describe(node: ast.AST) -> str:
    names = {
        ast.Lambda: "lambda", ast.ListComp: "comprehension", ast.GeneratorExp: "generator",
        ast.DictComp: "comprehension", ast.SetComp: "comprehension", ast.Starred: "*-unpacking",
        ast.NamedExpr: ":= assignment", ast.Await: "await", ast.Yield: "yield",
        ast.JoinedStr: "f-string",
    }
    return names.get(type(node), type(node).__name__)


def _check_node(node: ast.AST, data_names: bool = True) -> None:
    for child in ast.walk(node):
        if not isinstance(child, _ALLOWED_NODES):
            raise UnsafeExpression("'%(what)s' is not allowed", what=_describe(child))
        if isinstance(child, ast.Name) and child.id.startswith("_"):
            raise UnsafeExpression("the name '%(name)s' is not allowed", name=child.id)
        if isinstance(child, ast.Attribute):
            raise_if_bad_attribute(child)
        if isinstance(child, ast.Call):
            func = child.func
            if isinstance(func, ast.Name):
                if func.id not in SAFE_FUNCTIONS:
                    raise UnsafeExpression("the function '%(name)s' is not allowed",
                                           name=func.id)
            elif not (isinstance(func, ast.Attribute) and func.attr in SAFE_METHODS):
                raise UnsafeExpression("only the allowed functions and methods may be called")
        if isinstance(child, ast.Constant) and isinstance(child.value, str | bytes):
            if len(child.value) > MAX_EXPRESSION_LENGTH:
                raise UnsafeExpression("a text constant is too long")
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Pow):
            exponent = child.right
            if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int)
                    and 0 <= exponent.value <= 10):
                raise UnsafeExpression("powers are limited to small constant exponents")


def raise_if_bad_attribute(node: ast.Attribute) -> None:
    """Attributes are only reachable as the allowed methods (``x.get(...)``)."""
    if node.attr.startswith("_") or node.attr not in SAFE_METHODS:
        raise UnsafeExpression("the attribute '%(name)s' is not allowed", name=node.attr)


def syntax_reason(err: SyntaxError) -> Message:
    """Python's own (English) syntax message, said our way."""
    text = (err.msg or "").lower()
    if "never closed" in text or "unexpected eof" in text or "was never closed" in text:
        return Message("a bracket or quote is not closed")
    if "unmatched" in text or "does not match" in text:
        return Message("a closing bracket has no opening one")
    if "unterminated string" in text:
        return Message("a text in quotes is not closed")
    if "perhaps you forgot a comma" in text:
        return Message("two values stand side by side without an operator or comma")
    if "'=' " in text or "maybe you meant '=='" in text or "cannot assign" in text:
        return Message("use == to compare; a single = is not allowed here")
    return Message("it is not written correctly at character %(column)s", column=err.offset or 1)


@functools.lru_cache(maxsize=4096)
def parse_expression(text: str) -> ast.Expression:
    """Parse and check an expression; raise UnsafeExpression with a readable reason."""
    if text is None or not str(text).strip():
        raise UnsafeExpression("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise UnsafeExpression("the expression is too long")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise UnsafeExpression("syntax error: %(reason)s", reason=syntax_reason(err)) from None
    _check_node(tree)
    _compute_constant_parts(tree.body)
    return tree


def _uses_data(node: ast.AST) -> bool:
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    return any(isinstance(n, ast.Name) and n.id not in SAFE_CONSTANTS and id(n) not in called
               for n in ast.walk(node))


def _compute_constant_parts(node: ast.AST) -> None:
    """Compute each part that uses no data now, at the check, not when a program runs: a text
    repeated a billion times or a division by zero is refused before it is deployed."""
    if isinstance(node, ast.Constant | ast.Name | ast.expr_context):
        return
    if isinstance(node, ast.expr) and not _uses_data(node):
        try:
            _eval_tree(ast.Expression(body=node), {}, "")
        except ExpressionFailed as err:
            raise UnsafeExpression("'%(part)s' cannot be computed: %(reason)s",
                                   part=ast.unparse(node)[:80], reason=err.message) from None
        return
    for child in ast.iter_child_nodes(node):
        _compute_constant_parts(child)


@functools.lru_cache(maxsize=1024)
def parse_script(text: str) -> tuple[tuple[str, str | None, ast.Expression], ...]:
    """Parse a script into (target, augmented operator or None, expression) steps."""
    if len(text) > MAX_EXPRESSION_LENGTH * 10:
        raise UnsafeExpression("the script is too long")
    try:
        module = ast.parse(text)
    except SyntaxError as err:
        raise UnsafeExpression("syntax error on line %(line)s: %(reason)s",
                               line=err.lineno, reason=syntax_reason(err)) from None
    if len(module.body) > MAX_SCRIPT_LINES:
        raise UnsafeExpression("the script has too many statements")
    steps: list[tuple[str, str | None, ast.Expression]] = []
    for stmt in module.body:
        line = getattr(stmt, "lineno", 0)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
            stmt.targets[0], ast.Name
        ):
            target, op, value = stmt.targets[0].id, None, stmt.value
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            target, op, value = stmt.target.id, type(stmt.op).__name__, stmt.value
            if not isinstance(stmt.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
                raise UnsafeExpression("line %(line)s: this operator is not allowed", line=line)
        else:
            raise UnsafeExpression(
                "line %(line)s: only assignments 'name = expression' are allowed, not '%(what)s'",
                line=line, what=_describe(stmt))
        if target.startswith("_") or target in SAFE_FUNCTIONS or target in SAFE_CONSTANTS:
            raise UnsafeExpression("line %(line)s: the name '%(name)s' cannot be assigned",
                                   line=line, name=target)
        expression = ast.Expression(body=value)
        try:
            _check_node(expression)
            _compute_constant_parts(value)
        except UnsafeExpression as err:
            raise UnsafeExpression("line %(line)s: %(reason)s", line=line,
                                   reason=err.message) from None
        steps.append((target, op, expression))
    return tuple(steps)


class _BoundedEvaluator(EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with every operation that builds a larger value bounded (bounds.py)."""

    def __init__(self, names: dict[str, Any]):
        super().__init__(operators={**DEFAULT_OPERATORS, **bounds.OPERATORS},
                         functions=dict(SAFE_FUNCTIONS), names=names)
        for kind in (ast.List, ast.Tuple, ast.Dict, ast.Set):  # [x, x, x, ...] of a long x
            build = self.nodes[kind]
            self.nodes[kind] = lambda node, build=build: bounds.bounded(build(node))


def _eval_tree(tree: ast.Expression, context: Mapping[str, Any], text: str) -> Any:
    names: dict[str, Any] = dict(SAFE_CONSTANTS)
    names.update(context)
    evaluator = _BoundedEvaluator(names)
    evaluator.expr = text
    try:
        return evaluator._eval(tree.body)  # simpleeval walks our already-checked tree
    except MessageError:
        raise
    except Exception as err:  # noqa: BLE001 - every failure is said in words, never raw
        raise ExpressionFailed(bounds.reason(err)) from err


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    """Evaluate an expression against task data."""
    tree = parse_expression(text)
    return _eval_tree(tree, context, text)


_AUG: dict[str, Callable[[Any, Any], Any]] = {
    "Add": bounds.add,
    "Sub": lambda a, b: a - b,
    "Mult": bounds.mult,
    "Div": lambda a, b: a / b,
}


def execute(text: str, context: MutableMapping[str, Any]) -> None:
    """Run a script of assignments, updating the task data in place."""
    for target, op, tree in parse_script(text):
        value = _eval_tree(tree, context, text)
        if op is not None:
            if target not in context:
                raise ExpressionFailed(Message("the name '%(name)s' is not in the data",
                                               name=target))
            try:
                value = _AUG[op](context[target], value)
            except MessageError:
                raise
            except Exception as err:  # noqa: BLE001 - said in words, as in _eval_tree
                raise ExpressionFailed(bounds.reason(err)) from err
        if isinstance(value, float) and not isinstance(value, bool):
            value = round(value, 10)
        context[target] = value

