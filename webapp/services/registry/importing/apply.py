"""Applying a confirmed import (in the worker): new families and members inserted, known ones
updated, a few hundred families at a time; each batch commits with its rows marked applied, so
a crash resumes after the last batch and adds nothing twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import (
    Household,
    HouseholdBenefit,
    ImportRow,
    Person,
    RegistryEvent,
    RegistryImport,
)
from ..facts import DESIL_SOURCE, open_benefit_rows, pregnancy_after_tick
from ..keys import name_key, reversed_digits, today
from ..whereabouts import died_reason, moved_reason, review_enrolments
from .check import chunks
from .columns import HOUSEHOLD_FIELDS, PERSON_FIELDS
from .status import finished, processed


def apply(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Apply a confirmed import, a few hundred families at a time; each batch commits with
    its rows marked applied, so a crash resumes after the last batch and adds nothing twice."""
    # Several transactions, each a unit of work: the import is taken, then each batch, then
    # the end (between them the rows still to apply are read, writing nothing).
    with unit_of_work(session):
        found = session.get(RegistryImport, import_id, populate_existing=True)
        if found is None or found.status != "applying":
            return  # nothing written: the unit ends empty
        user_id = found.user_id
        source = found.filename[:40]  # where the national schemes were read
    # the rows still to apply, by family (read once: a few bytes a row), then whole families
    # a batch at a time, each row found by its key
    by_family: dict[str, list[int]] = defaultdict(list)
    for row_id, kk in session.connection().execute(
            select(ImportRow.id, ImportRow.kk_number).where(
                ImportRow.import_id == import_id, ImportRow.applied.is_(False),
                ImportRow.outcome.in_(("new", "update")))):
        by_family[kk].append(row_id)
    done = session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.import_id == import_id, ImportRow.applied.is_(True))) or 0
    for batch in chunks(sorted(by_family), 1000):
        ids = [row_id for kk in batch for row_id in by_family[kk]]
        with unit_of_work(session):
            still_mine()
            pending: list[Any] = []
            for some in chunks(ids, 900):
                pending += session.connection().execute(
                    select(ImportRow.id, ImportRow.kk_number, ImportRow.values,
                           ImportRow.outcome, ImportRow.changes)
                    .where(ImportRow.id.in_(some))).all()
            pending.sort(key=lambda r: r.id)
            if pending:
                _apply_chunk(session, _Import(import_id, user_id, source), pending)
                done += len(pending)
                processed(session, import_id, done)
    finished(session, import_id, still_mine)


@dataclass
class _Import:
    id: int
    user_id: int
    source: str


def _apply_chunk(session: Session, done_by: _Import, pending: Sequence[Any]) -> None:
    """Rows of whole families (id, kk_number, values, outcome, changes): new families and
    members inserted in bulk, changes set on the records that exist."""
    now, user_id, import_id = utcnow(), done_by.user_id, done_by.id
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
        changed = _apply_family(session, family, household_id, household, positions,
                                new_people, now)
        events.append({"household_id": household_id, "person_id": None,
                       "kind": "created" if household is None else "imported",
                       "detail": {"import": import_id, "fields": sorted(changed),
                                  "rows": len(family)},
                       "by_id": user_id, "at": now})
        if household is not None:
            events += _whereabouts(session, family, household_id, done_by, now)
    session.flush()
    _record_benefits(session, by_kk, ids, done_by, now)
    if new_people:
        connection.execute(insert(Person), new_people)
    connection.execute(insert(RegistryEvent), events)
    connection.execute(update(ImportRow).where(ImportRow.id.in_([r.id for r in pending]))
                       .values(applied=True))


def _apply_family(session: Session, family: list[Any], household_id: int,
                  household: Household | None, positions: dict[int, int],
                  new_people: list[dict[str, Any]], now: dt.datetime) -> set[str]:
    """One family's rows: changes set on the household and members that exist, new members
    added to ``new_people`` (inserted in bulk); the household fields changed."""
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
        if changed & {"desil", "desil_period"}:
            household.desil_source, household.desil_date = DESIL_SOURCE, today()
    return changed


