"""Reading a national list into its preview (in the worker): each row's family found by its
No. KK (or a member's NIK) among the families the uploader may see, and an outcome given:
*matched* (will be enrolled, with its amount and pengurus), *listed* (on the list already),
*unknown* (not in the registry: the office registers it first), *duplicate* (a second row of
a family) or *rejected* (unreadable, or outside the program's region). Nothing of the list
changes here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import Enrolment, Household, ImportRow, Instance, Person, RegistryImport
from ...privacy import mask_nik
from ...registry.importing.check import chunks
from ...registry.importing.reading import ready, take_file
from ...registry.keys import name_key, today
from ..payouts.payout_columns import Payout, read_payout, readable_numbers
from .national_columns import FIELD_LABELS, HEADERS, REQUIRED, WORKLIST

CHUNK = 1000
_READ = ("kk_number", "nik", "name", "amount")  # what ``read_payout`` reads of a row


@dataclass
class _Row:
    line: int
    cells: list[Any]
    given: Payout  # the row's KK, NIK, name and amount as read (with its problems)
    desa: str = ""
    kk: str = ""  # the file's KK when readable, then the family's
    nik: str = ""
    household_id: int | None = None
    outcome: str = ""
    warnings: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def read(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Read and check a national list into preview rows (the list does not change)."""
    taken = take_file(session, import_id, HEADERS, REQUIRED, FIELD_LABELS)
    if taken is None:
        return
    found, table, mapping = taken
    columns = [(index, mapping[h]) for index, h in enumerate(table.headers) if h in mapping]
    on = today()
    rows = []
    for number, cells in enumerate(table.rows):
        raw = {name: cells[index] for index, name in columns}
        row = _Row(table.header_line + 1 + number,
                   [c.isoformat() if isinstance(c, dt.date | dt.datetime) else c
                    for c in cells],
                   read_payout({name: raw.get(name) for name in _READ}),
                   " ".join(str(raw.get("desa") or "").split())[:120])
        row.kk, row.nik = readable_numbers(row.given, on)
        rows.append(row)
    _match(session, found, rows)
    counts = _write_rows(session, import_id, rows, still_mine)
    ready(session, import_id, counts,
          Counter(p for row in rows for p in row.given.problems), still_mine)


@dataclass
class _Family:
    id: int
    kk: str
    region: str
    status: str
    members: list[Any] = field(default_factory=list)  # (id, NIK, name key, died on, name)


@dataclass
class _Families:
    by_kk: dict[str, _Family] = field(default_factory=dict)  # visible ones only
    by_nik: dict[str, _Family] = field(default_factory=dict)  # a member's NIK -> its family


def _inside(scope: str | None, code: str | None) -> bool:
    return not scope or (code is not None and (code == scope or code.startswith(scope + ".")))


def _families(session: Session, scope: str | None, rows: list[_Row]) -> _Families:
    """The families the rows name that the uploader may see (others are unknown to them).
    (As ``payout_check._families``, with the family's status and members.)"""
    found = _Families()
    known: dict[int, _Family] = {}
    kks = sorted({r.kk for r in rows if r.kk})
    for some in chunks(kks, 900):
        for family in session.execute(select(
                Household.id, Household.kk_number, Household.region_code, Household.status)
                .where(Household.kk_number.in_(list(some)))):
            if _inside(scope, family.region_code):
                found.by_kk[family.kk_number] = known.setdefault(family.id, _Family(*family))
    niks = sorted({r.nik for r in rows if r.nik and r.kk not in found.by_kk})
    for some in chunks(niks, 900):
        for nik, household_id, kk, region, status in session.execute(
                select(Person.nik, Household.id, Household.kk_number, Household.region_code,
                       Household.status)
                .join(Household, Household.id == Person.household_id)
                .where(Person.nik.in_(list(some)))):
            if _inside(scope, region):
                found.by_nik[nik or ""] = known.setdefault(
                    household_id, _Family(household_id, kk, region, status))
    for some in chunks(sorted(known), 900):
        for person in session.execute(select(
                Person.household_id, Person.id, Person.nik, Person.name_key, Person.died_on,
                Person.full_name).where(Person.household_id.in_(list(some)))):
            known[person.household_id].members.append(person[1:])
    return found


