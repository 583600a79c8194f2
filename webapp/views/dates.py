"""Dates and times in the reader's language and time zone, quick enough for long lists.

flask-babel's ``datetimeformat`` parses its pattern on every call (about 50 µs); an inbox page
formats three dates a row. The same output, with each pattern parsed once per language and,
for the fields lists use, written by small functions instead of babel's general formatter.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
    tokenize_pattern,
)
from flask import g
from flask_babel import get_locale, get_timezone

NAMED = ("short", "medium", "long", "full")


@functools.lru_cache(maxsize=256)
def _pattern(fmt: str, language: str) -> DateTimePattern:
    # keyed by the language's name: comparing Locale objects is slow (five per lookup)
    if fmt in NAMED:  # as babel.dates.format_datetime joins the date and the time
        locale = Locale.parse(language)
        named = cast(Literal["full", "long", "medium", "short"], fmt)
        fmt = (str(get_datetime_format(named, locale)).replace("'", "")
               .replace("{0}", get_time_format(named, locale).pattern)
               .replace("{1}", get_date_format(named, locale).pattern))
    return parse_pattern(fmt)


Part = Callable[[dt.datetime], str]
# The fields lists show (day, month, year, hour, minute, second), written without babel's
# general machinery; a pattern with any other field is left to babel.
_NUMBERS: dict[tuple[str, int], Part] = {
    ("d", 1): lambda t: str(t.day), ("d", 2): lambda t: f"{t.day:02d}",
    ("M", 1): lambda t: str(t.month), ("M", 2): lambda t: f"{t.month:02d}",
    ("y", 1): lambda t: str(t.year), ("y", 2): lambda t: f"{t.year % 100:02d}",
    ("y", 4): lambda t: f"{t.year:04d}",
    ("H", 1): lambda t: str(t.hour), ("H", 2): lambda t: f"{t.hour:02d}",
    ("m", 1): lambda t: str(t.minute), ("m", 2): lambda t: f"{t.minute:02d}",
    ("s", 1): lambda t: str(t.second), ("s", 2): lambda t: f"{t.second:02d}",
}


def _text(text: str) -> Part:
    return lambda _t: text


def _month_name(names: Mapping[int, str]) -> Part:
    return lambda t: names[t.month]


@functools.lru_cache(maxsize=256)
def _writer(fmt: str, language: str) -> Callable[[dt.datetime], str] | None:
    """The pattern as a list of small functions, or None when babel must write it."""
    months = Locale.parse(language).months["format"]
    parts: list[Part] = []
    for kind, value in tokenize_pattern(_pattern(fmt, language).pattern):
        if kind == "chars":
            parts.append(_text(str(value)))
        elif value in _NUMBERS:
            parts.append(_NUMBERS[value])
        elif value in (("M", 3), ("M", 4)):
            parts.append(_month_name(months["abbreviated" if value[1] == 3 else "wide"]))
        else:
            return None
    return lambda t: "".join(part(t) for part in parts)


def _reader() -> tuple[Locale, dt.tzinfo, str]:
    """The reader's language and time zone, looked up once a request (flask-babel looks them
    up through its context on every call)."""
    found: tuple[Locale, dt.tzinfo, str] | None = g.get("simpul_reader")
    if found is None:
        locale = get_locale() or Locale.parse("id")
        found = g.simpul_reader = (locale, get_timezone(), str(locale))
    return found


def datetimeformat(value: Any, fmt: str = "medium") -> str:
    """A stored time (UTC) in the reader's zone and language: ``d MMM yyyy, HH:mm`` or a named
    format (``short``, ``medium``, ``long``, ``full``)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # stored times are UTC
    locale, zone, language = _reader()
    return write_time(value.astimezone(zone), fmt, locale, language)


def write_time(value: dt.datetime, fmt: str, locale: Locale, language: str) -> str:
    """A time already in the reader's zone, in their language (babel's output, quicker)."""
    writer = _writer(fmt, language)
    if writer is not None:
        return writer(value)
    return str(_pattern(fmt, language).apply(value, locale))
