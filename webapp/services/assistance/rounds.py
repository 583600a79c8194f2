"""A program's distribution rounds (tahap): a round opens (the families due in it are fixed
then, each with its entitled amount), its lines are ticked in the field or filled from a payout
file, and the round's step closes it with what was distributed, when, and how. A family paused
later stays due in the rounds already open.

A round's figures are computed from its lines, never typed: due, received (by the recipient or
by a proxy), not received by reason, not ticked yet, amounts. Coverage is the share of enrolled
families reached in any round (never above 100 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import (
    CHANNELS,
    SIX_T,
    SIX_T_ANSWERS,
    DistributionLine,
    DistributionRound,
    Enrolment,
    Household,
    HumanTask,
    Program,
    Region,
    RoundDocument,
    User,
)
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..workflow.attachments import Upload, store_upload
from .recipient_lists import ROUND_FORM, ListState, current_round, state
from .records import as_date, as_whole, awaits_decree


@dataclass
class Figures:
    """A round's or the program's figures, from the lines."""

    enrolled: int = 0  # families enrolled in the program (paused and exited included)
    due: int = 0  # lines: families due (a round's sasaran tahap)
    received: int = 0
    by_proxy: int = 0  # of the received, collected by a proxy (diwakilkan)
    not_received: int = 0
    unticked: int = 0
    amount: int = 0  # received
    entitled: int = 0  # what the families due were entitled to
    reached: int = 0  # distinct families reached in any round (up to this one)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def coverage_pct(self) -> float:
        if not self.enrolled:
            return 0.0
        return min(100.0, round(100.0 * self.reached / self.enrolled, 1))


def round_row(session: Session, instance_id: int, number: int) -> DistributionRound | None:
    return session.scalar(select(DistributionRound).join(Program).where(
        Program.instance_id == instance_id, DistributionRound.number == number))


def may_record(session: Session, user: User, instance_id: int) -> bool:
    """Whoever may open the round's step (its group, in its region) records its lines."""
    from ..scope import can_see_task

    task = session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == ROUND_FORM,
        HumanTask.status == "open"))
    return task is not None and can_see_task(user, task)


def recording(session: Session, user: User, instance_id: int,
              number: int) -> tuple[ListState, DistributionRound]:
    """The round ``number`` as its recorder may change it: the round whose step is waiting,
    recorded by the step's group (in the caller's unit of work)."""
    listed = state(session, user, instance_id)
    if listed.round is None:
        raise Conflict(_l("No distribution round is open for this program."))
    if number != listed.round:
        raise Conflict(_l("Round %(n)s is closed; the open round is %(open)s.", n=number,
                          open=listed.round))
    if not may_record(session, user, instance_id):
        raise Forbidden(_l("The distribution round is recorded by its group."))
    row = round_row(session, instance_id, number)
    if row is None:
        raise Conflict(_l("This program has no plan record yet."))
    return listed, row


def open_round(session: Session, user: User, instance_id: int, number: int,
               channel: str = "") -> int:
    """Open the round whose step is waiting: every family enrolled now becomes due in it, with
    its entitled amount (the family's own, or the program's benefit). Returns how many families
    are due. Opening an open round again changes nothing."""
    with unit_of_work(session):
        listed, row = recording(session, user, instance_id, number)
        if row.opened_at is not None:
            return due_count(session, row.id)
        if not listed.enrolled:
            if awaits_decree(row.program):
                raise Conflict(_l("The list awaits the decree fixing its recipients (SK "
                                  "penetapan): record it first."))
            raise Conflict(_l("No family is enrolled: the list becomes enrolled when the plan "
                              "is approved."))
        snapshot(session, row, instance_id)
        row.opened_at, row.opened_by_id = utcnow(), user.id
        if channel in CHANNELS:
            row.channel = channel
        return due_count(session, row.id)


