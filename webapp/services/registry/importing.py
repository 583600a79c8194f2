"""Importing a village list into the registry.

1. **Upload** (``start``): the file is kept with the import; a worker job reads it.
2. **Read** (``read``, in the worker): columns are matched to fields by their headers (the
   common Indonesian names are known; the coordinator may change the matching), every row is
   checked with the registry's own rules, rows are grouped into families by No. KK, and each
   row gets an outcome: *new*, *update* (with what changes), *same*, or *rejected* (with every
   reason). Nothing of the registry changes.
3. **Confirm** (``confirm``): the coordinator saw the preview; a worker job applies it.
4. **Apply** (``apply``, in the worker): new families and members are added and existing ones
   updated, in chunks that each commit with their rows marked applied, so a crash resumes where
   it stopped and never adds a family twice. A person already in another family is never moved
   by an import: moving is recorded by a person, with a reason.

The rejected rows can be downloaded with their reasons, to correct and upload again.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ...db import begin_write, utcnow
from ...models import (
    DISABILITIES,
    Household,
    ImportRow,
    Job,
    Person,
    Region,
    RegistryEvent,
    RegistryImport,
    User,
)
from ..errors import Conflict, InvalidInput, LeaseLost, NotFound
from ..personal_data import mask_nik
from ..scope import in_region, region_clause
from . import access
from .entry import DESA_LEVEL, Checked, check_household, check_person
from .files import MAX_BYTES, Table, cell_text, read_table, write_rows
from .identity import clean_number
from .keys import name_key, reversed_digits, today

CHUNK = 1000
PREVIEW_ROWS = 50
LOG = logging.getLogger("simpul.registry")
JOB_KIND = "registry_import"

# Field -> the headers village lists use for it (compared as name keys: "No. KK" = "no kk").
HEADERS: dict[str, tuple[str, ...]] = {
    "kk_number": ("no kk", "nomor kk", "nokk", "kk", "no kartu keluarga",
                  "nomor kartu keluarga", "no kk kpm", "nomor kk kpm"),
    "nik": ("nik", "no nik", "nomor nik", "nik anggota", "nik art", "nomor induk kependudukan",
            "no ktp", "nik kpm", "nik penerima"),
    "full_name": ("nama", "nama lengkap", "nama anggota", "nama anggota keluarga", "nama art",
                  "nama penerima", "nama kpm"),
    "sex": ("jenis kelamin", "jk", "l p", "kelamin", "sex", "gender"),
    "birth_place": ("tempat lahir", "tmp lahir", "tpt lahir"),
    "birth_date": ("tanggal lahir", "tgl lahir", "tgl lhr", "tanggal lhr", "tgllahir"),
    "relation": ("hubungan", "hubungan keluarga", "shdk", "status hubungan dalam keluarga",
                 "hub keluarga", "hubungan dengan kepala keluarga", "status dalam keluarga",
                 "hub dengan kk", "hubungan dengan kk"),
    "region_code": ("desa", "kelurahan", "desa kelurahan", "desa kel", "kode desa",
                    "kode wilayah", "kode kelurahan", "nama desa", "kode desa kelurahan"),
    "kecamatan": ("kecamatan", "kec", "nama kecamatan", "kode kecamatan"),
    "address": ("alamat", "alamat lengkap", "dusun", "jalan"),
    "rt": ("rt", "no rt"),
    "rw": ("rw", "no rw"),
    "desil": ("desil", "desil kesejahteraan", "peringkat desil", "desil nasional"),
    "occupation": ("pekerjaan", "jenis pekerjaan"),
    "disability": ("disabilitas", "jenis disabilitas", "penyandang disabilitas"),
    "pregnant": ("hamil", "status hamil", "sedang hamil", "ibu hamil"),
}
REQUIRED = ("kk_number", "full_name", "region_code")
HOUSEHOLD_FIELDS = ("region_code", "address", "rt", "rw", "desil")
PERSON_FIELDS = ("nik", "full_name", "sex", "birth_place", "birth_date", "relation",
                 "occupation", "disability", "pregnant")
FIELD_LABELS = {
    "kk_number": _l("KK number"), "nik": _l("NIK"), "full_name": _l("Full name"),
    "sex": _l("Sex"), "birth_place": _l("Place of birth"), "birth_date": _l("Date of birth"),
    "relation": _l("Relationship to the head of family"), "region_code": _l("Desa / kelurahan"),
    "address": _l("Address"), "rt": _l("RT"), "rw": _l("RW"),
    "desil": _l("Welfare decile (desil)"), "occupation": _l("Occupation"),
    "disability": _l("Disability (UU 8/2016)"), "pregnant": _l("Pregnant"),
}

_SEX = {"l": "L", "lk": "L", "laki laki": "L", "laki": "L", "pria": "L", "1": "L", "m": "L",
        "male": "L", "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "2": "P", "f": "P",
        "female": "P", "w": "P"}
_RELATION = {
    "kepala keluarga": "head", "kepala": "head", "kk": "head", "1": "head", "head": "head",
    "suami": "husband", "2": "husband", "istri": "wife", "isteri": "wife", "3": "wife",
    "anak": "child", "anak kandung": "child", "anak angkat": "child", "anak tiri": "child",
    "4": "child", "menantu": "child_in_law", "5": "child_in_law", "cucu": "grandchild",
    "6": "grandchild", "orang tua": "parent", "orangtua": "parent", "ayah": "parent",
    "ibu": "parent", "7": "parent", "mertua": "parent_in_law", "8": "parent_in_law",
    "famili lain": "relative", "famili": "relative", "saudara": "relative", "9": "relative",
    "pembantu": "helper", "10": "helper", "lainnya": "other", "lain lain": "other",
    "11": "other",
}
_DISABILITY = {"fisik": "physical", "daksa": "physical", "tuna daksa": "physical",
               "intelektual": "intellectual", "grahita": "intellectual", "mental": "mental",
               "netra": "sensory_sight", "tuna netra": "sensory_sight",
               "tunanetra": "sensory_sight", "rungu": "sensory_hearing",
               "tuli": "sensory_hearing", "tuna rungu": "sensory_hearing",
               "tunarungu": "sensory_hearing", "wicara": "sensory_speech",
               "bisu": "sensory_speech", "tuna wicara": "sensory_speech",
               "tunawicara": "sensory_speech"}
_NONE = {"", "tidak", "tidak ada", "bukan", "no", "n", "0", "false", "belum", "normal"}
_YES = {"ya", "y", "yes", "1", "true", "hamil", "iya"}
_MONTHS = {"januari": 1, "februari": 2, "pebruari": 2, "maret": 3, "april": 4, "mei": 5,
           "juni": 6, "juli": 7, "agustus": 8, "september": 9, "oktober": 10,
           "november": 11, "nopember": 11, "desember": 12, "jan": 1, "feb": 2, "mar": 3,
           "apr": 4, "jun": 6, "jul": 7, "agu": 8, "agt": 8, "ags": 8, "sep": 9, "okt": 10,
           "nov": 11, "des": 12}
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%y",
                 "%d/%m/%y")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_DESA_PREFIX = re.compile(r"^(desa|kelurahan|kel|ds)\s+")


# -- uploading, confirming, reading the state ------------------------------------------------
def start(session: Session, user: User, filename: str, content: bytes) -> RegistryImport:
    """Keep the file and ask the worker to read it (nothing else changes)."""
    access.require_editor(user)
    if not content:
        raise InvalidInput(_l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise InvalidInput(_l("The file is larger than 20 MB: split it into smaller files."))
    begin_write(session)
    made = RegistryImport(user_id=user.id, region_code=user.region_code,
                          filename=mask_nik(" ".join((filename or "daftar").split()))[-200:],
                          content=content, status="reading")
    session.add(made)
    session.flush()
    _queue(session, made.id, "read")
    session.commit()
    return made


def _queue(session: Session, import_id: int, phase: str) -> None:
    session.execute(insert(Job).values(kind=JOB_KIND, status="pending", due_at=utcnow(),
                                       payload={"import_id": import_id, "phase": phase},
                                       attempts=0, max_attempts=3, last_error="",
                                       created_at=utcnow()))


def get(session: Session, user: User, import_id: int) -> RegistryImport:
    """An import the user may see: made inside their region (else NotFound)."""
    found = session.get(RegistryImport, import_id, populate_existing=True)
    if found is None or not in_region(user, found.region_code):
        raise NotFound()
    return found


def recent(session: Session, user: User, limit: int = 20) -> list[RegistryImport]:
    query = select(RegistryImport).order_by(RegistryImport.id.desc()).limit(limit)
    if user.region_code:
        query = query.where(region_clause(user, RegistryImport.region_code))
    return list(session.scalars(query))


def remap(session: Session, user: User, import_id: int, mapping: dict[str, str]) -> None:
    """Read the file again with another matching of columns to fields."""
    access.require_editor(user)
    begin_write(session)
    found = get(session, user, import_id)
    if found.status not in ("ready", "failed"):
        raise Conflict(_l("This import can no longer be changed."))
    clean = {col: f for col, f in mapping.items() if f in HEADERS and col in found.headers}
    found.mapping, found.status, found.processed, found.error = clean, "reading", 0, ""
    found.counts, found.reasons = {}, []
    _queue(session, found.id, "read")
    session.commit()


def confirm(session: Session, user: User, import_id: int) -> None:
    """The coordinator saw the preview: apply it (in the worker)."""
    access.require_editor(user)
    begin_write(session)
    found = get(session, user, import_id)
    moved = session.execute(update(RegistryImport).where(
        RegistryImport.id == found.id, RegistryImport.status == "ready")
        .values(status="applying", processed=0, confirmed_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(_l("This import was confirmed already, or is not ready."))
    if not found.counts.get("to_apply"):
        session.rollback()
        raise InvalidInput(_l("No row of this file can be imported."))
    _queue(session, found.id, "apply")
    session.commit()


def cancel(session: Session, user: User, import_id: int) -> bool:
    access.require_editor(user)
    begin_write(session)
    found = get(session, user, import_id)
    if found.status not in ("ready", "failed", "reading"):
        raise Conflict(_l("This import can no longer be cancelled."))
    found.status = "cancelled"
    session.execute(delete(ImportRow).where(ImportRow.import_id == found.id))
    session.commit()
    return True


def rows(session: Session, user: User, import_id: int, outcome: str = "",
         page: int = 1, per_page: int = PREVIEW_ROWS) -> tuple[list[ImportRow], bool]:
    """A page of the preview (one outcome, or every row), and whether more follow."""
    get(session, user, import_id)
    query = select(ImportRow).where(ImportRow.import_id == import_id)
    if outcome == "warned":
        query = query.where(ImportRow.outcome != "rejected",
                            func.length(func.coalesce(ImportRow.warnings, "")) > 2)
    elif outcome:
        query = query.where(ImportRow.outcome == outcome)
    found = list(session.scalars(query.order_by(ImportRow.line)
                                 .limit(per_page + 1).offset((max(page, 1) - 1) * per_page)))
    return found[:per_page], len(found) > per_page


def rejected_file(session: Session, user: User, import_id: int, fmt: str,
                  reason: str = "") -> tuple[str, bytes]:
    """The rejected rows as they were in the file, each with its line and reasons. NIK and KK
    are masked unless a reason is given by someone who may see them (an access event)."""
    found = get(session, user, import_id)
    full = bool(reason)
    if full:
        access.reveal_import(session, user, found.id, reason)
    headers = [gettext("Line"), *found.headers, gettext("Reasons")]
    out = []
    for row in session.scalars(select(ImportRow).where(
            ImportRow.import_id == found.id, ImportRow.outcome == "rejected")
            .order_by(ImportRow.line)):
        cells = [cell_text(cell) for cell in row.cells]  # a number cell too: as its digits
        if not full:
            cells = mask_nik(cells)
        reasons = "; ".join(row.problems) if full else mask_nik("; ".join(row.problems))
        out.append([row.line, *cells, reasons])
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", found.filename.rsplit(".", 1)[0])[:60] or "daftar"
    extension = "xlsx" if fmt == "xlsx" else "csv"
    return f"{stem}-ditolak.{extension}", write_rows(headers, out, extension)


# -- the worker's side -------------------------------------------------------------------------
def run_job(session: Session, payload: dict[str, Any],
            still_mine: Callable[[], None]) -> None:
    """Read or apply an import (a job of the worker). Every failure ends the import as failed,
    with a reason the coordinator can act on; only the database being away is left to the
    job's retries (and ``gave_up`` says so when they run out). ``still_mine`` raises when
    another worker took the job."""
    import_id = int(payload.get("import_id", 0))
    phase = payload.get("phase")
    try:
        if phase == "read":
            read(session, import_id, still_mine)
        elif phase == "apply":
            apply(session, import_id, still_mine)
    except InvalidInput as err:
        _failed(session, import_id, str(err.message))
    except IntegrityError:  # someone entered one of these families since the preview
        _failed(session, import_id, gettext(
            "The registry changed since the preview (a family or NIK of this file was entered "
            "meanwhile). The rows already applied stay; upload the file again for the rest."))
    except (OperationalError, InterfaceError):
        raise  # the database is away: the job tries again later
    except LeaseLost:
        raise  # another worker holds the job now
    except Exception as err:  # noqa: BLE001 - a file must never leave an import hanging
        LOG.error("import %s (%s) failed: %s", import_id, phase,
                  mask_nik("".join(traceback.format_exception(err))))
        _failed(session, import_id, gettext(
            "Simpul could not finish this import because of an error of its own, not of your "
            "file's rows (reference: import %(id)s). Rows already imported stay. Try again; if "
            "it happens again, send the file to your administrator.", id=import_id)
            if phase == "apply" else gettext(
            "Simpul could not read this file (reference: import %(id)s). Save it again as XLSX "
            "or CSV and upload that; if it happens again, send the file to your "
            "administrator.", id=import_id))


def gave_up(session: Session, payload: dict[str, Any], error: str) -> None:
    """The worker gave up on an import's job (the database stayed away, or the job stopped
    its worker): the import ends as failed instead of waiting for ever (the caller
    commits)."""
    _mark_failed(session, int(payload.get("import_id", 0)), gettext(
        "The import stopped: Simpul tried it several times without finishing (%(error)s). "
        "Rows already imported stay; upload the file again for the rest.",
        error=mask_nik(error)[:200]))


def _failed(session: Session, import_id: int, message: str) -> None:
    session.rollback()
    begin_write(session)
    _mark_failed(session, import_id, message)
    session.commit()


def _mark_failed(session: Session, import_id: int, message: str) -> None:
    session.execute(update(RegistryImport).where(
        RegistryImport.id == import_id, RegistryImport.status.in_(("reading", "applying")))
        .values(status="failed", error=message[:500], finished_at=utcnow())
        .execution_options(synchronize_session=False))


def _progress(session: Session, import_id: int, done: int,
              still_mine: Callable[[], None]) -> None:
    begin_write(session)
    still_mine()
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(processed=done).execution_options(synchronize_session=False))
    session.commit()


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Column header -> field, for the headers village lists commonly use."""
    known = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    mapping: dict[str, str] = {}
    for header in headers:
        found = known.get(name_key(header))
        if found and found not in mapping.values():
            mapping[header] = found
    return mapping


