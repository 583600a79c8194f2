"""A village list's columns and cells: the headers village offices use for each field, and the
spellings of their values (sex, relationship, disability, dates) read as the registry's rules
take them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
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
    "desil": ("desil", "desil kesejahteraan", "peringkat desil", "desil nasional",
              "desil dtsen"),
    "desil_period": ("periode desil", "periode", "periode dtsen", "triwulan desil",
                     "periode data"),
    "dtsen_id": ("id dtsen", "id keluarga dtsen", "idkeluarga dtsen", "id keluarga",
                 "no dtsen"),
    "occupation": ("pekerjaan", "jenis pekerjaan"),
    "disability": ("disabilitas", "jenis disabilitas", "penyandang disabilitas"),
    "disability_severity": ("tingkat disabilitas", "derajat disabilitas",
                            "tingkat keparahan disabilitas", "keparahan disabilitas"),
    "pregnant": ("hamil", "status hamil", "sedang hamil", "ibu hamil"),
    "chronic_illness": ("penyakit kronis", "penyakit kronis menahun", "penyakit menahun",
                        "kronis"),
    "school_level": ("jenjang pendidikan", "pendidikan", "jenjang sekolah",
                     "pendidikan terakhir", "tingkat pendidikan"),
    "presence": ("status keberadaan", "keberadaan", "status keberadaan art"),
    "benefits": ("bansos", "program bansos", "penerima bansos", "jenis bansos",
                 "bantuan sosial"),
    "benefit_pkh": ("pkh", "penerima pkh", "status pkh"),
    "benefit_sembako": ("bpnt", "sembako", "penerima bpnt", "bpnt sembako"),
    "benefit_pbi_jk": ("pbi", "pbi jk", "kis pbi", "penerima pbi"),
    "benefit_blt_dd": ("blt dd", "blt dana desa", "penerima blt dd"),
}


REQUIRED = ("kk_number", "full_name", "region_code")


HOUSEHOLD_FIELDS = ("region_code", "address", "rt", "rw", "dtsen_id", "desil", "desil_period")


PERSON_FIELDS = ("nik", "full_name", "sex", "birth_place", "birth_date", "relation",
                 "occupation", "disability", "disability_severity", "pregnant", "chronic_illness",
                 "school_level", "presence")


FIELD_LABELS = {
    "kk_number": _l("KK number"), "nik": _l("NIK"), "full_name": _l("Full name"),
    "sex": _l("Sex"), "birth_place": _l("Place of birth"), "birth_date": _l("Date of birth"),
    "relation": _l("Relationship to the head of family"), "region_code": _l("Desa / kelurahan"),
    "address": _l("Address"), "rt": _l("RT"), "rw": _l("RW"),
    "desil": _l("Welfare decile (desil)"), "occupation": _l("Occupation"),
    "disability": _l("Disability (UU 8/2016)"), "pregnant": _l("Pregnant"),
    "desil_period": _l("Desil period"), "dtsen_id": _l("DTSEN id"),
    "disability_severity": _l("Severity of the disability"),
    "chronic_illness": _l("Chronic illness"), "school_level": _l("School level"),
    "presence": _l("Presence"), "benefits": _l("National assistance"),
    "benefit_pkh": _l("PKH (yes/no)"), "benefit_sembako": _l("BPNT/Sembako (yes/no)"),
    "benefit_pbi_jk": _l("PBI-JK (yes/no)"), "benefit_blt_dd": _l("BLT Dana Desa (yes/no)"),
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


_NONE = {"", "tidak", "tidak ada", "bukan", "no", "n", "0", "false", "belum", "normal", "t"}


_YES = {"ya", "y", "yes", "1", "true", "hamil", "iya", "ada", "penerima"}


_SCHOOL_LEVEL = {
    "paud": "paud_tk", "tk": "paud_tk", "ra": "paud_tk", "paud tk": "paud_tk",
    "tk ra": "paud_tk", "sd": "sd_mi", "mi": "sd_mi", "sd mi": "sd_mi",
    "sd sederajat": "sd_mi", "smp": "smp_mts", "mts": "smp_mts", "smp mts": "smp_mts",
    "sltp": "smp_mts", "smp sederajat": "smp_mts", "sma": "sma_smk_ma", "smk": "sma_smk_ma",
    "ma": "sma_smk_ma", "sma smk ma": "sma_smk_ma", "smu": "sma_smk_ma", "slta": "sma_smk_ma",
    "sma sederajat": "sma_smk_ma", "paket a": "paket_a", "paket b": "paket_b",
    "paket c": "paket_c", "tidak sekolah": "", "belum sekolah": "", "tidak ada": "",
}


_SEVERITY = {"ringan": "ringan", "mild": "ringan", "sedang": "sedang", "moderate": "sedang",
             "berat": "berat", "sangat berat": "berat", "parah": "berat", "severe": "berat"}


_PRESENCE = {"ditemukan": "found", "ada": "found", "found": "found",
             "tidak ditemukan": "not_found", "not found": "not_found", "pindah": "moved",
             "pindah alamat": "moved", "pindah domisili": "moved", "moved": "moved",
             "meninggal": "died", "meninggal dunia": "died", "wafat": "died",
             "almarhum": "died", "almarhumah": "died", "died": "died"}


# The schemes as the lists write them (BPNT is Sembako; PBI is PBI-JK, the KIS card).
_SCHEME = {"pkh": "pkh", "bpnt": "sembako", "sembako": "sembako", "bpnt sembako": "sembako",
           "pbi": "pbi_jk", "pbi jk": "pbi_jk", "kis pbi": "pbi_jk", "kis": "pbi_jk",
           "pbi jkn": "pbi_jk", "blt dd": "blt_dd", "blt dana desa": "blt_dd",
           "blt desa": "blt_dd", "bltdd": "blt_dd"}


_MONTHS = {"januari": 1, "februari": 2, "pebruari": 2, "maret": 3, "april": 4, "mei": 5,
           "juni": 6, "juli": 7, "agustus": 8, "september": 9, "oktober": 10,
           "november": 11, "nopember": 11, "desember": 12, "jan": 1, "feb": 2, "mar": 3,
           "apr": 4, "jun": 6, "jul": 7, "agu": 8, "agt": 8, "ags": 8, "sep": 9, "okt": 10,
           "nov": 11, "des": 12}


_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%y",
                 "%d/%m/%y")


_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def guess_mapping(headers: Sequence[str],
                  fields: Mapping[str, tuple[str, ...]] = HEADERS) -> dict[str, str]:
    """Column header -> field, for the headers village lists (or ``fields``) commonly use."""
    known = {alias: name for name, aliases in fields.items() for alias in aliases}
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
    for name, spellings in (("school_level", _SCHOOL_LEVEL), ("presence", _PRESENCE),
                            ("disability_severity", _SEVERITY)):
        if name_key(raw.get(name)):  # an empty cell says nothing: the record stays
            code = spellings.get(name_key(raw[name]))
            if code is None:
                _not_recognised(row, name, raw[name])
            else:
                person[name] = code
    for name in ("pregnant", "chronic_illness"):
        if name_key(raw.get(name)):
            person[name] = said_yes(raw[name])
    return person


def said_yes(value: Any) -> bool:
    """Ya, 1, Hamil, or what names the thing (an illness: "Diabetes"); not Tidak, 0, Belum."""
    key = name_key(value)
    return key in _YES or (key not in _NONE and not key.startswith(("tidak ", "bukan ",
                                                                      "belum ")))


def _not_recognised(row: Row, name: str, value: Any) -> None:
    row.warnings.append(gettext("%(field)s not recognised (%(value)s): not recorded.",
                                field=FIELD_LABELS[name], value=str(value)[:40]))


def benefit_values(raw: dict[str, Any], row: Row) -> dict[str, bool]:
    """What a row says of the national schemes the family receives: scheme -> yes or no. A
    list ("PKH; BPNT") names all of them (the others are a no); a flag column (PKH: Ya)
    says one; an empty cell says nothing."""
    stated: dict[str, bool] = {}
    if name_key(raw.get("benefits")):
        keys = [name_key(w) for w in re.split(r"[,;/+&]|\bdan\b", str(raw["benefits"]))]
        keys = [k for k in keys if k and k not in _NONE]
        stated = dict.fromkeys(("pkh", "sembako", "pbi_jk", "blt_dd"), False)
        for key in keys:
            if key in _SCHEME:
                stated[_SCHEME[key]] = True
            else:
                _not_recognised(row, "benefits", key)
    for scheme in ("pkh", "sembako", "pbi_jk", "blt_dd"):
        cell = raw.get("benefit_" + scheme)
        if name_key(cell):
            stated[scheme] = said_yes(cell)
    return stated
