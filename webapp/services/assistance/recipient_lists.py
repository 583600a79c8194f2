"""A program's recipient list (KPM): building it, approving it, and each family's status.
(Its distribution rounds and the figures steps take from them are ``rounds``.)

* **Planning**: while the plan step is open, the coordinator builds the list from the registry
  (by desa, desil, or the families of an import), inside the program's region and their own.
  The plan's target is the list's size.
* **Approval**: the plan's approver sees the list; when the program reaches its first
  distribution round the list is approved: every draft entry becomes *enrolled*, recorded with
  who approved and when.
* **Distribution**: each round is a checklist of the enrolled families. Every tick is saved on
  its own (a dropped connection loses at most the tick in flight). The round's figures are
  computed from its lines, never typed.
* **Evaluation**: coverage is the share of enrolled families reached in any round (never above
  100 %), and the amounts are compared with the budget.

Steps are recognised by their form (``program_plan``, ``distribution_record``,
``evaluation``), so programs started before recipient lists existed keep working as they did:
without a list, the forms take typed figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, select, true, update
from sqlalchemy.orm import Session, selectinload

from ...db import unit_of_work, utcnow
from ...models import (
    DistributionLine,
    DistributionRound,
    Enrolment,
    EnrolmentChange,
    Household,
    HumanTask,
    Instance,
    Person,
    Program,
    RegistryEvent,
    User,
)
from ..errors import Conflict, InvalidInput, NotFound
from ..registry import access
from ..registry.keys import name_key, prefix_range
from ..registry.search import desil_clause
from ..scope import instance_visible, within_code

PLAN_FORM = "program_plan"
ROUND_FORM = "distribution_record"
EVALUATION_FORM = "evaluation"
PER_PAGE = 50
LISTED = ("draft", "enrolled", "paused")
FIGURED_FORMS = (PLAN_FORM, ROUND_FORM, EVALUATION_FORM)  # steps that take figures from the list


@dataclass
class ListState:
    """What a program's list looks like now."""

    instance: Instance
    counts: dict[str, int] = field(default_factory=dict)
    editable: bool = False  # the plan step is open and nothing is enrolled yet
    plan_open: bool = False  # the plan step is open (a national list is imported then)
    kind: str = ""  # the program record's kind (local, national); '' before the plan is written
    round: int | None = None  # the distribution round open now
    step_id: int | None = None  # the open plan or round step (to go back to it)

    @property
    def size(self) -> int:
        return sum(self.counts.get(s, 0) for s in LISTED)

    @property
    def enrolled(self) -> int:
        return self.counts.get("enrolled", 0)


def visible_instance(session: Session, user: User, instance_id: int) -> Instance:
    found = session.scalar(select(Instance).where(Instance.id == instance_id,
                                                  instance_visible(user)))
    if found is None:
        raise NotFound()
    return found