def snapshot(session: Session, row: DistributionRound, instance_id: int) -> None:
    """One unticked line per family enrolled now, with its entitled amount (one statement)."""
    benefit = session.scalar(select(Program.benefit_amount).where(Program.id == row.program_id))
    entitled = func.coalesce(Enrolment.entitled_amount, literal(benefit)) \
        if benefit is not None else Enrolment.entitled_amount
    session.execute(insert(DistributionLine).from_select(
        ["round_id", "enrolment_id", "entitled_amount"],
        select(literal(row.id), Enrolment.id, entitled).where(
            Enrolment.instance_id == instance_id, Enrolment.status == "enrolled")))


def due_count(session: Session, round_id: int) -> int:
    return session.scalar(select(func.count(DistributionLine.id)).where(
        DistributionLine.round_id == round_id)) or 0


def close_round(session: Session, instance_id: int, form_key: str, data: dict[str, Any],
                actor: User) -> None:
    """The round's step was completed: its round closes with what the step recorded (in the
    completing transaction). Figures typed by a program without a list are kept as typed."""
    number = current_round(session, instance_id)
    row = round_row(session, instance_id, number)
    if row is None:
        return
    now = utcnow()
    row.opened_at = row.opened_at or now
    row.closed_at = now
    row.distributed_on = as_date(data.get("distribution_date"))
    row.typed_served = as_whole(data.get("households_served"))
    row.typed_amount = as_whole(data.get("amount_disbursed_rupiah"))
    on_time = data.get("on_time")
    row.typed_on_time = on_time if isinstance(on_time, bool) else None
    row.sp2d_number = str(data.get("sp2d_number") or "")[:80]
    row.sp2d_date = as_date(data.get("sp2d_date"))
    row.sp2d_amount = as_whole(data.get("sp2d_rupiah"))
    if data.get("channel") in CHANNELS:
        row.channel = data["channel"]
    row.six_t = {key: data[f"six_t_{key}"] for key in SIX_T
                 if data.get(f"six_t_{key}") in SIX_T_ANSWERS}


def figures(session: Session, instance_id: int, round_: int | None = None) -> Figures:
    """A round's figures (``round_``) or the whole program's, from the lines."""
    result = Figures()
    result.enrolled = session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.instance_id == instance_id,
        Enrolment.status.in_(("enrolled", "paused", "exited")))) or 0
    rounds = select(DistributionRound.id).join(Program).where(
        Program.instance_id == instance_id)
    if round_ is not None:
        rounds = rounds.where(DistributionRound.number == round_)
    ids = list(session.scalars(rounds))
    if not ids:
        return result
    lines = (select(DistributionLine.received, DistributionLine.reason,
                    DistributionLine.received_by, func.count(DistributionLine.id),
                    func.coalesce(func.sum(DistributionLine.amount), 0),
                    func.coalesce(func.sum(DistributionLine.entitled_amount), 0))
             .where(DistributionLine.round_id.in_(ids))
             .group_by(DistributionLine.received, DistributionLine.reason,
                       DistributionLine.received_by))
    for received, reason, received_by, count, amount, entitled in session.execute(lines):
        result.due += count
        result.entitled += int(entitled or 0)
        if received:
            result.received += count
            result.amount += int(amount or 0)
            result.by_proxy += count if received_by == "proxy" else 0
        elif received is False:
            result.not_received += count
            result.reasons[reason] = result.reasons.get(reason, 0) + count
        else:
            result.unticked += count
    reached = select(DistributionRound.id).join(Program).where(
        Program.instance_id == instance_id)
    if round_ is not None:
        reached = reached.where(DistributionRound.number <= round_)
    result.reached = session.scalar(
        select(func.count(func.distinct(DistributionLine.enrolment_id))).where(
            DistributionLine.round_id.in_(reached), DistributionLine.received.is_(True))) or 0
    return result


@dataclass
class RoundLine:
    """One round on the program's page: its record and its lines' counts."""

    row: DistributionRound
    due: int = 0
    received: int = 0
    not_received: int = 0
    amount: int = 0


