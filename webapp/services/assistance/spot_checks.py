"""Monitoring lapangan (uji petik): at the supervision step a supervisor visits a sample of the
families recorded as having received their assistance and checks each one in the field: did
it get it, the amount it was entitled to, on time, and was anything deducted (potongan).

The sample is drawn from the families received in the program's last closed round, the same
for everyone who opens the step (seeded by the program), large enough to mean something and
small enough to visit: 5 % of them, at least 10 and at most 30. Each check is saved on its own;
the step takes its counts from the checks, not from typed figures.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import (
    DistributionLine,
    DistributionRound,
    Enrolment,
    Household,
    HumanTask,
    Person,
    Program,
    SpotCheck,
    User,
)
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from .recipient_lists import visible_instance

FORM = "supervision_visit"
SAMPLE_SHARE, SAMPLE_MIN, SAMPLE_MAX = 0.05, 10, 30


@dataclass
class Sampled:
    """One family of the sample, with its line and its check (once made)."""

    line: DistributionLine
    household: Household
    head: Person | None
    round_number: int
    check: SpotCheck | None = None


def _last_closed_round(session: Session, instance_id: int) -> DistributionRound | None:
    return session.scalar(select(DistributionRound).join(Program).where(
        Program.instance_id == instance_id, DistributionRound.closed_at.is_not(None))
        .order_by(DistributionRound.number.desc()).limit(1))


def sample_size(received: int) -> int:
    return min(received, max(SAMPLE_MIN, min(SAMPLE_MAX, math.ceil(received * SAMPLE_SHARE))))


def sample_ids(session: Session, instance_id: int) -> tuple[DistributionRound | None, list[int]]:
    """The lines of the sample (stable for the program)."""
    row = _last_closed_round(session, instance_id)
    if row is None:
        return None, []
    received = list(session.scalars(select(DistributionLine.id).where(
        DistributionLine.round_id == row.id, DistributionLine.received.is_(True))
        .order_by(DistributionLine.id)))
    return row, sorted(random.Random(instance_id).sample(received,
                                                         sample_size(len(received))))


def sample(session: Session, user: User, instance_id: int) -> list[Sampled]:
    """The sample to visit, each family with its check so far."""
    visible_instance(session, user, instance_id)
    row, ids = sample_ids(session, instance_id)
    if row is None or not ids:
        return []
    rows = session.execute(
        select(DistributionLine, Household, Person, SpotCheck)
        .join(Enrolment, Enrolment.id == DistributionLine.enrolment_id)
        .join(Household, Household.id == Enrolment.household_id)
        .outerjoin(Person, and_(Person.household_id == Household.id,
                                Person.relation == "head"))
        .outerjoin(SpotCheck, SpotCheck.line_id == DistributionLine.id)
        .where(DistributionLine.id.in_(ids))
        .order_by(Household.region_code, Household.rw, Household.rt, DistributionLine.id))
    return [Sampled(line, household, head, row.number, check)
            for line, household, head, check in rows]


def open_step(session: Session, instance_id: int) -> int | None:
    """The monitoring step while it waits (to go back to it)."""
    return session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == FORM,
        HumanTask.status == "open"))


def _may_check(session: Session, user: User, instance_id: int) -> bool:
    from ..scope import can_see_task

    task = session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == FORM,
        HumanTask.status == "open"))
    return task is not None and can_see_task(user, task)


def record(session: Session, user: User, instance_id: int, line_id: int, received: bool,
           right_amount: bool, on_time: bool, deduction: int = 0,
           note: str = "") -> SpotCheck:
    """One family checked in the field (checking it again changes the check)."""
    note = " ".join(note.split())[:300]
    if not 0 <= deduction <= 10**12:
        raise InvalidInput(_l("Enter the amount deducted in whole rupiah, for example 50.000."))
    if (deduction or not received or not right_amount) and len(note) < 3:
        raise InvalidInput(_l("Write what the family said (a few words)."))
    with unit_of_work(session):
        visible_instance(session, user, instance_id)
        if not _may_check(session, user, instance_id):
            raise Forbidden(_l("The spot check is recorded by the group of the monitoring "
                               "step, while it is open."))
        _, ids = sample_ids(session, instance_id)
        if line_id not in ids:
            raise NotFound()
        check = session.scalar(select(SpotCheck).where(SpotCheck.line_id == line_id))
        if check is None:
            check = SpotCheck(instance_id=instance_id, line_id=line_id)
            session.add(check)
        check.received, check.right_amount, check.on_time = received, right_amount, on_time
        check.deduction = deduction if received else 0
        check.note, check.checked_by_id, check.checked_at = note, user.id, utcnow()
        return check


def step_data(session: Session, instance_id: int, form_key: str, data: dict[str, Any],
              current: dict[str, Any], completing: int | None = None,
              user: User | None = None) -> dict[str, Any]:
    """The monitoring step's counts from its checks (in the completing transaction). A
    program without a list (no sample) keeps what was typed."""
    _, ids = sample_ids(session, instance_id)
    if not ids:
        return data
    checks = session.execute(select(
        func.count(SpotCheck.id),
        func.count(SpotCheck.id).filter(SpotCheck.received.is_(False)),
        func.count(SpotCheck.id).filter(SpotCheck.right_amount.is_(False)),
        func.count(SpotCheck.id).filter(SpotCheck.on_time.is_(False)),
        func.count(SpotCheck.id).filter(SpotCheck.deduction > 0),
        func.coalesce(func.sum(SpotCheck.deduction), 0))
        .where(SpotCheck.instance_id == instance_id)).one()
    checked, missing, wrong, late, deducted, total = (int(v or 0) for v in checks)
    if completing is not None and checked == 0:
        raise Conflict(_l("Check at least one family of the sample in the field first."))
    return {**data, "households_verified": checked, "sample_size": len(ids),
            "households_not_received": missing, "households_wrong_amount": wrong,
            "households_late": late, "households_with_deduction": deducted,
            "deductions_rupiah": total}


@dataclass
class Panel:
    """The sample's counts on the monitoring step's page (the sample itself is its own page,
    read within the user's scope)."""

    instance_id: int
    round_number: int
    computed: dict[str, Any]
    template: str = "registry/_spot_check_panel.html"


def panel(session: Session, instance_id: int, form_key: str, current: dict[str, Any],
          reviewed: str | None = None, user: User | None = None) -> Panel | None:
    row, ids = sample_ids(session, instance_id)
    if row is None or not ids:
        return None
    return Panel(instance_id, row.number,
                 step_data(session, instance_id, form_key, {}, current))
