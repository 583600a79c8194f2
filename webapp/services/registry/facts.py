"""The facts eligibility rules read from the registry, each defined once: whether a person
counts as pregnant on a day (in Python and as SQL), a desil's quarter, and the national schemes
a household receives now.

A pregnancy is recorded with the day it was recorded and counts for ten months from that day
(a pregnancy noted in its first weeks is over by then), never after the person's death.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...models import BENEFIT_SCHEMES, Household, HouseholdBenefit, Person
from .keys import today

PREGNANCY_MONTHS = 10
DESIL_SOURCE = "DTSEN"  # the national register ranks households; Simpul only imports it
_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), the month's last day where it is shorter
    (31 Aug + 1 month = 30 Sep)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def pregnancy_ends(recorded_on: dt.date) -> dt.date:
    """The first day a pregnancy recorded on ``recorded_on`` no longer counts."""
    return add_months(recorded_on, PREGNANCY_MONTHS)


def dead_on(person: Person, day: dt.date) -> bool:
    """Dead on ``day``: died on or before it (a death recorded without its date, as an
    import may, counts from always)."""
    if person.died_on is not None:
        return person.died_on <= day
    return person.presence == "died"


def pregnant_on(person: Person, day: dt.date) -> bool:
    """Whether the person counts as pregnant on ``day``: recorded on or before it, less than
    ten months before it, and alive on it."""
    recorded = person.pregnancy_recorded_on
    return (recorded is not None and recorded <= day < pregnancy_ends(recorded)
            and not dead_on(person, day))


def pregnant_now(person: Person) -> bool:
    """``pregnant_on`` today (what a form's "Pregnant" box shows)."""
    return pregnant_on(person, today())


def _earliest_counting(day: dt.date) -> dt.date:
    """The earliest recording day whose pregnancy still counts on ``day`` (month ends make
    ``day`` minus ten months inexact: the few days around it are tried)."""
    guess = add_months(day, -PREGNANCY_MONTHS)
    for offset in range(-4, 5):
        candidate = guess + dt.timedelta(days=offset)
        if pregnancy_ends(candidate) > day:
            return candidate
    return guess  # not reached: the ends of nine neighbouring days straddle any day


def alive_clause(day: dt.date) -> Any:
    """Not ``dead_on`` the day, as a SQL condition on ``Person``."""
    return or_(Person.died_on > day, and_(Person.died_on.is_(None), Person.presence != "died"))


def pregnant_clause(day: dt.date) -> Any:
    """``pregnant_on`` as a SQL condition on ``Person`` (to count in the database)."""
    return and_(Person.pregnancy_recorded_on <= day,
                Person.pregnancy_recorded_on >= _earliest_counting(day),
                alive_clause(day))


def pregnancy_after_tick(recorded_on: dt.date | None, ticked: bool,
                         today: dt.date) -> dt.date | None:
    """The recording day after a form's "Pregnant" box: ticked keeps a pregnancy that still
    counts (its day unchanged) and records a new one today otherwise; unticked clears it."""
    if not ticked:
        return None
    if recorded_on is not None and recorded_on <= today < pregnancy_ends(recorded_on):
        return recorded_on
    return today


def read_period(value: Any) -> str | None:
    """A desil's quarter as DTSEN names it ("2025-Q3") however a file wrote it (2025 Q3,
    Q3 2025, 2025/3, Triwulan III 2025, TW 3 2025); None when it is not one."""
    text = " ".join(str(value if value is not None else "").upper().split())
    if _PERIOD.match(text):
        return text
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", text)
    if year is None:
        return None
    rest = (text[:year.start()] + " " + text[year.end():]).replace("TRIWULAN", "Q")
    rest = rest.replace("KUARTAL", "Q").replace("TW", "Q")
    quarter = re.fullmatch(r"[\s/\-]*Q?\s*(IV|I{1,3}|[1-4])[\s/\-]*", rest) or \
        re.fullmatch(r"[\s/\-]*(IV|I{1,3}|[1-4])\s*Q[\s/\-]*", rest)
    if quarter is None:
        return None
    number = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(quarter.group(1)) or int(quarter.group(1))
    return f"{year.group(1)}-Q{number}"


def record_desil(household: Household, desil: int | None, period: str) -> None:
    """Set a household's desil as DTSEN gives it, with its quarter (in the caller's unit of
    work): what an import does, and a demo's or a test's registry."""
    household.desil, household.desil_period = desil, period
    household.desil_source = DESIL_SOURCE if desil is not None else ""
    household.desil_date = today() if desil is not None else None


def open_benefits(household: Household) -> list[str]:
    """The schemes the household receives now (an open row each), in the schemes' order."""
    schemes = {b.scheme for b in household.benefits if b.to_date is None}
    return [s for s in BENEFIT_SCHEMES if s in schemes]


def open_benefit_rows(session: Session, household_ids: list[int]
                      ) -> dict[int, dict[str, HouseholdBenefit]]:
    """Household id -> scheme -> its open row, for the households given."""
    found: dict[int, dict[str, HouseholdBenefit]] = {}
    if not household_ids:
        return found
    for row in session.scalars(select(HouseholdBenefit).where(
            HouseholdBenefit.household_id.in_(household_ids),
            HouseholdBenefit.to_date.is_(None))):
        found.setdefault(row.household_id, {})[row.scheme] = row
    return found