@dataclass
class _Family:
    kk: str
    lines: list[int] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    cells: list[Any]
    raw: dict[str, Any]
    kk: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    outcome: str = "new"


class _Places:
    """The desa the uploader may import into, by code and by name."""

    def __init__(self, session: Session, user: Any):
        self._session = session
        query = select(Region).where(Region.level == DESA_LEVEL)
        if user.region_code:
            query = query.where(region_clause(user, Region.code))
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        for region in session.scalars(query):
            self.by_code[region.code] = region
            self.by_name[name_key(region.name)].append(region)
        self.kecamatan = frozenset(session.scalars(select(Region.code).where(
            Region.level == "kecamatan")))
        self._seen: dict[tuple[Any, Any, str], tuple[str, str | None]] = {}
        self.kecamatan_by_name: dict[str, list[str]] = defaultdict(list)
        query = select(Region).where(Region.level == "kecamatan")
        if user.region_code:
            query = query.where(region_clause(user, Region.code))
        for region in session.scalars(query):
            self.kecamatan_by_name[name_key(region.name)].append(region.code)

    def code_of(self, value: Any, kecamatan: Any = None, kk: str = "") -> tuple[str, str | None]:
        """(code, problem) for a desa given by code (35.07.01.2001 or 3507012001) or by name.
        Desa names repeat across kecamatan: a name is looked up in the row's kecamatan (a
        column, by name or code), else in the kecamatan of the KK number's area code."""
        key = (value, kecamatan, kk[:6])
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._code_of(value, kecamatan, kk)
        return found

    def _code_of(self, value: Any, kecamatan: Any, kk: str) -> tuple[str, str | None]:
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            return "", None
        digits = clean_number(text)
        if digits.isdigit() and len(digits) == 10:
            text = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", text):
            if text in self.by_code:
                return text, None
            known = self._session.get(Region, text)
            if known is not None and known.level == DESA_LEVEL:
                return "", gettext("Desa %(name)s (%(code)s) lies outside your region.",
                                   name=known.name, code=text)
            return "", gettext("The desa code %(code)s is not in the region table (Kepmendagri "
                               "2025): check it, or write the desa's name.", code=text)
        named = self.by_name.get(_DESA_PREFIX.sub("", name_key(text)), [])
        if len(named) > 1:
            within = self._kecamatan_of(kecamatan)
            if within:
                named = [r for r in named if r.parent_code in within]
            elif len(kk) == 16 and kk.isdigit():
                area = f"{kk[:2]}.{kk[2:4]}.{kk[4:6]}"
                named = [r for r in named if r.parent_code == area] or named
        if len(named) == 1:
            return named[0].code, None
        if len(named) > 1:
            return "", gettext("There are several desa named %(name)s in your region: add a "
                               "Kecamatan column or write the desa code.", name=text)
        return "", gettext("Unknown desa or kelurahan: %(name)s.", name=text)

    def _kecamatan_of(self, value: Any) -> set[str]:
        text = " ".join(str(value if value is not None else "").split())
        if not text:
            return set()
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", text):
            return {text}
        key = re.sub(r"^(kecamatan|kec)\s+", "", name_key(text))
        return set(self.kecamatan_by_name.get(key, ()))

    def region(self, code: str) -> Region | None:
        return self.by_code.get(code)

    def name(self, code: str) -> str:
        found = self.by_code.get(code) or self._session.get(Region, code)
        return f"{found.name} ({code})" if found is not None else code


