"""A program as an office reports on it: the ``program`` row the plan step writes (again after a
return for revision), and its planned rounds (tahap) with their schedule.

Pages and lists read the record, not the engine state. A program planned before these fields
existed has the ones its plan had (the migration backfilled them) and blanks for the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import (
    BENEFIT_KINDS,
    FUNDING_SOURCES,
    NATIONAL_SCHEMES,
    PROGRAM_KINDS,
    SCHEMES,
    DistributionRound,
    HumanTask,
    Program,
    User,
)
from ..errors import Conflict, InvalidInput
from ..registry import access
from ..registry.keys import today
from ..workflow.attachments import Upload, store_upload

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII", "XXIII", "XXIV")


def round_name(row: DistributionRound) -> str:
    """"Tahap II", or the label the office gave it ("Tahap I Januari–Maret")."""
    if row.label:
        return row.label
    return str(_l("Round %(n)s", n=ROMAN[row.number - 1] if row.number <= len(ROMAN)
                  else row.number))


def program_of(session: Session, instance_id: int) -> Program | None:
    return session.scalar(select(Program).where(Program.instance_id == instance_id))


def rounds_of(session: Session, instance_id: int) -> list[DistributionRound]:
    return list(session.scalars(select(DistributionRound).join(Program).where(
        Program.instance_id == instance_id).order_by(DistributionRound.number)))


def as_whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _choice(value: Any, allowed: tuple[str, ...], default: str = "") -> str:
    return value if isinstance(value, str) and value in allowed else default


def write_plan(session: Session, instance_id: int, form_key: str, data: dict[str, Any],
               actor: User) -> None:
    """The plan step was completed: the program's record and its planned rounds follow it
    (in the completing transaction)."""
    program = program_of(session, instance_id)
    if program is None:
        program = Program(instance_id=instance_id)
        session.add(program)
    start, end = as_date(data.get("start_date")), as_date(data.get("end_date"))
    program.kind = _choice(data.get("program_kind"), PROGRAM_KINDS, "local")
    program.scheme = _choice(data.get("scheme"), SCHEMES)
    program.funding = _choice(data.get("funding_source"), FUNDING_SOURCES)
    program.fiscal_year = as_whole(data.get("fiscal_year")) or (start.year if start else None)
    program.budget = as_whole(data.get("budget_rupiah"))
    program.target_kpm = as_whole(data.get("target_households"))
    program.benefit_kind = _choice(data.get("benefit_kind"), BENEFIT_KINDS, "money")
    program.benefit_amount = as_whole(data.get("benefit_rupiah"))
    program.benefit_goods = str(data.get("benefit_goods") or "")[:120]
    program.assistance_type = str(data.get("assistance_type") or "")[:12]
    program.rounds_planned = max(1, as_whole(data.get("rounds")) or 1)
    program.start_date, program.end_date = start, end
    decree = data.get("decree_file")
    program.decree_number = str(data.get("decree_number") or "")[:80]
    program.decree_date = as_date(data.get("decree_date"))
    if isinstance(decree, dict) and as_whole(decree.get("attachment_id")):
        program.decree_attachment_id = decree["attachment_id"]
    program.partners = str(data.get("partners") or "")[:1000]
    program.notes = str(data.get("plan_notes") or "")[:2000]
    program.updated_at, program.updated_by_id = utcnow(), actor.id
    session.flush()
    plan_rounds(session, program)


def planned_dates(start: dt.date | None, end: dt.date | None, count: int) -> list[dt.date | None]:
    """Rounds spread evenly over the program's period, the last on its end date."""
    if start is None or end is None or end < start:
        return [None] * count
    span = (end - start).days
    return [start + dt.timedelta(days=round(span * (i + 1) / count)) for i in range(count)]


def plan_rounds(session: Session, program: Program) -> None:
    """One round per planned tahap: rounds not opened yet follow the plan (number, schedule);
    rounds already opened are kept as they are."""
    found = {r.number: r for r in session.scalars(select(DistributionRound).where(
        DistributionRound.program_id == program.id))}
    dates = planned_dates(program.start_date, program.end_date, program.rounds_planned)
    for number in range(1, program.rounds_planned + 1):
        row = found.get(number)
        if row is None:
            row = DistributionRound(program_id=program.id, number=number, six_t={})
            session.add(row)
        if row.opened_at is None:
            row.planned_date = dates[number - 1]
    session.execute(delete(DistributionRound).where(
        DistributionRound.program_id == program.id,
        DistributionRound.number > program.rounds_planned,
        DistributionRound.opened_at.is_(None)))


def awaits_decree(program: Program | None) -> bool:
    """A local program's list becomes enrolled only with the decree fixing its recipients."""
    return program is not None and program.kind == "local" and not program.decree_number


def record_decree(session: Session, user: User, instance_id: int, number: str,
                  date: dt.date | None, upload: Upload | None = None) -> int:
    """The SK penetapan of a local program whose plan was approved without it: recorded with
    its file, and the approved list becomes the enrolled list. Returns how many families were
    enrolled."""
    from .recipient_lists import ROUND_FORM, enrol_drafts, state

    access.require_editor(user)
    number = " ".join(number.split())[:80]
    if len(number) < 3:
        raise InvalidInput(_l("Write the decree's number as it stands on the decree."))
    if date is None or date > today():
        raise InvalidInput(_l("Give the decree's date (not in the future)."))
    with unit_of_work(session):
        listed = state(session, user, instance_id)
        program = program_of(session, instance_id)
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.form_key == ROUND_FORM,
            HumanTask.status == "open"))
        if program is None or task_id is None:
            raise Conflict(_l("The decree is recorded once the plan is approved, before the "
                              "first round opens."))
        program.decree_number, program.decree_date = number, date
        if upload is not None and upload.data:
            stored = store_upload(session.connection(), upload, instance_id, task_id,
                                  "decree_file", user, utcnow())
            program.decree_attachment_id = stored["attachment_id"]
        program.updated_at, program.updated_by_id = utcnow(), user.id
        return enrol_drafts(session, instance_id, user, decree_reason(program)) \
            if listed.counts.get("draft") else 0


def decree_reason(program: Program) -> str:
    when = program.decree_date.isoformat() if program.decree_date else ""
    return str(_l("Fixed by decree %(number)s of %(date)s", number=program.decree_number,
                  date=when))


def records_of(session: Session, instance_ids: list[int]) -> dict[int, Program]:
    """The records of these programs (one query), by instance."""
    if not instance_ids:
        return {}
    return {p.instance_id: p for p in session.scalars(select(Program).where(
        Program.instance_id.in_(instance_ids)))}


def declare_national(session: Session, user: User, instance_id: int, scheme: str) -> Program:
    """A program whose plan is not written yet is national: its record is made now, so its
    list can be imported before the plan is submitted (the plan's form writes the record
    again). In the caller's unit of work."""
    if scheme not in NATIONAL_SCHEMES:
        raise InvalidInput(_l("Choose the national scheme: PKH, Sembako/BPNT, PBI-JK or BLT "
                              "Dana Desa."))
    program = program_of(session, instance_id) or Program(instance_id=instance_id)
    program.kind, program.scheme = "national", scheme
    program.funding = program.funding or ("dana_desa" if scheme == "blt_dd" else "apbn")
    program.updated_at, program.updated_by_id = utcnow(), user.id
    session.add(program)
    session.flush()
    return program