def _match(session: Session, found: RegistryImport, rows: list[_Row]) -> None:
    """Each row's family and outcome."""
    region = session.scalar(select(Instance.region_code).where(
        Instance.id == found.instance_id))
    families = _families(session, found.region_code, rows)
    listed = set(session.scalars(select(Enrolment.household_id).where(
        Enrolment.instance_id == found.instance_id)))
    seen: dict[int, int] = {}
    for row in rows:
        if row.given.problems:
            row.outcome = "rejected"
            continue
        family = families.by_kk.get(row.kk) if row.kk else None
        if family is None and row.nik:
            family = families.by_nik.get(row.nik)
            if family is not None and row.kk:
                row.warnings.append(gettext("The file's No. KK is not the registry's: the "
                                            "family was found by the NIK."))
        if family is None:
            row.outcome = "unknown"
            continue
        row.household_id, row.kk = family.id, family.kk
        if not _inside(region, family.region):
            row.outcome = "rejected"
            row.given.problems.append(gettext("The family lives outside the program's "
                                              "region."))
        elif family.id in seen:
            row.outcome = "duplicate"
            row.given.problems.append(gettext("This family is on line %(line)s already.",
                                              line=seen[family.id]))
        else:
            seen[family.id] = row.line
            row.outcome = "listed" if family.id in listed else "matched"
            _enrolment(row, family)


def _enrolment(row: _Row, family: _Family) -> None:
    """What the row's enrolment will hold: its amount and its pengurus (a living member
    named by the row's NIK, or by its name when exactly one member bears it)."""
    given = row.given
    living = [m for m in family.members if m[3] is None]
    chosen = [m for m in living if row.nik and m[1] == row.nik]
    if not chosen and given.name:
        chosen = [m for m in living if m[2] == name_key(given.name)]
        if len(chosen) != 1:
            row.warnings.append(gettext(
                "No living member of the family is named %(name)s: the head collects until "
                "you choose the pengurus on the list.", name=given.name) if not chosen else
                gettext("%(count)s members of the family are named %(name)s: choose the "
                        "pengurus on the list.", count=len(chosen), name=given.name))
            chosen = []
    if family.status != "active":
        row.warnings.append(gettext("The registry records this family as moved or closed: "
                                    "check it."))
    row.values = {"household_id": family.id, "amount": given.amount, "name": given.name,
                  "desa": row.desa, "recipient_id": chosen[0][0] if chosen else None,
                  "recipient": chosen[0][4] if chosen else ""}


def _write_rows(session: Session, import_id: int, rows: Sequence[_Row],
                still_mine: Callable[[], None]) -> dict[str, int]:
    counts = Counter({"rows": len(rows)})
    for chunk in chunks(rows, CHUNK):  # a unit of work for each chunk
        with unit_of_work(session):
            still_mine()
            session.connection().execute(insert(ImportRow), [
                {"import_id": import_id, "line": r.line, "kk_number": r.kk[:40],
                 # the file's cells only where the worklist's file needs them
                 "cells": r.cells if r.outcome in WORKLIST else [],
                 "values": r.values or {"name": r.given.name, "desa": r.desa,
                                        "nik": mask_nik(r.nik)},
                 "outcome": r.outcome, "problems": r.given.problems,
                 "warnings": r.warnings, "changes": [], "applied": False} for r in chunk])
        for r in chunk:
            counts[r.outcome] += 1
            counts["warned"] += bool(r.warnings)
            if r.outcome == "matched":
                counts["amount"] += r.values["amount"] or 0
                counts["with_amount"] += r.values["amount"] is not None
                counts["with_recipient"] += r.values["recipient_id"] is not None
    counts["to_apply"] = counts["matched"]
    return dict(counts)