def _date(value: Any) -> tuple[Any, str | None]:
    if value in (None, ""):
        return "", None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if isinstance(value, int | float) and 1 < value < 80000:  # a spreadsheet's day number
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat(), None
    text = " ".join(str(value).split())
    quick = _DMY.fullmatch(text)
    if quick:  # 12-03-1985 or 12/03/1985, by far the commonest
        day, month, year = int(quick.group(1)), int(quick.group(2)), int(quick.group(3))
        try:
            return dt.date(year, month, day).isoformat(), None
        except ValueError:
            return "", _no_such_date(text, day, month, year)
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year < 1900 and "%y" in fmt:
            continue
        return parsed.isoformat(), None
    words = name_key(text).split()
    if len(words) == 3 and words[1] in _MONTHS and words[0].isdigit() and words[2].isdigit():
        try:
            return dt.date(int(words[2]), _MONTHS[words[1]], int(words[0])).isoformat(), None
        except ValueError:
            pass
    return "", gettext("Unreadable date: %(value)s (write it as 12-03-1985).", value=text)


def _no_such_date(text: str, day: int, month: int, year: int) -> Any:
    """Why a day-month-year is not on the calendar: the month, or the day of that month."""
    if not 1 <= month <= 12:
        return gettext("%(value)s is not a date: the month (the middle number) is 1 to 12.",
                       value=text)
    if 1 <= year <= 9998 and day >= 1:
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        if day > last:
            return gettext("%(value)s is not a date: that month has %(n)s days.", value=text,
                           n=last)
    return gettext("%(value)s is not a date: check the day and the year.", value=text)


