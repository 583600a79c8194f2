"""Reading an uploaded list into its preview (in the worker): every row checked with the
registry's own rules, grouped into families by No. KK, compared with the registry, and given an
outcome (new, update with what changes, same, rejected with every reason). Nothing of the
registry changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import DISABILITIES, Household, ImportRow, Person, User
from ...privacy import mask_nik
from ...scope import in_region
from ..facts import open_benefit_rows, pregnant_now
from ..family_rules import Checked, check_desil, check_household, check_person
from ..files import Table
from ..identity import clean_number
from ..keys import name_key, today
from .columns import (
    FIELD_LABELS,
    HEADERS,
    HOUSEHOLD_FIELDS,
    PERSON_FIELDS,
    REQUIRED,
    Row,
    benefit_values,
    person_values,
)
from .places import Places
from .reading import ready, take_file
from .status import progress

CHUNK = 1000
# Person values the rules default (no, found): from an empty cell they are not a change.
UNSAID = ("pregnant", "chronic_illness", "presence", "school_level", "disability_severity")


def read(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Read and check an uploaded list into preview rows (the registry does not change)."""
    # Several transactions: the file is taken, checked (reading only), its rows written a chunk
    # at a time, then the import is ready; each write is its own unit of work.
    taken = take_file(session, import_id, HEADERS, REQUIRED, FIELD_LABELS)
    if taken is None:
        return
    found, table, mapping = taken
    scope = _Scope(found.user, found.region_code)
    places = Places(session, scope)
    rows = _check_rows(session, scope, table, mapping, places, import_id, still_mine)
    _find_existing(session, scope, rows, mapping, places)
    counts = _write_rows(session, import_id, rows, still_mine)
    ready(session, import_id, counts, Counter(p for row in rows for p in row.problems),
          still_mine)

class _Scope:
    """The uploader as the import sees them: their region when they uploaded."""

    def __init__(self, user: User, region_code: str | None):
        self.id, self.role, self.region_code = user.id, user.role, region_code
        self.username = user.username


def _check_rows(session: Session, user: Any, table: Table, mapping: dict[str, str],
                places: Places, import_id: int, still_mine: Callable[[], None]
                ) -> list[Row]:
    columns = [(index, mapping[h]) for index, h in enumerate(table.headers) if h in mapping]
    checker = _RowChecker(session, user, places, "relation" in mapping.values())
    rows: list[Row] = []
    for number, cells in enumerate(table.rows):
        raw = {name: cells[index] for index, name in columns}
        row = Row(table.header_line + 1 + number,
                  [c if not isinstance(c, dt.date | dt.datetime) else c.isoformat()
                   for c in cells], raw)
        if number in table.notes:
            row.warnings.append(table.notes[number])
        checker.check(row, raw)
        rows.append(row)
        if (number + 1) % 5000 == 0:
            progress(session, import_id, number + 1, still_mine)
    checker.one_head_a_family()
    return rows


