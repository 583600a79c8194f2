"""A household's page: its members, its programs and a timeline of what happened to it, newest
first (registry changes, enrolments, distribution rounds, and the steps of its programs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...models import (
    DistributionLine,
    DistributionRound,
    Enrolment,
    EnrolmentChange,
    Event,
    Household,
    Instance,
    Person,
    RegistryEvent,
    User,
)
from ..privacy import mask_nik
from ..scope import in_region, instance_visible
from .access import get_household
from .facts import open_benefits, pregnant_on
from .keys import today

LIMIT = 200
# Steps of a program shown in an enrolled household's timeline.
PROGRAM_ACTIONS = ("instance.started", "task.completed", "instance.completed",
                   "instance.terminated", "instance.suspended")


@dataclass
class Entry:
    at: dt.datetime
    kind: str  # registry event kind, enrolment, distribution, step
    by: User | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    instance_id: int | None = None
    instance_title: str = ""
    person_name: str = ""
    other: str = ""  # the other household of a move


@dataclass
class HouseholdPage:
    household: Household
    enrolments: list[Enrolment]
    timeline: list[Entry]
    today: dt.date = field(default_factory=today)

    @property
    def benefits(self) -> list[str]:
        """The national schemes the family receives now, as the imports said."""
        return open_benefits(self.household)

    def pregnancy(self, person: Person) -> str:
        """"counted" (pregnant today), "past" (recorded, no longer counted), or ""."""
        if person.pregnancy_recorded_on is None:
            return ""
        return "counted" if pregnant_on(person, self.today) else "past"


def household_page(session: Session, user: User, household_id: int) -> HouseholdPage:
    household = get_household(session, user, household_id)
    enrolments = list(session.scalars(
        select(Enrolment).where(Enrolment.household_id == household.id)
        .options(selectinload(Enrolment.instance)).order_by(Enrolment.created_at.desc())))
    events = list(session.scalars(select(RegistryEvent).where(
        RegistryEvent.household_id == household.id)
        .order_by(RegistryEvent.at.desc()).limit(LIMIT)))
    names = _names(session, household, events)
    others = _other_households(session, user, events)
    entries: list[Entry] = []
    for event in events:
        other = (event.detail.get("to") or event.detail.get("source")) \
            if event.kind in ("moved_out", "moved_in") else None
        entries.append(Entry(event.at, event.kind, event.by, dict(event.detail),
                             person_name=names.get(event.person_id or 0, ""),
                             other=others.get(other, "") if other else ""))
    titles = {e.instance_id: e.instance.title for e in enrolments}
    enrolment_ids = [e.id for e in enrolments]
    by_enrolment = {e.id: e for e in enrolments}
    if enrolment_ids:
        for change in session.scalars(select(EnrolmentChange).where(
                EnrolmentChange.enrolment_id.in_(enrolment_ids))
                .order_by(EnrolmentChange.at.desc()).limit(LIMIT)):
            enrolment = by_enrolment[change.enrolment_id]
            entries.append(Entry(change.at, "enrolment", change.by,
                                 {"from": change.from_status, "to": change.to_status,
                                  "reason": change.reason},
                                 enrolment.instance_id, titles[enrolment.instance_id]))
        for line, number in session.execute(
                select(DistributionLine, DistributionRound.number)
                .join(DistributionRound, DistributionRound.id == DistributionLine.round_id)
                .where(DistributionLine.enrolment_id.in_(enrolment_ids),
                       DistributionLine.ticked_at.is_not(None))
                .order_by(DistributionLine.ticked_at.desc()).limit(LIMIT)):
            enrolment = by_enrolment[line.enrolment_id]
            assert line.ticked_at is not None
            entries.append(Entry(line.ticked_at, "distribution", line.ticked_by,
                                 {"round": number, "received": line.received,
                                  "by_proxy": line.proxy_name,
                                  "amount": line.amount, "goods": line.goods,
                                  "reason": line.reason},
                                 enrolment.instance_id, titles[enrolment.instance_id]))
        entries.extend(_program_steps(session, user, list(titles), titles))
    entries.sort(key=lambda e: e.at, reverse=True)
    return HouseholdPage(household, enrolments, entries[:LIMIT])


def _names(session: Session, household: Household,
           events: list[RegistryEvent]) -> dict[int, str]:
    """Who each entry is about: members, and those who moved out since."""
    names = {m.id: m.full_name for m in household.members}
    gone = {e.person_id for e in events if e.person_id and e.person_id not in names}
    if gone:
        names.update((person_id, name) for person_id, name in session.execute(
            select(Person.id, Person.full_name).where(Person.id.in_(gone))))
    return names


def _other_households(session: Session, user: User,
                      events: list[RegistryEvent]) -> dict[int, str]:
    """The household a member moved to or came from, as the user may see it: its head and
    masked KK inside their region, else only that it lies elsewhere."""
    ids = {e.detail.get("to") or e.detail.get("source") for e in events
           if e.kind in ("moved_out", "moved_in")} - {None}
    if not ids:
        return {}
    shown: dict[int, str] = {}
    for other in session.scalars(select(Household).where(Household.id.in_(ids))):
        if not in_region(user, other.region_code):
            shown[other.id] = str(_l("a household in another region"))
            continue
        head = next((m for m in other.members if m.relation == "head"), None)
        kk = f"{_l('KK')} {mask_nik(other.kk_number)}"
        shown[other.id] = f"{head.full_name} ({kk})" if head else kk
    return shown


def _program_steps(session: Session, user: User, instance_ids: list[int],
                   titles: dict[int, str]) -> list[Entry]:
    """The steps of the household's programs that the user may see."""
    allowed = list(session.scalars(select(Instance.id).where(
        Instance.id.in_(instance_ids), instance_visible(user))))
    if not allowed:
        return []
    return [Entry(event.at, "step", event.actor,
                  {"action": event.action, "step": event.data.get("name", "")},
                  event.instance_id, titles.get(event.instance_id or 0, ""))
            for event in session.scalars(
                select(Event).where(Event.instance_id.in_(allowed),
                                    Event.action.in_(PROGRAM_ACTIONS))
                .order_by(Event.at.desc()).limit(LIMIT))]
