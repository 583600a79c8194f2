"""How large a value an expression may build, and why an expression failed, in words.

simpleeval stops a text or list repeated past 100,000 items, but only some of the ways a value
grows: a list of the same long text a thousand times, ``str()`` of it, ``sum`` of lists, a
script's ``x *= 10**9`` or ``"%0999999999d" % 1`` went through. Every operation that can build a
larger value than it was given is bounded here by the value's whole size (nested items
counted), so a diagram can neither exhaust the memory of the desk nor store a huge value in a
program's state. Failures carry a translatable reason, never the library's English.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

from simpleeval import (
    AttributeDoesNotExist,
    FunctionNotDefined,
    InvalidExpression,
    IterableTooLong,
    NameNotDefined,
    NumberTooHigh,
)

from .messages import Message, MessageError

# Characters, or items of a list, that a value built by an expression may hold (TOO_LARGE says it)
MAX_VALUE_SIZE = 100_000
MAX_NUMBER_BITS = 1_024  # about 300 digits: beyond any amount of money or count of people
MAX_POWER_BASE = 4_000_000  # simpleeval's own limit


class ExpressionFailed(MessageError):
    """An expression could not be computed from the data it was given."""


TOO_LARGE = Message("the value would grow too large (more than 100,000 characters or items)")


def size(value: Any, budget: int = MAX_VALUE_SIZE) -> int:
    """About how many characters the value takes written out, nested items included; stops
    counting once past ``budget`` (so a list holding one long text a million times is cheap)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += 1 + len(item)
            if total <= budget:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1 + len(item)
            if total <= budget:
                stack.extend(item)
        elif isinstance(item, int):
            total += 1 + item.bit_length() // 3
        else:
            total += 1
        if total > budget:
            break
    return total


def bounded(value: Any) -> Any:
    """The value, unless it is larger than an expression may build."""
    if size(value) > MAX_VALUE_SIZE:
        raise ExpressionFailed(TOO_LARGE)
    return value


def _number_bound(a: Any, b: Any, bits: int) -> None:
    if isinstance(a, int) and isinstance(b, int) and bits > MAX_NUMBER_BITS:
        raise ExpressionFailed(Message("a number would grow too large"))


def mult(a: Any, b: Any) -> Any:
    """``a * b``: a text or list repeated at most to the size limit; numbers of bounded size."""
    if isinstance(a, int) and isinstance(b, int):
        _number_bound(a, b, a.bit_length() + b.bit_length())
    for sequence, count in ((a, b), (b, a)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int) and count > 0:
            if count > MAX_VALUE_SIZE or size(sequence) * count > MAX_VALUE_SIZE:
                raise ExpressionFailed(TOO_LARGE)
    return a * b


def add(a: Any, b: Any) -> Any:
    """``a + b``: joined texts and lists stay within the size limit."""
    if isinstance(a, str | list | tuple) and isinstance(b, str | list | tuple):
        if size(a) + size(b) > MAX_VALUE_SIZE:
            raise ExpressionFailed(TOO_LARGE)
    return a + b


def mod(a: Any, b: Any) -> Any:
    """``a % b`` for numbers; formatting a text with % could build any size, so it is refused."""
    if isinstance(a, str | bytes):
        raise ExpressionFailed(Message("a text cannot be formatted with %(sign)s", sign="%"))
    return a % b


def power(a: Any, b: Any) -> Any:
    """``a ** b`` (the exponent is a small constant already) with a result of bounded size."""
    if isinstance(a, int | float) and abs(a) > MAX_POWER_BASE:
        raise ExpressionFailed(Message("a number would grow too large"))
    if isinstance(a, int) and isinstance(b, int) and b > 0:
        _number_bound(a, b, a.bit_length() * b)
    return a**b


def as_text(value: Any = "") -> str:
    """``str(value)``, for values of bounded size."""
    return str(bounded(value))


def total(values: Iterable[Any], start: Any = 0) -> Any:
    """``sum`` of numbers only (a sum of lists or texts is a join without a limit)."""
    items = list(values)
    if not all(isinstance(v, int | float) for v in [*items, start]):
        raise ExpressionFailed(Message("sum() adds numbers only"))
    return sum(items, start)


# The operators that can build a larger value than they were given, bounded; simpleeval's own
# for the rest.
OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: add, ast.Mult: mult, ast.Mod: mod, ast.Pow: power,
}


def reason(err: BaseException) -> Message:
    """Why an expression (or the engine running it) failed, in translatable words."""
    if isinstance(err, MessageError):
        return err.message
    if isinstance(err, NameNotDefined):
        return Message("the name '%(name)s' is not in the data", name=err.name)
    if isinstance(err, NameError):
        return Message("the name '%(name)s' is not in the data", name=getattr(err, "name", "?"))
    if isinstance(err, IterableTooLong | NumberTooHigh | MemoryError):
        return TOO_LARGE
    if isinstance(err, FunctionNotDefined | AttributeDoesNotExist | InvalidExpression):
        return Message("it uses something outside the expression language")
    if isinstance(err, ZeroDivisionError):
        return Message("a division by zero")
    if isinstance(err, OverflowError):
        return Message("a number would grow too large")
    if isinstance(err, TypeError):
        return Message("it combines values of kinds that do not fit (a text and a number, say)")
    if isinstance(err, LookupError):
        return Message("a value it needs is missing from the data")
    if isinstance(err, ValueError):
        return Message("a value cannot be converted (a text where a number is expected, say)")
    return Message("it could not be computed")
