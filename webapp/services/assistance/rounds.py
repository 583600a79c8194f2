"""A program's distribution rounds: the checklist of enrolled families, ticked one by one, and
the figures the program's steps take from the lines (registered as step hooks).

Every tick is saved on its own (a dropped connection loses at most the tick in flight). A
round's figures are computed from its lines, never typed; coverage is the share of enrolled
families reached in any round (never above 100 %), and amounts are compared with the budget.
Steps are recognised by their form (``program_plan``, ``distribution_record``, ``evaluation``),
so programs started before recipient lists existed keep working as they did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import NOT_RECEIVED_REASONS, DistributionLine, Enrolment, HumanTask, User
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..registry.keys import WIT
from .recipient_lists import (
    EVALUATION_FORM,
    LISTED,
    PLAN_FORM,
    ROUND_FORM,
    current_round,
    enrol_drafts,
    state,
)


@dataclass
class Figures:
    """A round's or the program's figures, from the lines."""

    enrolled: int = 0
    received: int = 0
    not_received: int = 0
    unticked: int = 0
    amount: int = 0
    reached: int = 0  # distinct families reached in any round
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def coverage_pct(self) -> float:
        if not self.enrolled:
            return 0.0
        return min(100.0, round(100.0 * self.reached / self.enrolled, 1))


# -- distribution ------------------------------------------------------------------------------
def tick(session: Session, user: User, instance_id: int, enrolment_id: int, round_: int,
         received: bool, reason: str = "", amount: int | None = None, goods: str = "",
         note: str = "", ticked_at: dt.datetime | None = None) -> DistributionLine:
    """Record one family in the open round: received, or not and why. Saved at once; ticking
    again changes it while the round is open. Two phones ticking the same family at the same
    moment make one line (the later tick wins).

    ``ticked_at`` is when the tick was made on the phone: a tick kept offline and sent again
    later counts from that moment, and one older than the line already recorded (a re-send of
    a tick since changed) changes nothing."""
    at = _tick_moment(ticked_at)
    try:
        return _tick(session, user, instance_id, enrolment_id, round_, received, reason,
                     amount, goods, note, at)
    except IntegrityError:  # the other tick inserted the line first (rolled back): update it
        return _tick(session, user, instance_id, enrolment_id, round_, received, reason,
                     amount, goods, note, at)


# A phone may keep a tick for a while without a connection; one claiming to be older than this
# (or in the future) has a wrong clock, and counts from when it arrives.
OFFLINE_AT_MOST = dt.timedelta(days=14)


def _tick_moment(ticked_at: dt.datetime | None) -> dt.datetime:
    now = utcnow()
    if ticked_at is None or ticked_at.tzinfo is None:
        return now
    if ticked_at > now + dt.timedelta(minutes=2) or ticked_at < now - OFFLINE_AT_MOST:
        return now
    return min(ticked_at, now)


def _tick(session: Session, user: User, instance_id: int, enrolment_id: int, round_: int,
          received: bool, reason: str, amount: int | None, goods: str,
          note: str, at: dt.datetime) -> DistributionLine:
    with unit_of_work(session):
        listed = state(session, user, instance_id)
        if listed.round is None:
            raise Conflict(_l("No distribution round is open for this program."))
        if round_ != listed.round:
            raise Conflict(_l("Round %(n)s is closed; the open round is %(open)s.", n=round_,
                              open=listed.round))
        if not _may_record(session, user, instance_id):
            raise Forbidden(_l("The distribution round is recorded by its group."))
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.instance_id != instance_id \
                or enrolment.status != "enrolled":
            raise NotFound()
        if not received and reason not in NOT_RECEIVED_REASONS:
            raise InvalidInput(_l("Say why the family did not receive it."))
        note = " ".join(note.split())[:300]
        if not received and reason == "other" and len(note) < 3:
            raise InvalidInput(_l("Write what happened (a few words)."))
        if amount is not None and not 0 <= amount <= 10**12:
            raise InvalidInput(_l("This amount is too large."))
        line = session.scalar(select(DistributionLine).where(
            DistributionLine.enrolment_id == enrolment_id, DistributionLine.round == round_))
        if line is None:
            line = DistributionLine(enrolment_id=enrolment_id, round=round_)
            session.add(line)
        elif line.ticked_at is not None and at < line.ticked_at:
            return line
        line.received = received
        line.received_on = at.astimezone(WIT).date() if received else None
        line.amount = amount if received else None
        line.goods = goods.strip()[:200] if received else ""
        line.reason = "" if received else reason
        line.note = note
        line.ticked_by_id, line.ticked_at = user.id, at
        return line


def _may_record(session: Session, user: User, instance_id: int) -> bool:
    """Whoever may open the round's step (its group, in its region) records its lines."""
    from ..scope import can_see_task

    task = session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == ROUND_FORM,
        HumanTask.status == "open"))
    return task is not None and can_see_task(user, task)


