"""Village lists as files: CSV (comma, semicolon or tab; UTF-8 with or without BOM, or
Windows-1252) and spreadsheets (XLSX, XLS, ODS, read with python-calamine in a process of its
own), into a header row and rows of cells; and the rejected rows written back as CSV or XLSX.

Every file is hostile input: its declared and unpacked sizes are checked before it is read, a
spreadsheet is read within memory and time limits where a crash ends only its own process, and
no cell is kept longer than ``MAX_CELL`` characters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput
from ..privacy import mask_nik

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_BYTES = 20 * 1024 * 1024  # an uploaded list
_NUMBER = re.compile(r"[-+]?\d+([.,]\d+)?")
MAX_ROWS = 200_000
MAX_COLUMNS = 60
# Every field is far shorter: a cell is kept to this length (one character more, so that the
# field's own rule still sees it is too long), whatever the file holds.
MAX_CELL = 1000
# A spreadsheet is read in a process of its own, within these limits.
MAX_UNPACKED = 200 * 1024 * 1024  # the files inside an XLSX or ODS, together
MAX_CELLS = 20_000_000  # rows × columns of the sheet's used area (the reader allocates them)
READ_MEMORY = 2 * 1024 ** 3
READ_SECONDS = 120
_READER = Path(__file__).with_name("sheet_reader.py")
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]  # cells as read: text, numbers, dates
    header_line: int  # the file's line (1-based) that holds the headers
    # row index -> what the reading noticed about it (bytes that were not UTF-8)
    notes: dict[int, str] = field(default_factory=dict)


def read_table(content: bytes, filename: str) -> Table:
    """The first sheet (or the CSV) as headers and rows; InvalidInput when it cannot be read."""
    name = filename.lower()
    if name.endswith(SPREADSHEETS) or content[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return _with_headers(read_spreadsheet(content), {})
    rows, notes = _csv_rows(content)
    return _with_headers(rows, notes)


def read_spreadsheet(content: bytes) -> list[list[Any]]:
    """The first sheet's rows, read by python-calamine in a child process that limits its own
    memory and time (see ``sheet_reader``), after cheap checks of what the file declares."""
    if content[:4] == b"PK\x03\x04":
        _check_package(content)
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_READER), str(READ_MEMORY), str(READ_SECONDS),
             str(MAX_CELL + 1), str(MAX_ROWS + 20)],
            input=content, capture_output=True, timeout=READ_SECONDS + 30, check=False)
    except subprocess.TimeoutExpired:
        raise InvalidInput(_l("Reading the spreadsheet took too long: it is probably much "
                              "larger inside than its list. Save the list alone as CSV or XLSX "
                              "and upload that.")) from None
    if done.returncode != 0:
        if done.returncode == 2:
            raise InvalidInput(_l("The spreadsheet cannot be read. Save it again as XLSX or "
                                  "CSV and upload that."))
        raise InvalidInput(_l("The spreadsheet is too large to read once unpacked (it needs "
                              "more memory or time than a village list can). Delete what lies "
                              "outside the list, or save the list as CSV, and upload again."))
    rows: list[list[Any]] = json.loads(done.stdout)["rows"]
    return [[_from_json(cell) for cell in row] for row in rows]


def _from_json(cell: Any) -> Any:
    if isinstance(cell, dict):
        if "t" in cell:
            return dt.datetime.fromisoformat(cell["t"])
        return dt.date.fromisoformat(cell["d"])
    return cell


def _check_package(content: bytes) -> None:
    """An XLSX or ODS is a zip: refuse one that unpacks to more than a village list can be, or
    whose first sheet uses an area too large to hold (one cell far away is enough)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
        entries = package.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput(_l("The spreadsheet cannot be read. Save it again as XLSX or CSV "
                              "and upload that.")) from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > 10_000 or unpacked > MAX_UNPACKED:
        raise InvalidInput(_l("The spreadsheet unpacks to %(mb)s MB: far more than a village "
                              "list. Save the list alone as CSV or XLSX and upload that.",
                              mb=f"{unpacked // 2**20:,}".replace(",", ".")))
    sheet = _first_sheet(package)
    if sheet is None:
        return
    rows, columns = _used_area(package, sheet)
    if rows > MAX_ROWS + 1000 or columns * rows > MAX_CELLS:
        raise InvalidInput(_l(
            "The sheet has a cell at row %(rows)s, column %(columns)s: so far from the list "
            "that the sheet cannot be read. Delete the rows and columns after the list (or "
            "save the list as CSV) and upload again.",
            rows=f"{rows:,}".replace(",", "."), columns=f"{columns:,}".replace(",", ".")))