def _person_raw(raw: dict[str, Any], row: _Row) -> dict[str, Any]:
    """A row's person fields as the registry's rules take them (village spellings read)."""
    person: dict[str, Any] = {"nik": raw.get("nik"), "full_name": raw.get("full_name"),
                              "birth_place": raw.get("birth_place") or ""}
    if "sex" in raw:
        sex = name_key(raw["sex"])
        person["sex"] = _SEX.get(sex, sex.upper())
    if "birth_date" in raw:
        person["birth_date"], problem = _date(raw["birth_date"])
        if problem:
            row.problems.append(problem)
    if "relation" in raw:
        relation = name_key(raw["relation"])
        person["relation"] = _RELATION.get(relation, "")
        if not person["relation"]:
            row.problems.append(gettext("Unknown relationship to the head of family: "
                                        "%(value)s.", value=str(raw["relation"])[:40]))
            person["relation"] = "other"
    if "occupation" in raw:
        person["occupation"] = raw["occupation"]
    if "disability" in raw:
        words = [w.strip() for w in re.split(r"[,;/]+", name_key(raw["disability"]) or "")]
        codes = [_DISABILITY.get(w, "?") for w in words if w and w not in _NONE]
        if "?" in codes:
            row.warnings.append(gettext("Disability not recognised (%(value)s): not recorded.",
                                        value=str(raw["disability"])[:40]))
        person["disability"] = [c for c in codes if c in DISABILITIES]
    if "pregnant" in raw:
        person["pregnant"] = name_key(raw["pregnant"]) in _YES
    return person


