"""How registry records are looked up: names as they are searched, numbers from their last
digits, and the date the rules are checked against."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

from ... import clock

WIT = dt.timezone(dt.timedelta(hours=9))  # the latest calendar date in the country
_APOSTROPHES = re.compile(r"['’`ʼ]")
_NOT_NAME = re.compile(r"[^a-z0-9]+")
# After a prefix of digits, or of [a-z0-9 ], this sorts after every longer key with that prefix.
AFTER = "~"


def today() -> dt.date:
    """Today in eastern Indonesia: a birth date "today" in Papua is not in the future."""
    return clock.now().astimezone(WIT).date()


@functools.lru_cache(maxsize=1 << 16)  # an import asks the same names and words many times
def name_key(name: Any) -> str:
    """A name as it is searched: lower case, accents and punctuation gone, one space between
    words ("Siti Nur'aini  Rahmawati" → "siti nuraini rahmawati", "Dédé" → "dede",
    "M.Yusuf" → "m yusuf")."""
    text = unicodedata.normalize("NFKD", str(name or "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_NAME.sub(" ", _APOSTROPHES.sub("", text))
    return " ".join(text.split())[:120]


def reversed_digits(number: str | None) -> str | None:
    """``3507011708450001`` → ``1000540871107053``: its last digits become a prefix that an
    index finds directly."""
    return number[::-1] if number else None


def prefix_range(column: Any, prefix: str) -> Any:
    """Rows whose column starts with ``prefix``, as a range an index scans (the column holds
    only digits, lower-case letters and spaces, compared byte by byte)."""
    return (column >= prefix) & (column < prefix + AFTER)
