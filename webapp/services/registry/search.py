"""Finding families: by full NIK or No. KK, by their last digits, or by the start of a name
(case and accents ignored), with filters by desa, desil, program and enrolment state.

Every form of the query is a range over one index: a full number is an equality, the last
digits a prefix of the reversed number, a name a prefix of the normalised name. All of it
inside the user's region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select, true, union
from sqlalchemy.orm import Session

from ...models import ENROLMENT_STATUSES, Enrolment, Household, Instance, Person, Region, User
from ..scope import instance_visible, within_code
from .access import household_visible
from .identity import clean_number
from .keys import name_key, prefix_range

PER_PAGE = 25
COUNT_CAP = 100  # "more than 100": type more of the name (a count walks every match)
SHORTEST_DIGITS = 4
_DESIL = re.compile(r"^(\d{1,2})(?:-(\d{1,2}))?$")
# A number as pages show it (3507********0001): pages never echo a full number, so a search
# that comes back masked (the search box, the next page) looks for its first and last digits.
_MASKED = re.compile(r"^(\d{4})\*{8}(\d{4})$")


@dataclass
class Row:
    household: Household
    person: Person | None  # the member the query matched, or the head of family


@dataclass
class Filters:
    text: str = ""
    region: str = ""  # a desa, or a kecamatan (every desa in it)
    desil: str = ""  # "3" or "1-4"
    program: int | None = None  # instance id
    status: str = ""  # enrolment state in that program (or in any)


@dataclass
class Found:
    rows: list[Row] = field(default_factory=list)
    page: int = 1
    more: bool = False
    count: int = 0  # at most COUNT_CAP
    capped: bool = False
    problem: Any = None  # why the text was not searched
    matched_on: str = ""  # nik | kk | suffix | name | ""


def desil_clause(text: str) -> Any:
    """Households of a desil ("3") or a range of them ("1-4"); anything else filters nothing."""
    found = _DESIL.match(text.strip())
    if not found:
        return true()
    low = int(found.group(1))
    return and_(Household.desil >= low, Household.desil <= int(found.group(2) or low))


def _filtered(query: Select[Household, Person], user: User,
              filters: Filters) -> Select[Household, Person]:
    query = query.where(household_visible(user))
    if filters.region:
        query = query.where(within_code(filters.region.strip(), Household.region_code,
                                        ranged=True))
    if filters.desil:
        query = query.where(desil_clause(filters.desil))
    if filters.program is not None or filters.status in ENROLMENT_STATUSES:
        enrolled = select(Enrolment.id).where(Enrolment.household_id == Household.id)
        if filters.program is not None:
            enrolled = enrolled.where(Enrolment.instance_id == filters.program)
        if filters.status in ENROLMENT_STATUSES:
            enrolled = enrolled.where(Enrolment.status == filters.status)
        query = query.where(exists(enrolled))
    return query


def search(session: Session, user: User, filters: Filters, page: int = 1,
           per_page: int = PER_PAGE) -> Found:
    """One page of households (with the matching member) for the filters."""
    page = max(1, min(page, 400))
    found = Found(page=page)
    text = filters.text.strip()
    digits = clean_number(text) if text else ""
    masked = _MASKED.match(text.replace(" ", ""))
    if masked:
        query = _by_number(masked.group(2), found, starts=masked.group(1))
    elif text and digits.isdigit():
        if len(digits) < SHORTEST_DIGITS:
            found.problem = _l("Type at least %(n)s digits of the NIK or KK.",
                               n=SHORTEST_DIGITS)
            return found
        query = _by_number(digits, found)
    elif text:
        key = name_key(text)
        if len(key) < 2:
            found.problem = _l("Type at least two letters of the name.")
            return found
        found.matched_on = "name"
        query = (select(Household, Person).join(Person, Person.household_id == Household.id)
                 .where(prefix_range(Person.name_key, key))
                 .order_by(Person.name_key, Person.birth_date, Person.id))
    else:
        query = select(Household, Person).outerjoin(
            Person, (Person.household_id == Household.id) & (Person.relation == "head")
        ).order_by(Household.region_code, Household.rw, Household.rt, Household.id)
    query = _filtered(query, user, filters)
    rows = session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    found.more = len(rows) > per_page
    found.rows = [Row(household, person) for household, person in rows[:per_page]]
    # the count keeps the page's order: the database walks the same index and stops early
    counted = session.scalar(select(func.count()).select_from(
        query.limit(COUNT_CAP + 1).subquery())) or 0
    found.count, found.capped = min(counted, COUNT_CAP), counted > COUNT_CAP
    return found


def _by_number(digits: str, found: Found, starts: str = "") -> Select[Household, Person]:
    """A NIK matches a member; a KK matches the household (shown with its head). Each is
    looked up in its own index, then the households are read. ``starts``: the first digits
    too (a masked number)."""
    if len(digits) == 16:
        found.matched_on = "number"
        people = select(Person.id).where(Person.nik == digits)
        households = select(Household.id).where(Household.kk_number == digits)
    else:
        found.matched_on = "suffix"
        people = select(Person.id).where(prefix_range(Person.nik_reversed, digits[::-1]))
        households = select(Household.id).where(prefix_range(Household.kk_reversed,
                                                             digits[::-1]))
        if starts:
            people = people.where(prefix_range(Person.nik, starts))
            households = households.where(prefix_range(Household.kk_number, starts))
    shown = or_(Person.id.in_(people),
                Household.id.in_(households) & (Person.relation == "head"))
    # one IN over the union of both matches: the database finds the few households by key
    matched: Any = union(households, select(Person.household_id).where(Person.id.in_(people)))
    return (select(Household, Person)
            .outerjoin(Person, (Person.household_id == Household.id) & shown)
            .where(Household.id.in_(matched))
            .order_by(Household.id, Person.position))


def desa_in_use(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the desa that have households the user may see, for the filter."""
    codes = select(Household.region_code).where(household_visible(user)).distinct().subquery()
    return [(r.code, r.name) for r in session.scalars(
        select(Region).where(Region.code.in_(select(codes.c.region_code)))
        .order_by(Region.name).limit(2000))]


def programs_with_lists(session: Session, user: User) -> list[tuple[int, str]]:
    """(id, title) of the programs with a recipient list the user may see, for the filter."""
    listed = exists().where(Enrolment.instance_id == Instance.id)  # not every list's ids
    return [(i.id, i.title) for i in session.scalars(
        select(Instance).where(listed, instance_visible(user))
        .order_by(Instance.started_at.desc()).limit(200))]


def households_for(session: Session, user: User, text: str, excluding: int | None = None,
                   limit: int = 8) -> Found:
    """Households a person may move to, found as the registry's search finds them (a head's
    name, the last digits or the whole of a KK), one row each."""
    found = search(session, user, Filters(text=text[:80]), per_page=limit * 3)
    seen: set[int] = set()
    rows = []
    for row in found.rows:
        if row.household.id in seen or row.household.id == excluding:
            continue
        seen.add(row.household.id)
        rows.append(row)
    found.rows, found.more = rows[:limit], found.more or len(rows) > limit
    return found