def read(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Read and check an uploaded list into preview rows (the registry does not change)."""
    begin_write(session)
    found = session.get(RegistryImport, import_id, populate_existing=True)
    if found is None or found.status != "reading":
        session.rollback()
        return
    user = found.user
    scope = _Scope(user, found.region_code)
    session.execute(delete(ImportRow).where(ImportRow.import_id == import_id))
    table = read_table(found.content, found.filename)
    mapping = found.mapping or guess_mapping(table.headers)
    found.headers, found.mapping, found.total = table.headers, mapping, len(table.rows)
    found.processed = 0
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        found.status = "failed"
        found.error = gettext("No column for: %(fields)s. Choose the columns below.",
                              fields=", ".join(str(FIELD_LABELS[f]) for f in missing))
        session.commit()
        return
    session.commit()
    places = _Places(session, scope)
    rows = _check_rows(session, scope, table, mapping, places, import_id, still_mine)
    _find_existing(session, scope, rows, mapping, places)
    counts = _write_rows(session, import_id, rows, still_mine)
    reasons = Counter(problem for row in rows for problem in row.problems)
    begin_write(session)
    still_mine()
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(status="ready", counts=counts, processed=len(rows),
                            reasons=[[text, n] for text, n in reasons.most_common(8)])
                    .execution_options(synchronize_session=False))
    session.commit()


class _Scope:
    """The uploader as the import sees them: their region when they uploaded."""

    def __init__(self, user: User, region_code: str | None):
        self.id, self.role, self.region_code = user.id, user.role, region_code
        self.username = user.username


def _check_rows(session: Session, user: Any, table: Table, mapping: dict[str, str],
                places: _Places, import_id: int, still_mine: Callable[[], None]
                ) -> list[_Row]:
    columns = [(index, mapping[h]) for index, h in enumerate(table.headers) if h in mapping]
    known_area = places.kecamatan.__contains__
    on = today()
    has_relation = "relation" in mapping.values()
    rows: list[_Row] = []
    families: dict[str, list[_Row]] = {}
    household_checks: dict[tuple[str, str], Checked] = {}
    first_desa: dict[str, tuple[str, int]] = {}
    seen_nik: dict[str, int] = {}
    for number, cells in enumerate(table.rows):
        line = table.header_line + 1 + number
        raw = {name: cells[index] for index, name in columns}
        row = _Row(line, [c if not isinstance(c, dt.date | dt.datetime) else c.isoformat()
                          for c in cells], raw)
        if number in table.notes:
            row.warnings.append(table.notes[number])
        row.kk = clean_number(raw.get("kk_number"))
        code, problem = places.code_of(raw.get("region_code"), raw.get("kecamatan"), row.kk)
        if problem:
            row.problems.append(problem)
        household_raw: dict[str, Any] = {"kk_number": raw.get("kk_number"), "region_code": code,
                         **{k: raw.get(k) for k in ("address", "rt", "rw", "desil")
                            if k in raw}}
        if household_raw.get("desil") not in (None, ""):
            household_raw["desil_source"] = "impor"
        checked_household = household_checks.get((row.kk, code))
        if checked_household is None:
            checked_household = check_household(session, user, household_raw,
                                                known_area=known_area, on=on,
                                                region_of=places.region, duplicates=False)
            household_checks[(row.kk, code)] = checked_household
            row.warnings.extend(str(w) for w in checked_household.warnings)
        if code:
            first_code, first_line = first_desa.setdefault(row.kk, (code, line))
            if first_code != code:
                row.problems.append(gettext("The same KK is in another desa on line %(line)s.",
                                            line=first_line))
        row.problems.extend(str(m) for name, m in checked_household.errors.items()
                            if not (problem and name == "region_code"))
        person_raw = _person_raw(raw, row)
        if not has_relation:
            person_raw["relation"] = "head" if row.kk not in families else "other"
            if row.kk in families:
                row.warnings.append(gettext(
                    "The file has no relationship column: recorded as “Other” (the first row "
                    "of a KK is its head). Add a Hubungan column, or correct it on the "
                    "household's page."))
        checked = check_person(session, user, person_raw, known_area=known_area,
                               duplicates=False, on=on, refuse_missing_nik=True)
        row.problems.extend(str(m) for m in checked.errors.values())
        row.warnings.extend(str(w) for w in checked.warnings)
        values = {k: v for k, v in checked.values.items()}
        if isinstance(values.get("birth_date"), dt.date):
            values["birth_date"] = values["birth_date"].isoformat()
        row.values = {"person": values, "household": {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in checked_household.values.items()}}
        nik = values.get("nik")
        if nik:
            if nik in seen_nik:
                row.problems.append(gettext("The same NIK is on line %(line)s.",
                                            line=seen_nik[nik]))
            else:
                seen_nik[nik] = line
        families.setdefault(row.kk, []).append(row)
        rows.append(row)
        if (number + 1) % 5000 == 0:
            _progress(session, import_id, number + 1, still_mine)
    for family in families.values():
        heads = [r for r in family if r.values["person"].get("relation") == "head"]
        for extra in heads[1:]:
            extra.problems.append(gettext("A second head of family for this KK (the first is "
                                          "on line %(line)s).", line=heads[0].line))
    return rows


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _find_existing(session: Session, user: Any, rows: list[_Row],
                   mapping: dict[str, str], places: _Places) -> None:
    """Compare the rows with the registry: a family's KK and each member's NIK (or name and
    birth date, for members without one)."""
    mapped = set(mapping.values())
    kks = sorted({r.kk for r in rows if r.kk and not r.problems})
    households: dict[str, Household] = {}
    for chunk in _chunks(kks):
        for one in session.scalars(select(Household).where(Household.kk_number.in_(chunk))):
            households[one.kk_number] = one
    niks = sorted({r.values["person"]["nik"] for r in rows if r.values["person"].get("nik")})
    people: dict[str, tuple[int, int | None, str]] = {}
    for chunk in _chunks(niks):
        for person_id, nik, household_id, kk in session.execute(
                select(Person.id, Person.nik, Person.household_id, Household.kk_number)
                .outerjoin(Household, Household.id == Person.household_id)
                .where(Person.nik.in_(chunk))):
            people[nik or ""] = (person_id, household_id, kk or "")
    members: dict[int, list[Person]] = defaultdict(list)
    ids = [h.id for h in households.values()]
    for chunk in _chunks(ids):
        for person in session.scalars(select(Person).where(Person.household_id.in_(chunk))):
            members[person.household_id or 0].append(person)
    head_known = {h.id for h in households.values()
                  if any(m.relation == "head" for m in members[h.id])}
    new_heads: dict[str, bool] = defaultdict(bool)
    for row in rows:
        if row.problems:
            row.outcome = "rejected"
            continue
        person = row.values["person"]
        household: Household | None = households.get(row.kk)
        if household is not None and not in_region(user, household.region_code):
            row.problems.append(gettext("This KK is already in the registry, in another "
                                        "region."))
            row.outcome = "rejected"
            continue
        known = people.get(person.get("nik") or "")
        if known is not None and known[2] != row.kk:
            row.problems.append(gettext(
                "This NIK is already in another household (KK %(kk)s): move the person on "
                "the household's page first.", kk=mask_nik(known[2]) or "-"))
            row.outcome = "rejected"
            continue
        row.values["family_known"] = household is not None
        if household is None:
            new_heads[row.kk] = new_heads[row.kk] or person.get("relation") == "head"
            row.outcome = "new"
            continue
        row.changes = _household_changes(household, row.values["household"], mapped)
        if "region_code" in row.changes:
            row.warnings.append(gettext(
                "This family moves from desa %(old)s to desa %(new)s with this import.",
                old=places.name(household.region_code),
                new=places.name(row.values["household"]["region_code"])))
        match = _member_match(members[household.id], person, known)
        if match is None:
            if person.get("relation") == "head" and household.id in head_known:
                row.problems.append(gettext("The household already has a head of family "
                                            "in the registry."))
                row.outcome = "rejected"
                continue
            row.outcome = "new"
            continue
        row.values["person_id"] = match.id
        row.changes += _person_changes(match, person, mapped)
        row.outcome = "update" if row.changes else "same"
    warned_desil: set[str] = set()
    for row in rows:  # a new family needs its head of family in the file
        if row.outcome == "new" and row.kk not in households and not new_heads[row.kk]:
            row.problems.append(gettext("No head of family for this KK in the file, or the "
                                        "head's row was rejected."))
            row.outcome = "rejected"
        elif row.outcome != "rejected" and row.kk not in warned_desil:
            known_family = households.get(row.kk)
            desil = row.values["household"].get("desil")
            if desil is None and (known_family is None or known_family.desil is None):
                warned_desil.add(row.kk)
                row.warnings.append(gettext(
                    "No desil for this family: recipient lists built by desil leave it out "
                    "until its desil is recorded."))


def _household_changes(household: Household, values: dict[str, Any],
                       mapped: set[str]) -> list[str]:
    changed = []
    for name in HOUSEHOLD_FIELDS:
        if name in mapped and values.get(name) not in (None, "") \
                and values.get(name) != getattr(household, name):
            changed.append(name)
    return changed


def _member_match(members: list[Person], person: dict[str, Any],
                  known: tuple[int, int | None, str] | None) -> Person | None:
    if known is not None:
        return next((m for m in members if m.id == known[0]), None)
    key = name_key(person.get("full_name"))
    born = person.get("birth_date") or None
    for member in members:
        if member.name_key == key and (born is None or member.birth_date is None
                                       or member.birth_date.isoformat() == born):
            return member
    return None


def _person_changes(member: Person, values: dict[str, Any], mapped: set[str]) -> list[str]:
    changed = []
    for name in PERSON_FIELDS:
        if name not in mapped or values.get(name) in (None, "", []):
            continue
        now: Any = getattr(member, name)
        new: Any = values[name]
        if name == "birth_date":
            now = now.isoformat() if now else ""
        if name == "disability":
            new = ",".join(d for d in DISABILITIES if d in new)
        if now != new:
            changed.append(name)
    return changed


def _write_rows(session: Session, import_id: int, rows: list[_Row],
                still_mine: Callable[[], None]) -> dict[str, int]:
    counts = {"rows": len(rows), "new": 0, "update": 0, "same": 0, "rejected": 0,
              "warned": 0, "families_new": 0, "families_known": 0}
    families_new: set[str] = set()
    families_known: set[str] = set()
    for chunk in _chunks(rows, CHUNK):
        begin_write(session)
        still_mine()
        session.connection().execute(insert(ImportRow), [
            {"import_id": import_id, "line": r.line, "kk_number": r.kk[:40],
             "cells": r.cells if r.outcome == "rejected" else [],  # only for the rejected file
             "values": r.values, "outcome": r.outcome, "problems": r.problems,
             "warnings": r.warnings if r.outcome != "rejected" else [],
             "changes": r.changes, "applied": False} for r in chunk])
        session.commit()
        for r in chunk:
            counts[r.outcome] += 1
            if r.outcome != "rejected":
                counts["warned"] += bool(r.warnings)
                (families_known if r.values.get("family_known") else families_new).add(r.kk)
    counts["families_new"] = len(families_new)
    counts["families_known"] = len(families_known)
    counts["to_apply"] = counts["new"] + counts["update"]
    return counts


def apply(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Apply a confirmed import, a few hundred families at a time; each batch commits with
    its rows marked applied, so a crash resumes after the last batch and adds nothing twice."""
    begin_write(session)
    found = session.get(RegistryImport, import_id, populate_existing=True)
    if found is None or found.status != "applying":
        session.rollback()
        return
    user_id = found.user_id
    session.commit()
    # the rows still to apply, by family (read once: a few bytes a row), then whole families
    # a batch at a time, each row found by its key
    by_family: dict[str, list[int]] = defaultdict(list)
    for row_id, kk in session.connection().execute(
            select(ImportRow.id, ImportRow.kk_number).where(
                ImportRow.import_id == import_id, ImportRow.applied.is_(False),
                ImportRow.outcome.in_(("new", "update")))):
        by_family[kk].append(row_id)
    session.rollback()
    done = session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.import_id == import_id, ImportRow.applied.is_(True))) or 0
    for batch in _chunks(sorted(by_family), 1000):
        ids = [row_id for kk in batch for row_id in by_family[kk]]
        begin_write(session)
        still_mine()
        pending: list[Any] = []
        for some in _chunks(ids, 900):
            pending += session.connection().execute(
                select(ImportRow.id, ImportRow.kk_number, ImportRow.values, ImportRow.outcome,
                       ImportRow.changes).where(ImportRow.id.in_(some))).all()
        pending.sort(key=lambda r: r.id)
        if pending:
            _apply_chunk(session, user_id, import_id, pending)
            done += len(pending)
            session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                            .values(processed=done)
                            .execution_options(synchronize_session=False))
        session.commit()
    begin_write(session)
    still_mine()
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(status="done", finished_at=utcnow())
                    .execution_options(synchronize_session=False))
    session.commit()