def overview(session: Session, instance_id: int) -> list[RoundLine]:
    """Every round of a program with its counts (one grouped query over its lines)."""
    found = [RoundLine(row) for row in session.scalars(
        select(DistributionRound).join(Program).where(Program.instance_id == instance_id)
        .order_by(DistributionRound.number))]
    by_id = {one.row.id: one for one in found}
    if not by_id:
        return found
    for round_id, received, count, amount in session.execute(
            select(DistributionLine.round_id, DistributionLine.received,
                   func.count(DistributionLine.id),
                   func.coalesce(func.sum(DistributionLine.amount), 0))
            .where(DistributionLine.round_id.in_(list(by_id)))
            .group_by(DistributionLine.round_id, DistributionLine.received)):
        one = by_id[round_id]
        one.due += count
        if received:
            one.received += count
            one.amount += int(amount or 0)
        elif received is False:
            one.not_received += count
    return found


@dataclass
class DesaDocuments:
    """A desa of a round, with its handover records (BAST)."""

    code: str
    name: str
    due: int
    documents: list[RoundDocument] = field(default_factory=list)


def documents(session: Session, instance_id: int, number: int) -> list[DesaDocuments]:
    """The desa whose families are due in the round, each with its BAST files."""
    row = round_row(session, instance_id, number)
    if row is None:
        return []
    found = [DesaDocuments(code, name, count) for code, name, count in session.execute(
        select(Household.region_code, Region.name, func.count(DistributionLine.id))
        .join(Enrolment, Enrolment.id == DistributionLine.enrolment_id)
        .join(Household, Household.id == Enrolment.household_id)
        .join(Region, Region.code == Household.region_code)
        .where(DistributionLine.round_id == row.id)
        .group_by(Household.region_code, Region.name).order_by(Household.region_code))]
    by_code = {one.code: one for one in found}
    for document in session.scalars(select(RoundDocument).where(
            RoundDocument.round_id == row.id).order_by(RoundDocument.id)):
        if document.region_code in by_code:
            by_code[document.region_code].documents.append(document)
    return found


def add_handover(session: Session, user: User, instance_id: int, number: int,
                 region_code: str, upload: Upload) -> RoundDocument:
    """The signed BAST of one desa in the round, by whoever records the round."""
    if not upload.data:
        raise InvalidInput(_l("Choose the file of the handover record."))
    with unit_of_work(session):
        _, row = recording(session, user, instance_id, number)
        if row.opened_at is None:
            raise Conflict(_l("Round %(n)s is not open yet: open it first (this fixes the "
                              "families due in it).", n=number))
        if region_code not in {d.code for d in documents(session, instance_id, number)}:
            raise InvalidInput(_l("No family of this desa is due in the round."))
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.form_key == ROUND_FORM,
            HumanTask.status == "open"))
        assert task_id is not None  # recording() found the round's step open
        stored = store_upload(session.connection(), upload, instance_id, task_id,
                              "handover_record", user, utcnow())
        document = RoundDocument(round_id=row.id, region_code=region_code,
                                 attachment_id=stored["attachment_id"], added_by_id=user.id,
                                 detail={"filename": stored["filename"],
                                         "size": stored["size"]})
        session.add(document)
        return document


def reschedule(session: Session, user: User, instance_id: int, number: int,
               planned: dt.date | None, label: str) -> DistributionRound:
    """A round's schedule as the office sets it before it opens: its planned date (the day,
    or the end of its period) and its name ("Tahap I Januari–Maret")."""
    from ..registry import access
    from .recipient_lists import visible_instance

    access.require_editor(user)
    label = " ".join(label.split())[:80]
    with unit_of_work(session):
        visible_instance(session, user, instance_id)
        row = round_row(session, instance_id, number)
        if row is None:
            raise NotFound()
        if row.opened_at is not None:
            raise Conflict(_l("Round %(n)s is open already: its schedule is kept as it "
                              "was.", n=number))
        row.planned_date, row.label = planned, label
        return row
