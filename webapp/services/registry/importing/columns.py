"""A village list's columns and cells: the headers village offices use for each field, and the
spellings of their values (sex, relationship, disability, dates) read as the registry's rules
take them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ....models import DISABILITIES
from ..keys import name_key

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


SEX_SPELLINGS = {"l": "L", "lk": "L", "laki laki": "L", "laki": "L", "pria": "L", "1": "L",
                 "m": "L", "male": "L", "p": "P", "pr": "P", "perempuan": "P", "wanita": "P",
                 "2": "P", "f": "P", "female": "P", "w": "P"}


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
class Row:
    line: int
    cells: list[Any]
    raw: dict[str, Any]
    kk: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    outcome: str = "new"


def read_date(value: Any) -> tuple[Any, str | None]:
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


def person_values(raw: dict[str, Any], row: Row) -> dict[str, Any]:
    """A row's person fields as the registry's rules take them (village spellings read)."""
    person: dict[str, Any] = {"nik": raw.get("nik"), "full_name": raw.get("full_name"),
                              "birth_place": raw.get("birth_place") or ""}
    if "sex" in raw:
        sex = name_key(raw["sex"])
        person["sex"] = SEX_SPELLINGS.get(sex, sex.upper())
    if "birth_date" in raw:
        person["birth_date"], problem = read_date(raw["birth_date"])
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