def _apply_chunk(session: Session, user_id: int, import_id: int, pending: Sequence[Any]
                 ) -> None:
    """Rows of whole families (id, kk_number, values, outcome, changes): new families and
    members inserted in bulk, changes set on the records that exist."""
    now = utcnow()
    connection = session.connection()
    by_kk: dict[str, list[Any]] = defaultdict(list)
    for row in pending:
        by_kk[row.kk_number].append(row)
    existing = {h.kk_number: h for h in session.scalars(
        select(Household).where(Household.kk_number.in_(list(by_kk))))}
    fresh = [kk for kk in by_kk if kk not in existing]
    ids = {kk: h.id for kk, h in existing.items()}
    if fresh:
        connection.execute(insert(Household), [
            _household_row(by_kk[kk], user_id, now) for kk in fresh])
        ids.update({kk: id_ for id_, kk in connection.execute(
            select(Household.id, Household.kk_number).where(Household.kk_number.in_(fresh)))})
    positions: dict[int, int] = {}
    if existing:
        positions = {household_id or 0: top or 0 for household_id, top in connection.execute(
            select(Person.household_id, func.max(Person.position))
            .where(Person.household_id.in_([h.id for h in existing.values()]))
            .group_by(Person.household_id))}
    new_people: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for kk, family in by_kk.items():
        household_id = ids[kk]
        household = existing.get(kk)
        changed: set[str] = set()
        for row in family:
            person = row.values["person"]
            if household is not None:
                for name in row.changes:
                    if name in HOUSEHOLD_FIELDS:
                        setattr(household, name,
                                _household_value(name, row.values["household"][name]))
                        changed.add(name)
            if row.outcome == "new":
                position = positions.get(household_id, 0) + 1
                positions[household_id] = position
                new_people.append(_person_row(household_id, person, position, now))
            else:
                member = session.get(Person, row.values["person_id"])
                if member is not None and member.household_id == household_id:
                    for name in row.changes:
                        if name in PERSON_FIELDS:
                            _set_person(member, name, person[name])
                    member.updated_at = now
        if household is not None and changed:
            household.updated_at = now
            if "desil" in changed and household.desil is not None:
                household.desil_source = household.desil_source or "impor"
        events.append({"household_id": household_id, "person_id": None,
                       "kind": "created" if household is None else "imported",
                       "detail": {"import": import_id, "fields": sorted(changed),
                                  "rows": len(family)},
                       "by_id": user_id, "at": now})
    session.flush()
    if new_people:
        connection.execute(insert(Person), new_people)
    connection.execute(insert(RegistryEvent), events)
    connection.execute(update(ImportRow).where(ImportRow.id.in_([r.id for r in pending]))
                       .values(applied=True))