def _open_forms(session: Session, instance_id: int) -> dict[str | None, int]:
    return {form_key: task_id for task_id, form_key in session.execute(
        select(HumanTask.id, HumanTask.form_key).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open"))}


def state(session: Session, user: User, instance_id: int) -> ListState:
    found = visible_instance(session, user, instance_id)
    result = ListState(found, counts=dict(session.execute(  # type: ignore[arg-type]
        select(Enrolment.status, func.count(Enrolment.id))
        .where(Enrolment.instance_id == instance_id).group_by(Enrolment.status)).all()))
    forms = _open_forms(session, instance_id)
    result.plan_open = PLAN_FORM in forms
    result.editable = result.plan_open and not result.enrolled
    result.kind = session.scalar(select(Program.kind).where(
        Program.instance_id == instance_id)) or ""
    result.step_id = forms.get(PLAN_FORM) or forms.get(ROUND_FORM)
    if ROUND_FORM in forms:
        result.round = current_round(session, instance_id)
    return result


def current_round(session: Session, instance_id: int, completing: int | None = None) -> int:
    """The round a distribution step records now: the first round not closed (the step being
    completed closes its round after its figures are taken). Without round rows (a program
    with no plan record), one after the round steps completed (``completing`` not counted)."""
    number = session.scalar(select(DistributionRound.number).join(Program).where(
        Program.instance_id == instance_id, DistributionRound.closed_at.is_(None))
        .order_by(DistributionRound.number).limit(1))
    if number is not None:
        return number
    query = select(func.count(HumanTask.id)).where(
        HumanTask.instance_id == instance_id, HumanTask.form_key == ROUND_FORM,
        HumanTask.status == "completed")
    if completing is not None:
        query = query.where(HumanTask.id != completing)
    return (session.scalar(query) or 0) + 1


# -- planning ----------------------------------------------------------------------------------
def _candidates(user: User, program: Instance, desa: str = "", desil: str = "",
                import_id: int | None = None) -> Any:
    query = select(Household.id).where(
        access.household_visible(user), Household.status == "active",
        within_code(program.region_code or "", Household.region_code, ranged=True)
        if program.region_code else true())
    if desa:
        query = query.where(within_code(desa, Household.region_code, ranged=True))
    if desil:
        query = query.where(desil_clause(desil))
    if import_id is not None:
        query = query.where(Household.id.in_(select(RegistryEvent.household_id).where(
            RegistryEvent.kind.in_(("created", "imported")),
            RegistryEvent.detail["import"].as_integer() == import_id)))
    return query


def registry_has_families(session: Session, user: User, instance_id: int) -> bool:
    """Whether the registry holds any active family of the program's region that the user
    may add (an empty registry there needs a village list imported first)."""
    program = visible_instance(session, user, instance_id)
    return session.scalar(select(_candidates(user, program).limit(1).exists())) or False


def add_from_registry(session: Session, user: User, instance_id: int, desa: str = "",
                      desil: str = "", import_id: int | None = None) -> int:
    """Add every matching family not yet on the list (as drafts); returns how many."""
    access.require_editor(user)
    with unit_of_work(session):
        listed = state(session, user, instance_id)
        if not listed.editable:
            raise Conflict(_l("The recipient list can be built only while the plan is being "
                              "written, before it is approved."))
        if listed.kind == "national":
            raise Conflict(_l("A national program's list is fixed by Kemensos: import it from "
                              "the SIKS-NG export."))
        already = select(Enrolment.household_id).where(Enrolment.instance_id == instance_id)
        ids = list(session.scalars(_candidates(user, listed.instance, desa, desil, import_id)
                                   .where(Household.id.not_in(already)).limit(50_000)))
        now = utcnow()
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            session.execute(insert(Enrolment), [
                {"instance_id": instance_id, "household_id": h, "status": "draft",
                 "created_at": now, "changed_at": now} for h in chunk])
        return len(ids)


def remove(session: Session, user: User, instance_id: int, enrolment_id: int) -> str:
    """Take a draft entry off the list (before approval); returns the head's name."""
    access.require_editor(user)
    with unit_of_work(session):
        listed = state(session, user, instance_id)
        if not listed.editable:
            raise Conflict(_l("The list is approved: mark a family as exited instead."))
        name = session.scalar(select(Person.full_name).join(
            Enrolment, Enrolment.household_id == Person.household_id).where(
            Enrolment.id == enrolment_id, Enrolment.instance_id == instance_id,
            Person.relation == "head").limit(1))
        gone = session.execute(delete(Enrolment).where(Enrolment.id == enrolment_id,
                                                       Enrolment.instance_id == instance_id,
                                                       Enrolment.status == "draft"))
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound()
        return name or str(_l("The family"))


def clear(session: Session, user: User, instance_id: int) -> bool:
    access.require_editor(user)
    with unit_of_work(session):
        if not state(session, user, instance_id).editable:
            raise Conflict(_l("The list is approved: mark a family as exited instead."))
        session.execute(delete(Enrolment).where(Enrolment.instance_id == instance_id,
                                                Enrolment.status == "draft"))
        return True


@dataclass
class Entry:
    enrolment: Enrolment
    household: Household
    head: Person | None
    line: DistributionLine | None = None


def entries(session: Session, user: User, instance_id: int, text: str = "", page: int = 1,
            round_: int | None = None, per_page: int = PER_PAGE,
            only: int | None = None) -> tuple[list[Entry], bool]:
    """A page of the list (with each family's line for ``round_``), searchable by the head's
    name or the last digits of the KK."""
    visible_instance(session, user, instance_id)
    query = (select(Enrolment, Household, Person)
             .join(Household, Household.id == Enrolment.household_id)
             .outerjoin(Person, and_(Person.household_id == Household.id,
                                     Person.relation == "head"))
             .where(Enrolment.instance_id == instance_id, access.household_visible(user)))
    if only is not None:
        query = query.where(Enrolment.id == only)
    text = text.strip()
    if text.isdigit() and len(text) >= 4:
        query = query.where(prefix_range(Household.kk_reversed, text[::-1]))
    elif text:
        query = query.where(prefix_range(Person.name_key, name_key(text)))
    if round_ is not None:  # the families due in that round, with their lines
        query = query.add_columns(DistributionLine).join(
            DistributionLine, DistributionLine.enrolment_id == Enrolment.id).join(
            DistributionRound, DistributionRound.id == DistributionLine.round_id).join(
            Program, Program.id == DistributionRound.program_id).where(
            Program.instance_id == instance_id, DistributionRound.number == round_)
    else:  # the list page offers each family's members as its pengurus
        query = query.options(selectinload(Household.members))
    rows = session.execute(query.order_by(Household.region_code, Household.rw, Household.rt,
                                          Person.name_key, Enrolment.id)
                           .limit(per_page + 1).offset((max(page, 1) - 1) * per_page)).all()
    found = [Entry(*row) for row in rows[:per_page]]
    return found, len(rows) > per_page


def enrol_drafts(session: Session, instance_id: int, by: User | None, reason: str) -> int:
    """The plan was approved: its draft list becomes the enrolled list (in the caller's
    transaction). Returns how many families."""
    drafts = list(session.scalars(select(Enrolment.id).where(
        Enrolment.instance_id == instance_id, Enrolment.status == "draft")))
    if not drafts:
        return 0
    now = utcnow()
    connection = session.connection()
    # by condition, not by a list of ids: a list may hold more families than SQLite takes
    # parameters in one statement
    connection.execute(update(Enrolment).where(
        Enrolment.instance_id == instance_id, Enrolment.status == "draft")
        .values(status="enrolled", changed_at=now))
    connection.execute(insert(EnrolmentChange), [
        {"enrolment_id": e, "from_status": "draft", "to_status": "enrolled", "reason": reason,
         "by_id": by.id if by else None, "at": now} for e in drafts])
    return len(drafts)


def set_status(session: Session, user: User, instance_id: int, enrolment_id: int,
               status: str, reason: str) -> Enrolment:
    """Pause, exit or re-enrol a family after approval, with the reason."""
    access.require_editor(user)
    if status not in ("enrolled", "paused", "exited", "not_eligible"):
        raise InvalidInput(_l("Not a valid choice."))
    reason = " ".join(reason.split())[:300]
    if len(reason) < 3:
        raise InvalidInput(_l("Give the reason."))
    with unit_of_work(session):
        visible_instance(session, user, instance_id)
        found = session.get(Enrolment, enrolment_id)
        if found is None or found.instance_id != instance_id or found.status == "draft":
            raise NotFound()
        session.add(EnrolmentChange(enrolment_id=found.id, from_status=found.status,
                                    to_status=status, reason=reason, by_id=user.id))
        found.status, found.changed_at = status, utcnow()
        return found


def set_terms(session: Session, user: User, instance_id: int, enrolment_id: int,
              recipient_id: int | None, entitled_amount: int | None) -> Enrolment:
    """Who collects for the family (its *pengurus*, usually the mother; the head when unset)
    and what it is entitled to per round when that differs from the program's benefit. A
    round already open keeps the amounts it fixed."""
    access.require_editor(user)
    if entitled_amount is not None and not 0 <= entitled_amount <= 10**12:
        raise InvalidInput(_l("This amount is too large."))
    with unit_of_work(session):
        visible_instance(session, user, instance_id)
        found = session.get(Enrolment, enrolment_id)
        if found is None or found.instance_id != instance_id:
            raise NotFound()
        if recipient_id is not None:
            member = session.get(Person, recipient_id)
            if member is None or member.household_id != found.household_id \
                    or member.died_on is not None:
                raise InvalidInput(_l("Choose a living member of the family."))
        found.recipient_id, found.entitled_amount = recipient_id, entitled_amount
        found.changed_at = utcnow()
        return found
