"""Applying a confirmed national list (in the worker): each matched family is enrolled at
once, with its amount and pengurus, and the change recorded with the file it came from. A
national list needs no SK penetapan: Kemensos fixed it.

A thousand families at a time, each chunk committed with its rows marked applied: a crash
resumes after the last chunk, and a family already on the list is never enrolled twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import Enrolment, EnrolmentChange, HumanTask, ImportRow, Program, RegistryImport
from ...errors import InvalidInput
from ...registry.importing.status import finished, processed
from ..recipient_lists import PLAN_FORM
from .national_columns import APPLIED

CHUNK = 1000


def apply(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Enrol the families of a confirmed national list, a chunk at a time."""
    with unit_of_work(session):
        found = session.get(RegistryImport, import_id, populate_existing=True)
        if found is None or found.status != "applying":
            return  # nothing written: the unit ends empty
        instance_id, user_id = found.instance_id or 0, found.user_id
        reason = gettext("National list from SIKS-NG (file %(name)s)",
                         name=found.filename)[:300]
    done = session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.import_id == import_id, ImportRow.applied.is_(True))) or 0
    after = 0  # by key, not by offset: the rows applied are never read again
    while True:
        with unit_of_work(session):
            still_mine()
            still_planning(session, instance_id)
            pending = session.execute(
                select(ImportRow.id, ImportRow.values).where(
                    ImportRow.import_id == import_id, ImportRow.id > after,
                    ImportRow.applied.is_(False), ImportRow.outcome.in_(APPLIED))
                .order_by(ImportRow.id).limit(CHUNK)).all()
            if not pending:
                break
            after = pending[-1].id
            _enrol(session, instance_id, user_id, reason, pending)
            session.execute(update(ImportRow).where(ImportRow.id.in_([r.id for r in pending]))
                            .values(applied=True).execution_options(synchronize_session=False))
            done += len(pending)
            processed(session, import_id, done)
    finished(session, import_id, still_mine)


def still_planning(session: Session, instance_id: int) -> None:
    """The list is fixed before the first round: the plan step is still open, and the
    program is still national."""
    kind = session.scalar(select(Program.kind).where(Program.instance_id == instance_id))
    plan = session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == PLAN_FORM,
        HumanTask.status == "open").limit(1))
    if kind != "national" or plan is None:
        raise InvalidInput(gettext("The plan was submitted since the preview: the rest of the "
                                   "list was not enrolled. The families already enrolled "
                                   "stay."))


def _enrol(session: Session, instance_id: int, user_id: int, reason: str,
           pending: Sequence[Any]) -> None:
    """The chunk's families not on the list yet, enrolled, each with its change."""
    wanted = {row.values["household_id"]: row.values for row in pending}
    already = set(session.scalars(select(Enrolment.household_id).where(
        Enrolment.instance_id == instance_id, Enrolment.household_id.in_(list(wanted)))))
    new = [values for household_id, values in wanted.items() if household_id not in already]
    if not new:
        return
    now = utcnow()
    connection = session.connection()
    connection.execute(insert(Enrolment), [
        {"instance_id": instance_id, "household_id": v["household_id"], "status": "enrolled",
         "recipient_id": v.get("recipient_id"), "entitled_amount": v.get("amount"),
         "created_at": now, "changed_at": now} for v in new])
    made = session.scalars(select(Enrolment.id).where(
        Enrolment.instance_id == instance_id,
        Enrolment.household_id.in_([v["household_id"] for v in new])))
    connection.execute(insert(EnrolmentChange), [
        {"enrolment_id": enrolment_id, "from_status": "", "to_status": "enrolled",
         "reason": reason, "by_id": user_id, "at": now} for enrolment_id in made])
