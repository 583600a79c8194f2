"""What the program's steps take from its records, and what their pages show (registered as
step hooks in ``assistance.plug_in``).

Steps are recognised by their form (``program_plan``, ``distribution_record``,
``evaluation``), so programs started before recipient lists existed keep working as they did:
without a list, the forms take typed figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import DistributionRound, Enrolment, User
from .recipient_lists import (
    EVALUATION_FORM,
    LISTED,
    PLAN_FORM,
    ROUND_FORM,
    current_round,
    enrol_drafts,
)
from .records import as_date, awaits_decree, decree_reason, program_of
from .rounds import Figures, figures, round_row


def _counts(session: Session, instance_id: int) -> dict[str, int]:
    return dict(session.execute(select(Enrolment.status, func.count(Enrolment.id)).where(
        Enrolment.instance_id == instance_id).group_by(Enrolment.status)).all())  # type: ignore[arg-type]


def step_data(session: Session, instance_id: int, form_key: str | None, data: dict[str, Any],
              current: dict[str, Any], completing: int | None = None,
              user: User | None = None) -> dict[str, Any]:
    """The figures a step of a program with a list takes from the list, whatever was typed
    (in the completing transaction). Programs without a list are left as they are. The plan's
    target stays as typed; the list's size is kept beside it."""
    if form_key not in (PLAN_FORM, ROUND_FORM, EVALUATION_FORM):
        return data
    data = dict(data)
    if form_key == ROUND_FORM:
        data.update(_timeliness(session, instance_id, data, completing))
    counts = _counts(session, instance_id)
    if not counts:
        return data
    if form_key == PLAN_FORM:
        data["list_size"] = sum(counts.get(s, 0) for s in LISTED)
        data["recipient_list"] = True
        program = program_of(session, instance_id)
        if program is not None and program.kind == "national" and counts.get("enrolled"):
            # the national list is imported and enrolled: the plan cannot make it local
            data["program_kind"], data["scheme"] = "national", program.scheme
    elif form_key == ROUND_FORM:
        round_ = current_round(session, instance_id, completing)
        found = figures(session, instance_id, round_)
        data["households_due"] = found.due
        data["households_served"] = found.received
        data["households_by_proxy"] = found.by_proxy
        data["amount_disbursed_rupiah"] = found.amount
        data["households_reached"] = found.reached
        data["households_not_received"] = found.not_received
        data["households_unticked"] = found.unticked
        data["round"] = round_
    else:
        found = figures(session, instance_id)
        data["coverage_pct"] = found.coverage_pct
        program = program_of(session, instance_id)
        budget = program.budget if program else current.get("budget_rupiah")
        if isinstance(budget, int) and budget > 0:
            data["budget_realisation_pct"] = round(100.0 * found.amount / budget, 1)
    return data


def _timeliness(session: Session, instance_id: int, data: dict[str, Any],
                completing: int | None) -> dict[str, Any]:
    """A round with a planned date was on time when it was distributed by then."""
    row = round_row(session, instance_id, current_round(session, instance_id, completing))
    distributed = as_date(data.get("distribution_date"))
    if row is None or row.planned_date is None or distributed is None:
        return {}
    return {"on_time": distributed <= row.planned_date,
            "planned_date": row.planned_date.isoformat()}


def after_step(session: Session, instance_id: int, ready_forms: list[str | None],
               actor: User) -> None:
    """When the program reaches its first distribution round, its plan was approved: the
    draft list becomes the enrolled list (in the completing transaction), if the decree fixing
    the recipients is recorded; a local program without it waits for it (``record_decree``)."""
    if ROUND_FORM not in ready_forms:
        return
    program = program_of(session, instance_id)
    if awaits_decree(program):  # approved; enrolled when its SK penetapan is recorded
        return
    reason = str(_l("Plan approved by %(name)s", name=actor.display_name))
    if program is not None and program.decree_number:
        reason = f"{reason}; {decree_reason(program)}"
    enrol_drafts(session, instance_id, actor, reason)


@dataclass
class Panel:
    """What a program step's page shows of the list (and the figures it computes)."""

    instance_id: int
    form_key: str
    size: int
    enrolled: int
    computed: dict[str, Any]
    round: int | None = None
    round_row: DistributionRound | None = None
    round_figures: Figures | None = None
    program_figures: Figures | None = None
    budget: int | None = None
    target: int | None = None  # typed at planning, shown beside the list's size
    reviewed: str | None = None  # at an approval: the form of the step it approves
    kind: str = ""  # the program's kind (a national list is imported, not built)
    template: str = "registry/_list_panel.html"  # how the task page shows it

    @property
    def over_budget(self) -> bool:
        spent = self.program_figures.amount if self.program_figures else 0
        return self.budget is not None and spent > self.budget


def panel(session: Session, instance_id: int, form_key: str | None,
          current: dict[str, Any], reviewed: str | None = None,
          user: User | None = None) -> Panel | None:
    """The list as a step of the program sees it; None for steps the list does not concern
    (and for programs without a list, except at the plan, where it is built). An approval
    sees what it approves (``reviewed``: the form of the step under review): the plan's list,
    or the evaluation's figures."""
    if form_key == "approval":
        if reviewed not in (PLAN_FORM, EVALUATION_FORM):
            return None
    elif form_key not in (PLAN_FORM, ROUND_FORM, EVALUATION_FORM):
        return None
    counts = _counts(session, instance_id)
    if not counts and form_key != PLAN_FORM:
        return None
    program = program_of(session, instance_id)
    budget = program.budget if program else current.get("budget_rupiah")
    target = program.target_kpm if program else current.get("target_households")
    computing = reviewed if form_key == "approval" else form_key
    found = Panel(instance_id, form_key, sum(counts.get(s, 0) for s in LISTED),
                  counts.get("enrolled", 0),
                  step_data(session, instance_id, computing, {}, current) if counts else {},
                  budget=budget if isinstance(budget, int) else None,
                  target=target if isinstance(target, int) else None, reviewed=reviewed)
    found.kind = program.kind if program else str(current.get("program_kind") or "")
    if form_key == ROUND_FORM:
        found.round = current_round(session, instance_id)
        found.round_row = round_row(session, instance_id, found.round)
        found.round_figures = figures(session, instance_id, found.round)
    if computing in (ROUND_FORM, EVALUATION_FORM):
        found.program_figures = figures(session, instance_id)
    return found
