"""Dates in lists are written by Simpul's quick writer exactly as babel writes them."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from babel import Locale
from babel.dates import format_datetime

from webapp.views.dates import _writer, write_time

PATTERNS = ("d MMM, HH:mm", "d MMM yyyy, HH:mm", "d MMM yyyy", "dd/MM/yy H.m.s",
            "d MMMM y", "short", "medium", "long", "full")


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_quick_writer_writes_what_babel_writes(language: str) -> None:
    locale = Locale.parse(language)
    rng = random.Random(13)
    moments = [dt.datetime(2026, 12, 1, 0, 0, 0, tzinfo=dt.UTC),
               dt.datetime(2027, 5, 9, 23, 59, 59, tzinfo=dt.UTC)] + [
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(10**9))
        for _ in range(300)]
    for pattern in PATTERNS:
        for moment in moments:
            assert write_time(moment, pattern, locale, language) == \
                format_datetime(moment, pattern, locale=locale), (pattern, moment)


def test_the_lists_patterns_take_the_quick_way() -> None:
    """The patterns of the inbox and the other lists (and Indonesian's named ones)."""
    for pattern in ("d MMM, HH:mm", "d MMM yyyy, HH:mm", "d MMM yyyy", "medium", "short"):
        assert _writer(pattern, "id") is not None, pattern
    assert _writer("full", "id") is None  # a weekday and a zone: babel writes them
