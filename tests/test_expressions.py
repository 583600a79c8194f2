"""The safe expression language bounds what an expression may build, refuses at the check what
it can compute there, and says in words (translatable, never the library's English) why an
expression failed at run time. Engine only: no Flask, no database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.diagrams import flows, process, script, source, user
from webapp import engine
from webapp.engine.bounds import MAX_VALUE_SIZE, ExpressionFailed
from webapp.engine.expressions import (
    UnsafeExpression,
    evaluate,
    execute,
    parse_expression,
    parse_script,
)

LONG = "a" * 40_000  # within the limit alone; three of them are not
# Each builds a value just past the limit (so that, unbounded, it stays a few megabytes).
GROWING: list[tuple[str, dict[str, Any]]] = [
    ('"tinggi" * n', {"n": 20_000}),
    ("n * [1, 2]", {"n": 60_000}),
    ("[text] * 3", {"text": LONG}),
    ("[text, text, text]", {"text": LONG}),
    ("{'a': text, 'b': text, 'c': text}", {"text": LONG}),
    ("(text, text, text)", {"text": LONG}),
    ("text + text + text", {"text": LONG}),
    ("str(rows)", {"rows": [LONG] * 3}),
    ("sum(lists, [])", {"lists": [[0] * 40_000] * 3}),
    ("form % 1", {"form": "%0200000d"}),
    ("big * big * big * big * big", {"big": 10**250}),
    ("big ** 10", {"big": 2**200}),
]


@pytest.mark.parametrize(("text", "data"), GROWING)
def test_a_value_growing_past_the_limit_is_refused_in_words(text: str, data: dict[str, Any]
                                                            ) -> None:
    with pytest.raises(ExpressionFailed) as refused:
        evaluate(text, data)
    said = str(refused.value.message)
    assert "too large" in said or "numbers only" in said or "cannot be formatted" in said
    assert "Sorry" not in said


def test_values_within_the_limit_are_computed_as_before() -> None:
    assert evaluate('"tinggi" * n', {"n": 3}) == "tinggitinggitinggi"
    assert evaluate("[text] * 2", {"text": "x" * 1000}) == ["x" * 1000] * 2
    assert evaluate("sum(values) + 1", {"values": [1, 2.5]}) == 4.5
    assert evaluate("str(n) + ' KPM'", {"n": 150}) == "150 KPM"
    assert evaluate("n % 7", {"n": 45_000_000}) == 45_000_000 % 7
    assert evaluate("3 ** 10 * 1000000", {}) == 59_049_000_000
    assert len(evaluate("text + text", {"text": "y" * (MAX_VALUE_SIZE // 2)})) == MAX_VALUE_SIZE


@pytest.mark.parametrize("script", [
    "x = 'tinggi'\nx *= n",                  # an augmented repetition went round the limit
    "x = 'a' * 40000\nx += x\nx += x",       # and so did doubling, line after line
    "x = [1] * 20000\ny = [x, x, x]",
    "x = 4000000 ** 10\nx = x * x\nx = x * x\nx = x * x",
])
def test_a_script_cannot_grow_a_value_past_the_limit_line_by_line(script: str) -> None:
    data: dict[str, Any] = {"n": 20_000}
    with pytest.raises(ExpressionFailed):
        execute(script, data)


@pytest.mark.parametrize("text", [
    '"tinggi" * 10**9',
    "priority if priority else 'rendah' * 10**10",
    "[0] * 10**6",
    "'%0999999999d' % 1",
    "total / 0 if total else 1 / 0",
    "str([0] * 50000)",
])
def test_a_part_computed_from_constants_is_refused_at_the_check(text: str) -> None:
    with pytest.raises(UnsafeExpression) as refused:
        parse_expression(text)
    assert "cannot be computed" in str(refused.value.message)


def test_a_script_line_computed_from_constants_is_refused_at_the_check() -> None:
    with pytest.raises(UnsafeExpression) as refused:
        parse_script("a = 1\nlabel = 'tinggi' * 10**9")
    assert "line 2" in str(refused.value.message)


def test_parts_that_use_data_or_stay_small_pass_the_check() -> None:
    for text in ('"tinggi" * 3', "today()", "need_rate_pct >= 40 * 1.5", "x * 10**9",
                 'str(10**9) + " rupiah"', "max(1, 2) * hh_food_insecure"):
        parse_expression(text)


@pytest.mark.parametrize(("text", "data", "words"), [
    ("total / count", {"total": 10, "count": 0}, "a division by zero"),
    ("skor > 5", {}, "the name 'skor' is not in the data"),
    ("skor + ' KPM'", {"skor": 3}, "kinds that do not fit"),
    ("rows[5]", {"rows": [1]}, "missing from the data"),
    ("int(text)", {"text": "lima"}, "cannot be converted"),
])
def test_a_run_time_failure_is_said_in_words(text: str, data: dict[str, Any], words: str
                                             ) -> None:
    with pytest.raises(ExpressionFailed) as failed:
        evaluate(text, data)
    assert str(failed.value.message) == words or words in str(failed.value.message)


def test_an_augmented_name_that_is_not_there_is_said_in_words() -> None:
    with pytest.raises(ExpressionFailed) as failed:
        execute("jumlah += 1", {})
    assert str(failed.value.message) == "the name 'jumlah' is not in the data"


def _run_to_failure(body: str, data: dict[str, Any]) -> engine.EngineError:
    parsed = engine.parse_definition(source(process("gagal", body)), form_keys=["note"])
    with pytest.raises(engine.EngineError) as failed:
        engine.WorkflowHandle.start(parsed, data)
    assert isinstance(failed.value.message, engine.Message)
    return failed.value


@pytest.mark.parametrize(("body", "words"), [
    ('<bpmn:startEvent id="s"/>' + script("hitung", "rata = total / jumlah") +
     user("u") + flows(("s", "hitung"), ("hitung", "u")),
     "step 'hitung': a division by zero"),
    ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="pilih" name="Pilih"/>' + user("a") +
     user("b") + flows(("s", "pilih"), ("pilih", "a", "total &gt; 10"),
                       ("pilih", "b", "total &lt; 0")),
     "step 'Pilih': no condition of the gateway holds and it has no default path"),
])
def test_a_failing_step_is_said_in_words_not_in_the_library_english(body: str, words: str
                                                                     ) -> None:
    failed = _run_to_failure(body, {"total": 5, "jumlah": 0})
    assert str(failed.message) == words