class _RowChecker:
    """The rules for each row, with what the file said so far (its families, desa and NIKs)."""

    def __init__(self, session: Session, user: Any, places: Places, has_relation: bool):
        self.session, self.user, self.places = session, user, places
        self.has_relation = has_relation
        self.known_area = places.kecamatan.__contains__
        self.on = today()
        self.families: dict[str, list[Row]] = {}
        self.household_checks: dict[tuple[str, str], Checked] = {}
        self.first_desa: dict[str, tuple[str, int]] = {}
        self.seen_nik: dict[str, int] = {}

    def check(self, row: Row, raw: dict[str, Any]) -> None:
        household = self.household(row, raw)
        person = self.person(row, raw)
        values = dict(person.values)
        if isinstance(values.get("birth_date"), dt.date):
            values["birth_date"] = values["birth_date"].isoformat()
        row.values = {"person": values, "household": {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in household.values.items()}, "benefits": benefit_values(raw, row)}
        nik = values.get("nik")
        if nik:
            if nik in self.seen_nik:
                row.problems.append(gettext("The same NIK is on line %(line)s.",
                                            line=self.seen_nik[nik]))
            else:
                self.seen_nik[nik] = row.line
        self.families.setdefault(row.kk, []).append(row)

    def household(self, row: Row, raw: dict[str, Any]) -> Checked:
        """The row's household (checked once a KK and desa), and its desa against the KK's
        first row."""
        row.kk = clean_number(raw.get("kk_number"))
        code, problem = self.places.code_of(raw.get("region_code"), raw.get("kecamatan"), row.kk)
        if problem:
            row.problems.append(problem)
        checked = self.household_checks.get((row.kk, code))
        if checked is None:
            household_raw: dict[str, Any] = {
                "kk_number": raw.get("kk_number"), "region_code": code,
                **{k: raw.get(k) for k in ("address", "rt", "rw", "dtsen_id") if k in raw}}
            checked = check_household(self.session, self.user, household_raw,
                                      known_area=self.known_area, on=self.on,
                                      region_of=self.places.region, duplicates=False)
            checked.merge(desil := check_desil(raw))  # only an import records a desil
            checked.values.update(desil.values)
            self.household_checks[(row.kk, code)] = checked
            row.warnings.extend(str(w) for w in checked.warnings)
        if code:
            first_code, first_line = self.first_desa.setdefault(row.kk, (code, row.line))
            if first_code != code:
                row.problems.append(gettext("The same KK is in another desa on line %(line)s.",
                                            line=first_line))
        row.problems.extend(str(m) for name, m in checked.errors.items()
                            if not (problem and name == "region_code"))
        return checked

    def person(self, row: Row, raw: dict[str, Any]) -> Checked:
        person_raw = person_values(raw, row)
        if not self.has_relation:
            person_raw["relation"] = "head" if row.kk not in self.families else "other"
            if row.kk in self.families:
                row.warnings.append(gettext(
                    "The file has no relationship column: recorded as “Other” (the first row "
                    "of a KK is its head). Add a Hubungan column, or correct it on the "
                    "household's page."))
        checked = check_person(self.session, self.user, person_raw, known_area=self.known_area,
                               duplicates=False, on=self.on, refuse_missing_nik=True)
        for name in UNSAID:  # an empty cell says nothing: the record keeps what it has
            if name not in person_raw:
                checked.values.pop(name, None)
        row.problems.extend(str(m) for m in checked.errors.values())
        row.warnings.extend(str(w) for w in checked.warnings)
        return checked

    def one_head_a_family(self) -> None:
        for family in self.families.values():
            heads = [r for r in family if r.values["person"].get("relation") == "head"]
            for extra in heads[1:]:
                extra.problems.append(gettext("A second head of family for this KK (the first "
                                              "is on line %(line)s).", line=heads[0].line))


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _find_existing(session: Session, user: Any, rows: list[Row],
                   mapping: dict[str, str], places: Places) -> None:
    """Compare the rows with the registry: a family's KK and each member's NIK (or name and
    birth date, for members without one)."""
    known = _Known.read(session, rows)
    mapped = set(mapping.values())
    new_heads: dict[str, bool] = defaultdict(bool)
    for row in rows:
        if row.problems:
            row.outcome = "rejected"
        else:
            _compare(row, user, known, mapped, places, new_heads)
    warned_desil: set[str] = set()
    for row in rows:  # a new family needs its head of family in the file
        if row.outcome == "new" and row.kk not in known.households and not new_heads[row.kk]:
            row.problems.append(gettext("No head of family for this KK in the file, or the "
                                        "head's row was rejected."))
            row.outcome = "rejected"
        elif row.outcome != "rejected" and row.kk not in warned_desil:
            known_family = known.households.get(row.kk)
            desil = row.values["household"].get("desil")
            if desil is None and (known_family is None or known_family.desil is None):
                warned_desil.add(row.kk)
                row.warnings.append(gettext(
                    "No desil for this family: recipient lists built by desil leave it out "
                    "until its desil is recorded."))


@dataclass
class _Known:
    """What the registry holds of a file's families: households by KK, people by NIK
    (id, household id, KK), members by household, and households that have a head."""

    households: dict[str, Household]
    people: dict[str, tuple[int, int | None, str]]
    members: dict[int, list[Person]]
    head_known: set[int]
    benefits: dict[int, set[str]]  # the schemes each household receives now

    @classmethod
    def read(cls, session: Session, rows: list[Row]) -> _Known:
        kks = sorted({r.kk for r in rows if r.kk and not r.problems})
        households: dict[str, Household] = {}
        for chunk in chunks(kks):
            for one in session.scalars(select(Household).where(Household.kk_number.in_(chunk))):
                households[one.kk_number] = one
        niks = sorted({r.values["person"]["nik"] for r in rows if r.values["person"].get("nik")})
        people: dict[str, tuple[int, int | None, str]] = {}
        for chunk in chunks(niks):
            for person_id, nik, household_id, kk in session.execute(
                    select(Person.id, Person.nik, Person.household_id, Household.kk_number)
                    .outerjoin(Household, Household.id == Person.household_id)
                    .where(Person.nik.in_(chunk))):
                people[nik or ""] = (person_id, household_id, kk or "")
        members: dict[int, list[Person]] = defaultdict(list)
        for chunk in chunks([h.id for h in households.values()]):
            for person in session.scalars(select(Person).where(Person.household_id.in_(chunk))):
                members[person.household_id or 0].append(person)
        head_known = {h.id for h in households.values()
                      if any(m.relation == "head" for m in members[h.id])}
        benefits: dict[int, set[str]] = {}
        for chunk in chunks([h.id for h in households.values()]):
            for household_id, schemes in open_benefit_rows(session, list(chunk)).items():
                benefits[household_id] = set(schemes)
        return cls(households, people, members, head_known, benefits)


