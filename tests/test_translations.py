"""The UI speaks Bahasa Indonesia: every message has an Indonesian translation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# The engine's messages are English templates marked by the classes that carry them.
KEYWORDS = {name: None for name in ("_", "_l", "gettext", "Message", "MessageError",
                                    "UnsafeExpression", "UnsafeXml")}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_message_is_translated_to_indonesian_with_its_placeholders() -> None:
    with (ROOT / "webapp/translations/id/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 150
    untranslated = [m.id for m in messages if not m.string or m.fuzzy]
    assert untranslated == []
    broken = [m.id for m in messages
              if set(PLACEHOLDER.findall(str(m.id))) != set(PLACEHOLDER.findall(str(m.string)))]
    assert broken == []


def test_the_catalogue_covers_every_message_in_the_code() -> None:
    from babel.messages.extract import extract_from_dir

    with (ROOT / "webapp/translations/id/LC_MESSAGES/messages.po").open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    method_map = [("webapp/**.py", "python"), ("forms/**.py", "python"),
                  ("webapp/templates/**.html", "jinja2")]
    found = {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS)}
    assert len(found) > 150
    assert sorted(m for m in found if isinstance(m, str) and m not in known) == []


def test_dates_read_as_flask_babel_writes_them(app: Any) -> None:
    """Our quicker date filter gives what flask-babel's gives, in both languages."""
    import datetime as dt

    from flask import session
    from flask_babel import format_datetime, refresh

    from webapp.views.dates import datetimeformat

    moments = [dt.datetime(2026, 12, 31, 20, 5, tzinfo=dt.UTC),  # 1 January in Jakarta
               dt.datetime(2026, 3, 1, 0, 0), dt.datetime(2027, 7, 4, 9, 30, 15)]
    written = {}
    for language in ("id", "en"):
        with app.test_request_context():
            session["lang"] = language
            refresh()
            written[language] = datetimeformat(moments[0], "full")
            for fmt in ("d MMM yyyy", "d MMM yyyy, HH:mm", "d MMM, HH:mm", "medium", "short",
                        "long", "full", "EEEE d MMMM y 'pukul' HH.mm"):
                for moment in moments:
                    assert datetimeformat(moment, fmt) == format_datetime(moment, fmt), fmt
    assert written == {"id": "Jumat, 01 Januari 2027 03.05.00 Waktu Indonesia Barat",
                       "en": "Friday, January 1, 2027, 3:05:00\u202fAM Western Indonesia Time"}
    assert datetimeformat(None) == ""