def _household_value(name: str, value: Any) -> Any:
    if name == "desil":
        return int(value) if value not in (None, "") else None
    return value


def _household_row(family: list[Any], user_id: int, now: dt.datetime) -> dict[str, Any]:
    head = next((r for r in family if r.values["person"].get("relation") == "head"), family[0])
    values = head.values["household"]
    desil = values.get("desil")
    return {"kk_number": values["kk_number"], "kk_reversed": reversed_digits(
        values["kk_number"]), "region_code": values["region_code"],
        "address": values.get("address") or "", "rt": values.get("rt") or "",
        "rw": values.get("rw") or "", "desil": int(desil) if desil not in (None, "") else None,
        "desil_source": values.get("desil_source") or "",
        "desil_date": None, "status": "active", "created_at": now, "created_by_id": user_id,
        "updated_at": now}


def _person_row(household_id: int, person: dict[str, Any], position: int,
                now: dt.datetime) -> dict[str, Any]:
    born = person.get("birth_date")
    return {"household_id": household_id, "nik": person.get("nik") or None,
            "nik_reversed": reversed_digits(person.get("nik") or None),
            "full_name": person["full_name"], "name_key": name_key(person["full_name"]),
            "sex": person.get("sex") or "", "birth_place": person.get("birth_place") or "",
            "birth_date": dt.date.fromisoformat(born) if born else None,
            "relation": person.get("relation") or "other", "position": position,
            "disability": person.get("disability") or "",
            "pregnant": bool(person.get("pregnant")), "school": person.get("school") or "",
            "occupation": person.get("occupation") or "", "died_on": None,
            "created_at": now, "updated_at": now}


def _set_person(member: Person, name: str, value: Any) -> None:
    if name == "birth_date":
        value = dt.date.fromisoformat(value) if value else None
    if name == "nik":
        member.nik_reversed = reversed_digits(value)
    if name == "full_name":
        member.name_key = name_key(value)
    setattr(member, name, value)