def _first_sheet(package: zipfile.ZipFile) -> str | None:
    """The part holding an XLSX's first sheet (the workbook's order, as the reader takes it)."""
    names = set(package.namelist())
    if "xl/workbook.xml" not in names:
        return None
    with package.open("xl/workbook.xml") as handle:
        workbook = handle.read(2_000_000)
    first = re.search(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', workbook)
    if first is None or "xl/_rels/workbook.xml.rels" not in names:
        return None
    with package.open("xl/_rels/workbook.xml.rels") as handle:
        rels = handle.read(2_000_000)
    for relation in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = relation.group(0)
        if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', tag):
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if target:
                path = target.group(1).decode("utf-8", "replace").lstrip("/")
                path = path if path.startswith("xl/") else "xl/" + path
                return path if path in names else None
    return None


def _used_area(package: zipfile.ZipFile, sheet: str) -> tuple[int, int]:
    """The last row and column that hold a cell in the sheet (read as a stream, in pieces)."""
    rows = columns = 0
    tail = b""
    with package.open(sheet) as handle:
        while True:
            piece = handle.read(1 << 20)
            if not piece:
                break
            text = tail + piece
            for column, row in _CELL_REF.findall(text):
                columns = max(columns, _column_number(column))
                rows = max(rows, int(row))
            for row in _ROW_REF.findall(text):
                rows = max(rows, int(row))
            tail = text[-200:]
    return rows, columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def decode(content: bytes) -> tuple[str, list[int]]:
    """The text of a CSV, and the lines (1-based) whose bytes were not UTF-8.

    UTF-8 (with or without BOM) or UTF-16 by its BOM. A file that is not UTF-8 throughout is
    read line by line: lines that are UTF-8 stay UTF-8, the others are read as Windows-1252
    (what Excel on Windows saves), so one stray byte spoils one line, not the whole file. A
    file with no UTF-8 at all beyond ASCII is Windows-1252 throughout (not worth a word)."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace"), []
    try:
        return content.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = content.split(b"\n")
    if not any(_utf8_beyond_ascii(line) for line in lines):
        return content.decode("cp1252", errors="replace"), []
    out, odd = [], []
    for number, line in enumerate(lines, start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            odd.append(number)
    return "\n".join(out), odd


def _utf8_beyond_ascii(line: bytes) -> bool:
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(content: bytes) -> tuple[list[list[Any]], dict[int, int]]:
    """The rows of a CSV, and for rows holding a line that was not UTF-8: that line."""
    text, odd = decode(content)
    if "\x00" in text:
        raise InvalidInput(_l("This is not a CSV or spreadsheet file."))
    # the delimiter the header row uses most (a title line above it may have none)
    lines = [line for line in text.splitlines()[:12] if line.strip()]
    delimiter = max((";", ",", "\t", "|"),
                    key=lambda d: max((line.count(d) for line in lines), default=0))
    if not any(delimiter in line for line in lines):
        delimiter = ","
    csv.field_size_limit(MAX_BYTES)  # the file's own size: a cell is cut to MAX_CELL below
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Any]] = []
    odd_rows: dict[int, int] = {}
    pending = iter(odd)
    next_odd = next(pending, None)
    first_line = 1
    try:
        for row in reader:
            rows.append([cell[:MAX_CELL + 1] for cell in row])
            while next_odd is not None and next_odd <= reader.line_num:
                if next_odd >= first_line:
                    odd_rows.setdefault(len(rows) - 1, next_odd)
                next_odd = next(pending, None)
            first_line = reader.line_num + 1
            if len(rows) > MAX_ROWS + 20:
                break
    except csv.Error as err:
        raise InvalidInput(_l("Line %(line)s cannot be read as CSV (%(problem)s). Open the file "
                              "in a spreadsheet, save it again as CSV and upload that.",
                              line=reader.line_num, problem=str(err)[:80])) from None
    return rows, odd_rows


def _with_headers(rows: list[list[Any]], odd_rows: dict[int, int]) -> Table:
    """The first row with at least two filled cells holds the headers (village lists often
    start with a title line or two). Headers never show a full NIK or KK number: a first row
    holding one is data, and the file needs a row naming its columns."""
    for index, row in enumerate(rows[:20]):
        filled = [cell for cell in row if str(cell if cell is not None else "").strip()]
        if len(filled) >= 2:
            if any(_looks_like_number(cell) for cell in filled):
                raise InvalidInput(_l("The first row holds NIK or KK numbers, not column "
                                      "names: add a row above the list naming its columns "
                                      "(No KK, NIK, Nama, Desa...) and upload again."))
            headers = [" ".join(str(c if c is not None else "").split())[:80] for c in row]
            while headers and not headers[-1]:
                headers.pop()
            headers = mask_nik(headers[:MAX_COLUMNS])
            body: list[list[Any]] = []
            notes: dict[int, str] = {}
            for number, r in enumerate(rows[index + 1:], start=index + 1):
                cells = list(r[:len(headers)]) + [""] * (len(headers) - len(r))
                if any(str(c if c is not None else "").strip() for c in cells):
                    if number in odd_rows:
                        notes[len(body)] = str(_l(
                            "Line %(line)s holds bytes that are not UTF-8: it was read as "
                            "Windows-1252. Check the spelling of its names.",
                            line=odd_rows[number]))
                    body.append(cells)
            if len(body) > MAX_ROWS:
                raise InvalidInput(_l("The file has more than %(n)s rows: split it into "
                                      "smaller files.", n=f"{MAX_ROWS:,}".replace(",", ".")))
            return Table(headers, body, index + 1, notes)
    raise InvalidInput(_l("No header row found: the first rows of the file should name its "
                          "columns (NIK, Nama, No KK...)."))


def _looks_like_number(cell: Any) -> bool:
    """A full NIK or KK number (16 digits, as text or as a spreadsheet's number)."""
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        return 1e15 <= abs(cell) < 1e16
    return bool(mask_nik(str(cell)) != str(cell))


def cell_text(value: Any) -> str:
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
                sheet.write_string(line, col, cell_text(value))
        book.close()
        return out.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_safe(cell_text(v)) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
