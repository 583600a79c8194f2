"""The rules a household and its members are checked against, with the duplicate checks.

The rules live here, not in the forms, so the entry pages (``entry``) and the import apply the
same ones.
A problem with one field is an error for that field; what may be right after all (an area code
the region table does not know, a birth date differing from the NIK's, a probable duplicate)
is a warning the person confirms before it is saved. An existing NIK or KK is never saved
twice: the error links the record that has it (when the user may see it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.base import CONTROL, CONTROL_CHARACTERS

from ...models import (
    DISABILITIES,
    DISABILITY_SEVERITIES,
    HOUSEHOLD_STATUSES,
    PRESENCE,
    RELATIONSHIPS,
    SCHOOL,
    SCHOOL_LEVELS,
    Household,
    Person,
    Region,
)
from ...models import User as UserModel
from ..accounts.regions import dotted_code
from ..errors import InvalidInput
from ..privacy import mask_nik
from ..scope import in_region
from .facts import read_period
from .identity import check_kk, check_nik
from .keys import name_key, today

DESA_LEVEL = "desa_kelurahan"
_RT_RW = re.compile(r"^[0-9]{1,3}$")
_DTSEN_ID = re.compile(r"^[0-9A-Za-z./-]{1,20}$")


@dataclass
class Duplicate:
    """A record that already has this number, or probably is this person."""

    kind: str  # nik | kk | probable
    message: Any
    household_id: int | None  # None when outside the user's region (no link)
    person_id: int | None = None


@dataclass
class Checked:
    """Values after the rules: clean values, errors by field, warnings, duplicates."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Any] = field(default_factory=dict)
    warnings: list[Any] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    def merge(self, other: Checked, prefix: str = "") -> None:
        self.errors.update({prefix + k: v for k, v in other.errors.items()})
        self.warnings.extend(other.warnings)
        self.duplicates.extend(other.duplicates)

    @property
    def blocking(self) -> bool:
        return bool(self.errors) or any(d.kind != "probable" for d in self.duplicates)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings) or bool(self.duplicates)


class RegistryProblems(InvalidInput):
    """The values break a rule, or need a confirmation: ``checked`` says which and where."""

    def __init__(self, checked: Checked):
        message = (_l("Some values need correcting.") if checked.blocking else
                   _l("Check the warnings, then save again to confirm."))
        super().__init__(message, checked=checked)
        self.checked = checked


# A person this old has a NIK (a KTP-el from 17): one missing is a gap to fill, not a child's.
NIK_AGE = 17


# -- single values ---------------------------------------------------------------------------
def clean_text(raw: Mapping[str, Any], name: str, longest: int, out: Checked | None = None) -> str:
    """A text value with single spaces. With ``out``, the rules every form applies too: no
    invisible control characters, and not longer than the field (never cut silently)."""
    value = raw.get(name)
    text = " ".join(str(value if value is not None else "").split())
    if out is not None:
        if CONTROL.search(text):
            out.errors[name] = CONTROL_CHARACTERS
        elif len(text) > longest:
            out.errors[name] = _l("Please use at most %(max)d characters.", max=longest)
    return text[:longest]


