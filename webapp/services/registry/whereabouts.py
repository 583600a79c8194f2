"""Where a family's people are: a death recorded with its date, and what a death or a move
does to the family's programs. A recorded death (any member), a household marked moved, or a
head of family found moved puts the family's enrolments in running programs under review:
*paused*, with the reason, until a coordinator re-enrols or exits the family."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import dates as babel_dates
from flask import has_app_context
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import Enrolment, EnrolmentChange, Instance, Person
from ...models import User as UserModel
from ..errors import Conflict, InvalidInput
from . import access
from .family_rules import Checked, clean_text
from .keys import today

# Programs whose lists still pay: a suspended program resumes with its list.
RUNNING = ("running", "suspended")


def review_enrolments(session: Session, household_id: int, reason: str,
                      by_id: int | None = None) -> int:
    """Pause the household's enrolments in running programs, each with an EnrolmentChange
    giving ``reason`` (in the caller's unit of work). Returns how many were paused."""
    now = utcnow()
    paused = 0
    for enrolment in session.scalars(
            select(Enrolment).join(Instance, Instance.id == Enrolment.instance_id)
            .where(Enrolment.household_id == household_id, Enrolment.status == "enrolled",
                   Instance.status.in_(RUNNING))):
        session.add(EnrolmentChange(enrolment_id=enrolment.id, from_status="enrolled",
                                    to_status="paused", reason=reason[:300], by_id=by_id,
                                    at=now))
        enrolment.status, enrolment.changed_at = "paused", now
        paused += 1
    return paused


def short_date(day: dt.date) -> str:
    """3 Des 2026: a date inside a stored reason (in Indonesian outside a request or job)."""
    if not has_app_context():
        return str(babel_dates.format_date(day, "d MMM yyyy", locale="id"))
    return str(format_date(day, "d MMM yyyy"))


def died_reason(name: str, day: dt.date | None) -> str:
    if day is None:
        return str(gettext("Under review: %(name)s died", name=name))
    return str(gettext("Under review: %(name)s died %(date)s", name=name,
                       date=short_date(day)))


def moved_reason(name: str | None, day: dt.date) -> str:
    """A move: of the whole family (``name`` None), or of its head."""
    if name is None:
        return str(gettext("Under review: the family moved away (%(date)s)",
                           date=short_date(day)))
    return str(gettext("Under review: %(name)s, the head of family, moved away (%(date)s)",
                       name=name, date=short_date(day)))


def _death_date(value: Any, person: Person) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise InvalidInput(_l("Enter a date, for example 2026-03-01.")) from None
    if day > today():
        raise InvalidInput(_l("The date cannot be in the future."))
    if person.birth_date is not None and day < person.birth_date:
        raise InvalidInput(_l("The date of death cannot be before the date of birth."))
    return day


def record_death(session: Session, user: UserModel, person_id: int, died_on: Any,
                 note: str = "") -> Person:
    """Record a member's death with its date (and a note): in the family's history, and
    the family's enrolments in running programs under review."""
    access.require_editor(user)
    said = Checked()
    note = clean_text({"note": note}, "note", 300, said)  # the forms' text rules
    if said.errors:
        raise InvalidInput(said.errors["note"])
    with unit_of_work(session):
        person = access.get_person(session, user, person_id)
        if person.died_on is not None:
            raise Conflict(_l("The death of %(name)s is already recorded.",
                              name=person.full_name))
        day = _death_date(died_on, person)
        person.died_on, person.presence, person.updated_at = day, "died", utcnow()
        if person.household_id is not None:
            access.record(session, user, "died", person.household_id, person.id,
                          date=day.isoformat(), reason=note)
            review_enrolments(session, person.household_id,
                              died_reason(person.full_name, day), user.id)
    return person
