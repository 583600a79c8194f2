"""Village lists as files: CSV (comma, semicolon or tab; UTF-8 with or without BOM, or
Windows-1252) and spreadsheets (XLSX, XLS, ODS, read with python-calamine), into a header row
and rows of cells; and the rejected rows written back as CSV or XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
_NUMBER = re.compile(r"[-+]?\d+([.,]\d+)?")
MAX_ROWS = 200_000
MAX_COLUMNS = 60


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]  # cells as read: text, numbers, dates
    header_line: int  # the file's line (1-based) that holds the headers


def read_table(content: bytes, filename: str) -> Table:
    """The first sheet (or the CSV) as headers and rows; InvalidInput when it cannot be read."""
    name = filename.lower()
    if name.endswith(SPREADSHEETS) or content[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        rows = _spreadsheet_rows(content)
    else:
        rows = _csv_rows(content)
    return _with_headers(rows)


def _spreadsheet_rows(content: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        return [list(row) for row in sheet.to_python(skip_empty_area=False)[:MAX_ROWS + 20]]
    except Exception:  # noqa: BLE001 - any damage to the file reads as "cannot be read"
        raise InvalidInput(_l("The spreadsheet cannot be read. Save it again as XLSX or CSV "
                              "and upload that.")) from None


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel on Windows saves as CSV)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(content: bytes) -> list[list[Any]]:
    text = decode(content)
    if "\x00" in text:
        raise InvalidInput(_l("This is not a CSV or spreadsheet file."))
    # the delimiter the header row uses most (a title line above it may have none)
    lines = [line for line in text.splitlines()[:12] if line.strip()]
    delimiter = max((";", ",", "\t", "|"),
                    key=lambda d: max((line.count(d) for line in lines), default=0))
    if not any(delimiter in line for line in lines):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_ROWS + 20:
            break
    return rows


def _with_headers(rows: list[list[Any]]) -> Table:
    """The first row with at least two filled cells holds the headers (village lists often
    start with a title line or two)."""
    for index, row in enumerate(rows[:20]):
        filled = [cell for cell in row if str(cell if cell is not None else "").strip()]
        if len(filled) >= 2:
            headers = [" ".join(str(c if c is not None else "").split()) for c in row]
            while headers and not headers[-1]:
                headers.pop()
            headers = headers[:MAX_COLUMNS]
            body = [list(r[:len(headers)]) + [""] * (len(headers) - len(r))
                    for r in rows[index + 1:]]
            body = [r for r in body if any(str(c if c is not None else "").strip() for c in r)]
            if len(body) > MAX_ROWS:
                raise InvalidInput(_l("The file has more than %(n)s rows: split it into "
                                      "smaller files.", n=f"{MAX_ROWS:,}".replace(",", ".")))
            return Table(headers, body, index + 1)
    raise InvalidInput(_l("No header row found: the first rows of the file should name its "
                          "columns (NIK, Nama, No KK...)."))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=HYPERLINK(...), +, -, @) is written with
    a leading apostrophe, so opening the file runs nothing (a number like -5 is left alone)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_rows(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> bytes:
    """Rows as a CSV (UTF-8 with BOM, so Excel opens it right; semicolons, as Indonesian
    Excel expects) or an XLSX where every cell is text (a NIK stays 16 digits)."""
    if fmt == "xlsx":
        import xlsxwriter

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet("Ditolak")
        bold = book.add_format({"bold": True})
        text = book.add_format({"num_format": "@"})
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, bold)
            sheet.set_column(col, col, max(10, min(40, len(header) + 4)), text)
        for line, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                sheet.write_string(line, col, _cell_text(value))
        book.close()
        return out.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_safe(_cell_text(v)) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