def whole_number(value: Any) -> int | None:
    """A whole number however a person or a spreadsheet wrote it (2, 2.0, "2", "2,0", " 2 ");
    None when empty. ValueError when it is not a whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    text = str(value).strip().replace(",", ".")
    if re.fullmatch(r"[0-9]+(\.0+)?", text):
        return int(text.split(".")[0])
    raise ValueError(value)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(value) from None


def known_area_checker(session: Session) -> Callable[[str], bool]:
    """Whether an area code (``35.07.01``) is a kecamatan of the region table (asked once per
    code, kept for the checker's life: an import asks the same few codes many times)."""
    seen: dict[str, bool] = {}

    def known(code: str) -> bool:
        if code not in seen:
            seen[code] = session.get(Region, code) is not None
        return seen[code]

    return known


def check_household(session: Session, user: UserModel, raw: Mapping[str, Any],
                    household_id: int | None = None,
                    known_area: Callable[[str], bool] | None = None,
                    region_of: Callable[[str], Region | None] | None = None,
                    duplicates: bool = True, on: dt.date | None = None) -> Checked:
    """A household's values after the rules (No. KK, desa in the user's region, RT/RW, DTSEN
    id). The desil is not among them: only an import records it (``check_desil``).

    An import passes its own lookups (``known_area``, ``region_of``) and finds duplicates for
    the whole file at once (``duplicates=False``)."""
    out = Checked()
    values = out.values
    on = on or today()
    kk = check_kk(raw.get("kk_number"), on, known_area or known_area_checker(session))
    if kk.errors:
        out.errors["kk_number"] = kk.errors[0]
    out.warnings.extend(kk.warnings)
    values["kk_number"] = kk.number
    region_code = dotted_code(clean_text(raw, "region_code", 20))[:13]
    region = (region_of or (lambda code: session.get(Region, code)))(region_code) \
        if region_code else None
    if region is None or region.level != DESA_LEVEL:
        out.errors["region_code"] = _l("Choose the desa or kelurahan.")
    elif not in_region(user, region_code):
        out.errors["region_code"] = _l("The desa lies outside your region.")
    values["region_code"] = region_code
    values["address"] = clean_text(raw, "address", 300, out)
    for part in ("rt", "rw"):
        text = clean_text(raw, part, 4).removesuffix(".0")  # a spreadsheet's number cell: 3.0
        if text and not _RT_RW.match(text):
            out.errors[part] = _l("Write the number only, for example 3.")
        values[part] = text.zfill(3) if text and _RT_RW.match(text) else ""
    values["dtsen_id"] = clean_text(raw, "dtsen_id", 20, out)
    if values["dtsen_id"] and not _DTSEN_ID.match(values["dtsen_id"]):
        out.errors["dtsen_id"] = _l("Write the DTSEN id as DTSEN gives it: letters and digits.")
    status = str(raw.get("status") or "active")
    if status not in HOUSEHOLD_STATUSES:
        out.errors["status"] = _l("Not a valid choice.")
    values["status"] = status
    if not kk.errors and duplicates:
        out.duplicates.extend(_kk_taken(session, user, kk.number, household_id))
    return out


def check_desil(raw: Mapping[str, Any]) -> Checked:
    """An imported desil (1-10) with its DTSEN quarter (``desil_period``, 2025-Q3): a desil
    without its quarter is not recorded (a warning); an unreadable one is an error."""
    out = Checked()
    try:
        desil = whole_number(raw.get("desil"))
    except ValueError:
        desil = 0
    if desil is not None and not 1 <= desil <= 10:
        out.errors["desil"] = _l("The desil is a whole number from 1 to 10.")
        return out
    period_text = clean_text(raw, "desil_period", 40)
    period = read_period(period_text) if period_text else None
    if period_text and period is None:
        out.errors["desil_period"] = _l("The desil period is a quarter, for example 2025-Q3.")
    elif desil is not None and period is None:
        out.warnings.append(_l("The desil period is required: the desil is not recorded (add a "
                               "column Periode desil, for example 2025-Q3)."))
    elif desil is not None:
        out.values.update(desil=desil, desil_period=period)
    return out


def check_person(session: Session, user: UserModel, raw: Mapping[str, Any], *,
                 person_id: int | None = None, region_code: str = "",
                 nik_required: bool = False,
                 known_area: Callable[[str], bool] | None = None,
                 duplicates: bool = True, on: dt.date | None = None,
                 refuse_missing_nik: bool = False) -> Checked:
    """A person's values after the rules (NIK with sex and birth date, name, relation...).
    ``on``: the date the rules are checked on (today; an import passes it once).
    ``refuse_missing_nik``: an adult without a NIK is refused, not confirmed (an import)."""
    out = Checked()
    values = out.values
    on = on or today()
    values["full_name"] = clean_text(raw, "full_name", 120, out)
    if "full_name" not in out.errors and len(name_key(values["full_name"])) < 2:
        out.errors["full_name"] = _l("Write the name as on the KK.")
    sex = str(raw.get("sex") or "")
    if sex not in ("L", "P"):
        out.errors["sex"] = _l("Choose male or female.")
    values["sex"] = sex
    values["birth_place"] = clean_text(raw, "birth_place", 80, out)
    values["birth_date"] = _birth_date(raw, on, out)
    values["nik"] = None
    if raw.get("nik") not in (None, "") or nik_required:
        _person_nik(raw.get("nik"), on, known_area or known_area_checker(session), out)
    elif "birth_date" not in out.errors:
        _no_nik(out, values["birth_date"], on, refuse=refuse_missing_nik)
    _person_details(raw, out)
    if not duplicates:
        return out
    if values["nik"]:
        out.duplicates.extend(_nik_taken(session, user, values["nik"], person_id))
    if (not out.duplicates and values["birth_date"] is not None and region_code
            and "full_name" not in out.errors):
        out.duplicates.extend(_probable(session, user, values["full_name"],
                                        values["birth_date"], region_code, person_id))
    return out


def _birth_date(raw: Mapping[str, Any], on: dt.date, out: Checked) -> dt.date | None:
    try:
        born = _date(raw.get("birth_date"))
    except ValueError:
        out.errors["birth_date"] = _l("Enter a date, for example 1985-03-12.")
        return None
    if born is not None and born > on:
        out.errors["birth_date"] = _l("The date cannot be in the future.")
        return None
    return born


def _person_nik(raw: Any, on: dt.date, known_area: Callable[[str], bool], out: Checked) -> None:
    """The NIK, checked against the person's sex and birth date (which it gives when none
    was written)."""
    values = out.values
    sex = values["sex"]
    nik = check_nik(raw, on, known_area, sex=sex if sex in ("L", "P") else None,
                    birth_date=values["birth_date"])
    if nik.errors:
        out.errors["nik"] = nik.errors[0]
    else:
        values["nik"] = nik.number
        if values["birth_date"] is None and "birth_date" not in out.errors:
            values["birth_date"] = nik.date  # the NIK says it
    out.warnings.extend(nik.warnings)


def _person_details(raw: Mapping[str, Any], out: Checked) -> None:
    """Relation, disability and its severity, pregnancy, chronic illness, school and its
    level, presence and occupation."""
    values = out.values
    relation = str(raw.get("relation") or "other")
    if relation not in RELATIONSHIPS:
        out.errors["relation"] = _l("Not a valid choice.")
    values["relation"] = relation
    disability = raw.get("disability") or []
    if isinstance(disability, str):
        disability = [d for d in re.split(r"[,;\s]+", disability) if d]
    if any(d not in DISABILITIES for d in disability):
        out.errors["disability"] = _l("Not a valid choice.")
    values["disability"] = ",".join(d for d in DISABILITIES if d in disability)
    values["pregnant"] = bool(raw.get("pregnant"))  # a tick: ``entry`` records its day
    if values["pregnant"] and values["sex"] == "L":
        out.errors["pregnant"] = _l("Only a woman can be recorded as pregnant.")
    values["chronic_illness"] = bool(raw.get("chronic_illness"))
    for name, codes, default in (("disability_severity", ("", *DISABILITY_SEVERITIES), ""),
                                 ("school", ("", *SCHOOL), ""),
                                 ("school_level", ("", *SCHOOL_LEVELS), ""),
                                 ("presence", PRESENCE, "found")):
        values[name] = str(raw.get(name) or default)
        if values[name] not in codes:
            out.errors[name] = _l("Not a valid choice.")
    if values["disability_severity"] and not values["disability"] \
            and "disability" not in out.errors:
        out.errors["disability_severity"] = _l("A severity needs a disability: choose the "
                                               "disability, or leave the severity empty.")
    values["occupation"] = clean_text(raw, "occupation", 80, out)


def _no_nik(out: Checked, born: dt.date | None, on: dt.date, refuse: bool) -> None:
    """A NIK may be missing for a child (a baby not yet on the KK, a birth not yet
    registered); an adult's is on the KK. A person entering one by hand may confirm that an
    adult really has none yet; an import refuses the row (``refuse``): it cannot ask."""
    if born is None:
        message = _l("Write the NIK. It may be left empty only for a child: then give the "
                     "date of birth.")
    elif age_on(born, on) >= NIK_AGE:
        message = _l("A person of %(age)s years has a NIK (it is on the KK): write it. It may "
                     "be left empty only for a child.", age=age_on(born, on))
    else:
        return
    if refuse:
        out.errors["nik"] = message
    else:
        out.warnings.append(message)


# -- duplicates ------------------------------------------------------------------------------
def _link(user: UserModel, household: Household | None) -> int | None:
    return household.id if household is not None and in_region(user, household.region_code) \
        else None


def _kk_taken(session: Session, user: UserModel, kk: str,
              household_id: int | None) -> list[Duplicate]:
    found = session.scalar(select(Household).where(Household.kk_number == kk))
    if found is None or found.id == household_id:
        return []
    link = _link(user, found)
    return [Duplicate("kk", _l("A household with KK %(kk)s is already in the registry.",
                               kk=mask_nik(kk)) if link else
                      _l("A household with KK %(kk)s is already in the registry, in another "
                         "region.", kk=mask_nik(kk)), link)]


def _nik_taken(session: Session, user: UserModel, nik: str,
               person_id: int | None) -> list[Duplicate]:
    found = session.scalar(select(Person).where(Person.nik == nik))
    if found is None or found.id == person_id:
        return []
    link = _link(user, found.household)
    return [Duplicate("nik", _l("NIK %(nik)s belongs to %(name)s, already in the registry: "
                                "open their family, or move them from there.",
                                nik=mask_nik(nik), name=found.full_name) if link else
                      _l("NIK %(nik)s is already in the registry, in another region.",
                         nik=mask_nik(nik)), link, found.id if link else None)]


def _probable(session: Session, user: UserModel, full_name: str, birth_date: dt.date,
              region_code: str, person_id: int | None) -> list[Duplicate]:
    """Same name (as searched) and birth date, in a household of the same kabupaten/kota."""
    kabupaten = region_code[:5]
    query = (select(Person).join(Household, Person.household_id == Household.id)
             .where(Person.name_key == name_key(full_name), Person.birth_date == birth_date,
                    Household.region_code >= kabupaten + ".",
                    Household.region_code < kabupaten + "/"))
    if person_id is not None:
        query = query.where(Person.id != person_id)
    found = []
    for person in session.scalars(query.limit(3)):
        link = _link(user, person.household)
        found.append(Duplicate(
            "probable", _l("Probably the same person: %(name)s, born %(date)s, is already "
                           "in a household of this kabupaten/kota.", name=person.full_name,
                           date=birth_date.isoformat()), link, person.id if link else None))
    return found