def _whereabouts(session: Session, family: list[Any], household_id: int, done_by: _Import,
                 now: dt.datetime) -> list[dict[str, Any]]:
    """A death or a head's move in the family's rows: its programs under review, and the
    death in its history (an import does not know the date)."""
    events: list[dict[str, Any]] = []
    for row in family:
        presence = row.values["person"].get("presence")
        if "presence" not in row.changes or presence not in ("died", "moved"):
            continue
        name, relation = row.values["person"]["full_name"], row.values["person"]["relation"]
        if presence == "died":
            events.append({"household_id": household_id, "person_id": row.values["person_id"],
                           "kind": "died", "detail": {"import": done_by.id},
                           "by_id": done_by.user_id, "at": now})
            review_enrolments(session, household_id, died_reason(name, None), done_by.user_id)
        elif relation == "head":
            review_enrolments(session, household_id, moved_reason(name, today()),
                              done_by.user_id)
    return events


def _record_benefits(session: Session, by_kk: dict[str, list[Any]], ids: dict[str, int],
                     done_by: _Import, now: dt.datetime) -> None:
    """The national schemes the families' rows name: a row opened for each new one (one open
    row per household and scheme), closed for each the rows say no longer."""
    said: dict[int, dict[str, bool]] = {}
    for kk, family in by_kk.items():
        stated = said.setdefault(ids[kk], {})
        for row in family:
            for scheme, receives in row.values.get("benefits", {}).items():
                stated[scheme] = stated.get(scheme, False) or receives  # any yes is a yes
    open_now = open_benefit_rows(session, [h for h, stated in said.items() if stated])
    day = today()
    for household_id, stated in said.items():
        current = open_now.get(household_id, {})
        for scheme, receives in stated.items():
            if receives and scheme not in current:
                session.add(HouseholdBenefit(household_id=household_id, scheme=scheme,
                                             from_date=day, source=done_by.source,
                                             imported_at=now, import_id=done_by.id))
            elif not receives and scheme in current:
                current[scheme].to_date = day


def _household_value(name: str, value: Any) -> Any:
    if name == "desil":
        return int(value) if value not in (None, "") else None
    return value


def _household_row(family: list[Any], user_id: int, now: dt.datetime) -> dict[str, Any]:
    head = next((r for r in family if r.values["person"].get("relation") == "head"), family[0])
    values = head.values["household"]
    desil = _household_value("desil", values.get("desil"))
    return {"kk_number": values["kk_number"], "kk_reversed": reversed_digits(
        values["kk_number"]), "region_code": values["region_code"],
        "address": values.get("address") or "", "rt": values.get("rt") or "",
        "rw": values.get("rw") or "", "dtsen_id": values.get("dtsen_id") or "",
        "desil": desil, "desil_period": values.get("desil_period") or "" if desil else "",
        "desil_source": DESIL_SOURCE if desil else "", "desil_date": today() if desil else None,
        "status": "active", "created_at": now, "created_by_id": user_id, "updated_at": now}


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
            "disability_severity": person.get("disability_severity") or "",
            "pregnancy_recorded_on": today() if person.get("pregnant") else None,
            "chronic_illness": bool(person.get("chronic_illness")),
            "school": person.get("school") or "", "school_level": person.get("school_level") or "",
            "presence": person.get("presence") or "found",
            "occupation": person.get("occupation") or "", "died_on": None,
            "created_at": now, "updated_at": now}


def _set_person(member: Person, name: str, value: Any) -> None:
    if name == "pregnant":
        member.pregnancy_recorded_on = pregnancy_after_tick(member.pregnancy_recorded_on,
                                                            bool(value), today())
        return
    if name == "birth_date":
        value = dt.date.fromisoformat(value) if value else None
    if name == "nik":
        member.nik_reversed = reversed_digits(value)
    if name == "full_name":
        member.name_key = name_key(value)
    setattr(member, name, value)