def figures(session: Session, instance_id: int, round_: int | None = None) -> Figures:
    """A round's figures (``round_``) or the whole program's, from the lines."""
    result = Figures()
    result.enrolled = session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.instance_id == instance_id,
        Enrolment.status.in_(("enrolled", "paused", "exited")))) or 0
    lines = (select(DistributionLine.received, DistributionLine.reason,
                    func.count(DistributionLine.id), func.coalesce(
                        func.sum(DistributionLine.amount), 0))
             .join(Enrolment, Enrolment.id == DistributionLine.enrolment_id)
             .where(Enrolment.instance_id == instance_id)
             .group_by(DistributionLine.received, DistributionLine.reason))
    if round_ is not None:
        lines = lines.where(DistributionLine.round == round_)
    for received, reason, count, amount in session.execute(lines):
        if received:
            result.received += count
            result.amount += int(amount or 0)
        elif received is False:
            result.not_received += count
            result.reasons[reason] = result.reasons.get(reason, 0) + count
    result.reached = session.scalar(
        select(func.count(func.distinct(DistributionLine.enrolment_id)))
        .join(Enrolment, Enrolment.id == DistributionLine.enrolment_id)
        .where(Enrolment.instance_id == instance_id, DistributionLine.received.is_(True),
               *(() if round_ is None else (DistributionLine.round <= round_,)))) or 0
    if round_ is not None:
        enrolled_now = session.scalar(select(func.count(Enrolment.id)).where(
            Enrolment.instance_id == instance_id, Enrolment.status == "enrolled")) or 0
        result.unticked = max(0, enrolled_now - result.received - result.not_received)
    return result


# -- the steps ---------------------------------------------------------------------------------
def step_data(session: Session, instance_id: int, form_key: str | None, data: dict[str, Any],
              current: dict[str, Any], completing: int | None = None) -> dict[str, Any]:
    """The figures a step of a program with a list takes from the list, whatever was typed
    (in the completing transaction). Programs without a list are left as they are."""
    if form_key not in (PLAN_FORM, ROUND_FORM, EVALUATION_FORM):
        return data
    counts = dict(session.execute(select(Enrolment.status, func.count(Enrolment.id)).where(
        Enrolment.instance_id == instance_id).group_by(Enrolment.status)).all())
    if not counts:
        return data
    data = dict(data)
    if form_key == PLAN_FORM:
        data["target_households"] = sum(counts.get(s, 0) for s in LISTED)
        data["recipient_list"] = True
    elif form_key == ROUND_FORM:
        round_ = current_round(session, instance_id, completing)
        found = figures(session, instance_id, round_)
        data["households_served"] = found.received
        data["amount_disbursed_rupiah"] = found.amount
        data["households_reached"] = found.reached
        data["households_not_received"] = found.not_received
        data["households_unticked"] = found.unticked
        data["round"] = round_
    else:
        found = figures(session, instance_id)
        data["coverage_pct"] = found.coverage_pct
        budget = current.get("budget_rupiah")
        if isinstance(budget, int) and budget > 0:
            data["budget_realisation_pct"] = round(100.0 * found.amount / budget, 1)
    return data


def after_step(session: Session, instance_id: int, ready_forms: list[str | None],
               actor: User) -> None:
    """When the program reaches its first distribution round, its plan was approved: the
    draft list becomes the enrolled list (in the completing transaction)."""
    if ROUND_FORM in ready_forms:
        enrol_drafts(session, instance_id, actor,
                     str(_l("Plan approved by %(name)s", name=actor.display_name)))



@dataclass
class Panel:
    """What a program step's page shows of the list (and the figures it computes)."""

    instance_id: int
    form_key: str
    size: int
    enrolled: int
    computed: dict[str, Any]
    round: int | None = None
    round_figures: Figures | None = None
    program_figures: Figures | None = None
    budget: int | None = None
    reviewed: str | None = None  # at an approval: the form of the step it approves
    template: str = "registry/_list_panel.html"  # how the task page shows it

    @property
    def over_budget(self) -> bool:
        spent = self.program_figures.amount if self.program_figures else 0
        return self.budget is not None and spent > self.budget


def panel(session: Session, instance_id: int, form_key: str | None,
          current: dict[str, Any], reviewed: str | None = None) -> Panel | None:
    """The list as a step of the program sees it; None for steps the list does not concern
    (and for programs without a list, except at the plan, where it is built). An approval
    sees what it approves (``reviewed``: the form of the step under review): the plan's list,
    or the evaluation's figures."""
    if form_key == "approval":
        if reviewed not in (PLAN_FORM, EVALUATION_FORM):
            return None
    elif form_key not in (PLAN_FORM, ROUND_FORM, EVALUATION_FORM):
        return None
    counts = dict(session.execute(select(Enrolment.status, func.count(Enrolment.id)).where(
        Enrolment.instance_id == instance_id).group_by(Enrolment.status)).all())
    size = sum(counts.get(s, 0) for s in LISTED)
    if not counts and form_key != PLAN_FORM:
        return None
    budget = current.get("budget_rupiah")
    computing = reviewed if form_key == "approval" else form_key
    found = Panel(instance_id, form_key, size, counts.get("enrolled", 0),
                  step_data(session, instance_id, computing, {}, current) if counts else {},
                  budget=budget if isinstance(budget, int) else None, reviewed=reviewed)
    if form_key == ROUND_FORM:
        found.round = current_round(session, instance_id)
        found.round_figures = figures(session, instance_id, found.round)
    if computing in (ROUND_FORM, EVALUATION_FORM):
        found.program_figures = figures(session, instance_id)
    return found
