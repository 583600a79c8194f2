"""A program area's needs as the registry has them: per desa/kelurahan, its families (active
households) by desil band, and the families with an elderly member, a member with a
disability (a severe one), a child of school age out of school and a pregnant member, each
also as a share (percent of the desa's families), on a day. Read-only: counted in the database
(one grouped statement over the area's range of codes), inside what the user may see.

Each fact is defined once, here or in ``facts``:

* a *member* counts while alive on the day (``facts.alive_clause``) and not found moved away
  by verval (presence "moved"); a family is counted whatever its members;
* *elderly* (lansia): 60 or older on the day;
* *disability*: any recorded; *severe*: the severity "berat";
* *out of school* (anak tidak sekolah, as twelve years of compulsory schooling count it): aged
  7 to 18 on the day and not attending (dropped out or never went), or finished a level below
  upper secondary (SMA/SMK/MA, Paket C) and not going on. An empty school field is unknown and
  not counted: a village list without that column would otherwise show every child out of
  school;
* *pregnant*: ``facts.pregnant_clause`` (ten months from the day it was recorded).

The shares are of all the desa's families (a family without a desil is in the count, and its
band ``unknown`` says how many there are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ... import clock
from ...models import Household, Person, Region, User
from ..accounts.regions import local_date
from ..scope import in_region, within_code
from .access import household_visible
from .facts import add_months, alive_clause, pregnant_clause

DESIL_BANDS = ("1", "2", "3", "4", "5+", "unknown")
ELDERLY_AGE = 60
SCHOOL_AGES = (7, 18)  # wajib belajar 12 tahun: SD to SMA
UPPER_SECONDARY = ("sma_smk_ma", "paket_c")
# The shares a decision reads (step data names), each of the families of the chosen desa.
SHARES = ("share_desil_1_2_pct", "share_elderly_pct", "share_disability_pct",
          "share_severe_disability_pct", "share_out_of_school_pct", "share_pregnant_pct")
COUNTS = ("elderly", "disability", "severe_disability", "out_of_school", "pregnant")


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, one decimal (0.0 of nothing)."""
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass
class DesaNeeds:
    """One desa's families and their needs (or the sum of several: ``total``)."""

    code: str
    name: str
    families: int = 0
    desil: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DESIL_BANDS, 0))
    periods: set[str] = field(default_factory=set)  # the desil's quarters (2025-Q3)
    elderly: int = 0
    disability: int = 0
    severe_disability: int = 0
    out_of_school: int = 0
    pregnant: int = 0

    @property
    def desil_period(self) -> str:
        """The desil's quarter, or its first and last when families have different ones."""
        ordered = sorted(self.periods)
        return " – ".join(dict.fromkeys((ordered[0], ordered[-1]))) if ordered else ""

    def share(self, what: str) -> float:
        """The share of families (percent): a count's name, a desil band, or ``desil_1_2``."""
        if what == "desil_1_2":
            return percent(self.desil["1"] + self.desil["2"], self.families)
        count = self.desil[what] if what in self.desil else getattr(self, what)
        return percent(count, self.families)

    def shares(self) -> dict[str, float]:
        """The shares a decision reads, by their step data names (``SHARES``)."""
        return {name: self.share(name.removeprefix("share_").removesuffix("_pct"))
                for name in SHARES}

    def add(self, other: DesaNeeds) -> None:
        self.families += other.families
        for band, count in other.desil.items():
            self.desil[band] += count
        self.periods |= other.periods
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def total(rows: Iterable[DesaNeeds], code: str = "", name: str = "") -> DesaNeeds:
    """The sum of several desa."""
    summed = DesaNeeds(code, name)
    for row in rows:
        summed.add(row)
    return summed


def reference_day(area: str | None) -> dt.date:
    """Today in the area's own time zone (the app's clock)."""
    return local_date(area, clock.now())


