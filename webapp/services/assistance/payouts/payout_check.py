"""Reading a payout file into its preview (in the worker): each row's family found by its
No. KK (or a member's NIK) among the families the uploader may see, then its line in the
round, and an outcome given: *matched* (received), *returned* (with the reason), *unknown*
(no such family), *outside* (not due in this round), *duplicate* (a second row of a family
this file already named) or *rejected* (unreadable, with every reason). A line ticked in the
field is a warning: the payer's file replaces the tick when applied. Nothing of the round's
lines changes here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import DistributionLine, Enrolment, Household, Person, RegistryImport
from ...privacy import mask_nik
from ...registry.importing.check import chunks
from ...registry.importing.reading import ready, store_rows, take_file
from ...registry.keys import today
from ...scope import in_region
from .payout_columns import (
    FIELD_LABELS,
    HEADERS,
    REQUIRED,
    UNMATCHED,
    Payout,
    read_payout,
    readable_numbers,
)

CHUNK = 1000


@dataclass
class _Row:
    line: int
    cells: list[Any]
    payout: Payout
    kk: str = ""  # the file's KK when readable, then the family's
    nik: str = ""
    household_id: int | None = None
    outcome: str = ""
    warnings: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def read(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Read and check a payout file into preview rows (the round's lines do not change)."""
    taken = take_file(session, import_id, HEADERS, REQUIRED, FIELD_LABELS)
    if taken is None:
        return
    found, table, mapping = taken
    columns = [(index, mapping[h]) for index, h in enumerate(table.headers) if h in mapping]
    on = today()
    rows = []
    for number, cells in enumerate(table.rows):
        row = _Row(table.header_line + 1 + number,
                   [c.isoformat() if isinstance(c, dt.date | dt.datetime) else c
                    for c in cells],
                   read_payout({name: cells[index] for index, name in columns}))
        row.kk, row.nik = readable_numbers(row.payout, on)
        rows.append(row)
    _match(session, found, rows)
    counts = _write_rows(session, import_id, rows, still_mine)
    ready(session, import_id, counts,
          Counter(p for row in rows for p in row.payout.problems), still_mine)


def _match(session: Session, found: RegistryImport, rows: list[_Row]) -> None:
    """Each row's family and line, and its outcome."""
    scope = _Scope(found.user.role, found.region_code)
    lines = _lines(session, found.round_id or 0)
    families = _families(session, scope, rows, lines.values())
    seen: dict[int, int] = {}
    for row in rows:
        if row.payout.problems:
            row.outcome = "rejected"
            continue
        household = families.by_kk.get(row.kk) if row.kk else None
        if household is None and row.nik:
            household = families.by_nik.get(row.nik)
        if household is None:
            row.outcome = "unknown"
            continue
        row.household_id, row.kk = household
        line = lines.get(row.household_id)
        if line is None:
            row.outcome = "outside"
        elif row.household_id in seen:
            row.outcome = "duplicate"
            row.payout.problems.append(gettext("This family is on line %(line)s already.",
                                               line=seen[row.household_id]))
        else:
            seen[row.household_id] = row.line
            row.outcome = "matched" if row.payout.received else "returned"
            row.values = {"line_id": line.id, "entitled": line.entitled,
                          **row.payout.values()}
            _warn(row, line)


@dataclass
class _Scope:
    role: str
    region_code: str | None


@dataclass
class _Families:
    by_kk: dict[str, tuple[int, str]]  # KK -> (household id, KK), visible ones only
    by_nik: dict[str, tuple[int, str]]  # a member's NIK -> the same


def _families(session: Session, scope: Any, rows: list[_Row],
              lines: Iterable[_Line] = ()) -> _Families:
    """The families the rows name that the uploader may see (others are unknown to them);
    those of the round's ``lines`` known already, the others looked up."""
    found = _Families({}, {})
    kks = {r.kk for r in rows if r.kk}
    for line in lines:
        if line.kk in kks:
            kks.discard(line.kk)
            if in_region(scope, line.region):
                found.by_kk[line.kk] = (line.household_id, line.kk)
    for some in chunks(sorted(kks), 900):
        for household_id, kk, region in session.execute(
                select(Household.id, Household.kk_number, Household.region_code)
                .where(Household.kk_number.in_(list(some)))):
            if in_region(scope, region):
                found.by_kk[kk] = (household_id, kk)
    niks = sorted({r.nik for r in rows if r.nik and r.kk not in found.by_kk})
    for some in chunks(niks, 900):
        for nik, household_id, kk, region in session.execute(
                select(Person.nik, Household.id, Household.kk_number, Household.region_code)
                .join(Household, Household.id == Person.household_id)
                .where(Person.nik.in_(list(some)))):
            if in_region(scope, region):
                found.by_nik[nik or ""] = (household_id, kk)
    return found


@dataclass
class _Line:
    id: int
    source: str
    received: bool | None
    entitled: int | None
    household_id: int = 0
    kk: str = ""  # the family's, and where it lives
    region: str | None = None


def _lines(session: Session, round_id: int) -> dict[int, _Line]:
    """The round's lines by household, with their families' KK (one query: a few numbers a
    family; most rows of a payout file find their family here)."""
    return {household_id: _Line(line_id, source, received, entitled, household_id, kk, region)
            for line_id, household_id, source, received, entitled, kk, region
            in session.execute(
                select(DistributionLine.id, Enrolment.household_id, DistributionLine.source,
                       DistributionLine.received, DistributionLine.entitled_amount,
                       Household.kk_number, Household.region_code)
                .join(Enrolment, Enrolment.id == DistributionLine.enrolment_id)
                .join(Household, Household.id == Enrolment.household_id)
                .where(DistributionLine.round_id == round_id))}


def _warn(row: _Row, line: _Line) -> None:
    payout = row.payout
    if line.source == "tick" and line.received is not None:
        row.warnings.append(gettext(
            "Ticked in the field as received: the file's record replaces the tick.")
            if line.received else gettext(
            "Ticked in the field as not received: the file's record replaces the tick."))
        row.values["replaces_tick"] = True
    if payout.received and payout.amount is not None and line.entitled is not None \
            and payout.amount != line.entitled:
        row.warnings.append(gettext(
            "Paid Rp %(paid)s; the family is entitled to Rp %(entitled)s.",
            paid=f"{payout.amount:,}".replace(",", "."),
            entitled=f"{line.entitled:,}".replace(",", ".")))


def _write_rows(session: Session, import_id: int, rows: list[_Row],
                still_mine: Callable[[], None]) -> dict[str, int]:
    counts = Counter({"rows": len(rows)})
    for chunk in chunks(rows, CHUNK):  # a unit of work for each chunk
        with unit_of_work(session):
            still_mine()
            store_rows(session, [
                {"import_id": import_id, "line": r.line, "kk_number": r.kk[:40],
                 # the file's cells only where the unmatched rows' file needs them
                 "cells": r.cells if r.outcome in UNMATCHED else [],
                 "values": r.values or {"name": r.payout.name, "nik": mask_nik(r.nik)},
                 "outcome": r.outcome, "problems": r.payout.problems,
                 "warnings": r.warnings, "changes": [], "applied": False} for r in chunk])
        for r in chunk:
            counts[r.outcome] += 1
            counts["warned"] += bool(r.warnings)
            counts["replaces_tick"] += bool(r.values.get("replaces_tick"))
            if r.outcome == "matched":
                counts["amount"] += r.values["amount"] or r.values["entitled"] or 0
                counts["by_proxy"] += r.payout.received_by == "proxy"
    counts["to_apply"] = counts["matched"] + counts["returned"]
    return dict(counts)
