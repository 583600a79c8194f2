"""Read the first sheet of a spreadsheet in a process of its own (run as a script by
``files.read_spreadsheet``; it imports nothing of Simpul).

A spreadsheet is hostile input: one cell at the last row and column makes the reader allocate
its whole rectangle, a sheet may unpack to gigabytes, a cell may hold hundreds of megabytes.
This process limits its own memory and processor time before it reads, so such a file ends
this process (and its import, with a message), never the worker that started it.

Standard input: the file. Arguments: memory limit (bytes), processor seconds, longest cell
kept, most rows kept. Standard output: JSON ``{"rows": [[cell, ...], ...]}`` where a date is
``{"d": "2026-12-01"}``, a date and time ``{"t": "2026-12-01T08:30:00"}``, and a time of day
or a duration is text.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import sys
from typing import Any


def _cell(value: Any, longest: int) -> Any:
    if isinstance(value, str):
        return value[:longest]
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else ""
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return "" if value is None else str(value)[:longest]


def main() -> int:
    memory, seconds, longest, most_rows = (int(arg) for arg in sys.argv[1:5])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    from python_calamine import CalamineWorkbook

    content = sys.stdin.buffer.read()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        del content
        sheet = book.get_sheet_by_index(0)
        rows = []
        for row in sheet.iter_rows():
            rows.append([_cell(value, longest) for value in row])
            if len(rows) > most_rows:
                break
    except MemoryError:
        sys.stderr.write("memory\n")
        return 3
    except Exception as err:  # noqa: BLE001 - any damage reads as "cannot be read"
        sys.stderr.write(f"unreadable: {type(err).__name__}\n")
        return 2
    json.dump({"rows": rows}, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