def _member_facts(day: dt.date) -> list[Any]:
    """Per family: whether any of its members is each of ``COUNTS`` (1 or 0)."""
    youngest, oldest = SCHOOL_AGES
    school_age = and_(Person.birth_date <= add_months(day, -12 * youngest),
                      Person.birth_date > add_months(day, -12 * (oldest + 1)))
    out_of_school = and_(school_age, or_(
        Person.school == "not_attending",
        and_(Person.school == "finished", Person.school_level.not_in(UPPER_SECONDARY))))
    facts = {
        "elderly": Person.birth_date <= add_months(day, -12 * ELDERLY_AGE),
        "disability": Person.disability != "",
        "severe_disability": and_(Person.disability != "",
                                  Person.disability_severity == "berat"),
        "out_of_school": out_of_school,
        "pregnant": pregnant_clause(day),
    }
    return [func.max(case((facts[name], 1), else_=0)).label(name) for name in COUNTS]


def _families(area: str, codes: Sequence[str] | None, user: User, day: dt.date) -> Any:
    """One row per active family of the area visible to the user: its desa, desil and
    quarter, and its members' facts."""
    member = and_(Person.household_id == Household.id, alive_clause(day),
                  Person.presence != "moved")
    query = (select(Household.region_code, Household.desil, Household.desil_period,
                    *_member_facts(day))
             .select_from(Household).outerjoin(Person, member)
             .where(Household.status == "active",
                    within_code(area, Household.region_code, ranged=True),
                    household_visible(user))
             .group_by(Household.id, Household.region_code, Household.desil,
                       Household.desil_period))
    if codes is not None:
        query = query.where(Household.region_code.in_(codes))
    return query.subquery()


def _band(desil: Any, band: str) -> Any:
    if band == "unknown":
        return desil.is_(None)
    if band == "5+":
        return desil >= 5
    return desil == int(band)


def needs_by_desa(session: Session, user: User, area: str,
                  codes: Sequence[str] | None = None,
                  day: dt.date | None = None) -> list[DesaNeeds]:
    """The needs of each desa of ``area`` (a kabupaten or kecamatan code) that has families
    in the registry, or of the desa ``codes`` chosen in it (each of them, with or without
    families), on ``day`` (today in the area), counting only families the user may see; in
    the order of their codes."""
    day = day or reference_day(area)
    if codes is not None:
        codes = sorted({c for c in codes if c.startswith(area + ".") and in_region(user, c)})
        if not codes:
            return []
    families = _families(area, codes, user, day)
    desil = families.c.desil
    period = func.nullif(families.c.desil_period, "")
    rows = session.execute(
        select(families.c.region_code, func.count().label("families"),
               *[func.sum(case((_band(desil, b), 1), else_=0)).label(f"desil_{i}")
                 for i, b in enumerate(DESIL_BANDS)],
               func.min(period).label("first_period"), func.max(period).label("last_period"),
               *[func.sum(families.c[name]).label(name) for name in COUNTS])
        .group_by(families.c.region_code)).all()
    found = {row.region_code: _desa(row) for row in rows}
    wanted = list(codes) if codes is not None else sorted(found)
    names = _names(session, wanted)
    return [_named(found.get(code) or DesaNeeds(code, ""), names.get(code, code))
            for code in wanted]


def _desa(row: Any) -> DesaNeeds:
    desa = DesaNeeds(row.region_code, "", int(row.families or 0))
    desa.desil = {band: int(getattr(row, f"desil_{i}") or 0)
                  for i, band in enumerate(DESIL_BANDS)}
    desa.periods = {p for p in (row.first_period, row.last_period) if p}
    for name in COUNTS:
        setattr(desa, name, int(getattr(row, name) or 0))
    return desa


def _named(desa: DesaNeeds, name: str) -> DesaNeeds:
    desa.name = name
    return desa


def _names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Region.code, Region.name)  # type: ignore[arg-type]
                                .where(Region.code.in_(codes))).all())


def as_data(desa: DesaNeeds) -> dict[str, Any]:
    """A desa's (or a total's) figures as JSON-safe step data."""
    data: dict[str, Any] = {"registry_families": desa.families,
                            "desil_period": desa.desil_period}
    data.update({f"families_desil_{band.replace('+', '_plus')}": count
                 for band, count in desa.desil.items()})
    data.update({f"families_{name}": getattr(desa, name) for name in COUNTS})
    data.update(desa.shares())
    return data


__all__ = ["DESIL_BANDS", "SHARES", "DesaNeeds", "as_data", "needs_by_desa", "percent",
           "reference_day", "total"]