def _compare(row: Row, user: Any, known: _Known, mapped: set[str], places: Places,
             new_heads: dict[str, bool]) -> None:
    """One row against the registry: new, an update, the same, or rejected (and why)."""
    person = row.values["person"]
    household: Household | None = known.households.get(row.kk)
    if household is not None and not in_region(user, household.region_code):
        row.problems.append(gettext("This KK is already in the registry, in another "
                                    "region."))
        row.outcome = "rejected"
        return
    has_nik = known.people.get(person.get("nik") or "")
    if has_nik is not None and has_nik[2] != row.kk:
        row.problems.append(gettext(
            "This NIK is already in another household (KK %(kk)s): move the person on "
            "the household's page first.", kk=mask_nik(has_nik[2]) or "-"))
        row.outcome = "rejected"
        return
    row.values["family_known"] = household is not None
    if household is None:
        new_heads[row.kk] = new_heads[row.kk] or person.get("relation") == "head"
        row.outcome = "new"
        return
    row.changes = _household_changes(household, row.values["household"], mapped)
    receives_now = known.benefits.get(household.id, set())
    if any((scheme in receives_now) != receives
           for scheme, receives in row.values["benefits"].items()):
        row.changes.append("benefits")
    if "region_code" in row.changes:
        row.warnings.append(gettext(
            "This family moves from desa %(old)s to desa %(new)s with this import.",
            old=places.name(household.region_code),
            new=places.name(row.values["household"]["region_code"])))
    match = _member_match(known.members[household.id], person, has_nik)
    if match is None:
        if person.get("relation") == "head" and household.id in known.head_known:
            row.problems.append(gettext("The household already has a head of family "
                                        "in the registry."))
            row.outcome = "rejected"
            return
        row.outcome = "new"
        return
    row.values["person_id"] = match.id
    row.changes += _person_changes(match, person, mapped)
    row.outcome = "update" if row.changes else "same"


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
        now: Any = pregnant_now(member) if name == "pregnant" else getattr(member, name)
        new: Any = values[name]
        if name == "birth_date":
            now = now.isoformat() if now else ""
        if name == "disability":
            new = ",".join(d for d in DISABILITIES if d in new)
        if now != new:
            changed.append(name)
    return changed


def _write_rows(session: Session, import_id: int, rows: list[Row],
                still_mine: Callable[[], None]) -> dict[str, int]:
    counts = {"rows": len(rows), "new": 0, "update": 0, "same": 0, "rejected": 0,
              "warned": 0, "families_new": 0, "families_known": 0}
    families_new: set[str] = set()
    families_known: set[str] = set()
    for chunk in chunks(rows, CHUNK):  # a unit of work for each chunk
        with unit_of_work(session):
            still_mine()
            session.connection().execute(insert(ImportRow), [
                {"import_id": import_id, "line": r.line, "kk_number": r.kk[:40],
                 "cells": r.cells if r.outcome == "rejected" else [],  # only for the rejected file
                 "values": r.values, "outcome": r.outcome, "problems": r.problems,
                 "warnings": r.warnings if r.outcome != "rejected" else [],
                 "changes": r.changes, "applied": False} for r in chunk])
        for r in chunk:
            counts[r.outcome] += 1
            if r.outcome != "rejected":
                counts["warned"] += bool(r.warnings)
                (families_known if r.values.get("family_known") else families_new).add(r.kk)
    counts["families_new"] = len(families_new)
    counts["families_known"] = len(families_known)
    counts["to_apply"] = counts["new"] + counts["update"]
    return counts
