"""Adding and changing households and their members: each save checks the rules
(``family_rules``), asks for confirmation of what may be right after all, and records what
changed in the family's history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import RELATIONSHIPS, Household, Person
from ...models import User as UserModel
from ..errors import Conflict, InvalidInput
from ..scope import in_region
from . import access
from .facts import pregnancy_after_tick
from .family_rules import (
    Checked,
    RegistryProblems,
    check_household,
    check_person,
    clean_text,
)
from .keys import name_key, reversed_digits, today
from .whereabouts import moved_reason, review_enrolments

# What a person's form sets (the pregnancy from its tick, in ``_apply_person``).
PERSON_FIELDS = ("full_name", "sex", "birth_place", "birth_date", "relation", "disability",
                 "disability_severity", "chronic_illness", "school", "school_level", "presence",
                 "occupation")
HOUSEHOLD_FIELDS = ("kk_number", "region_code", "address", "rt", "rw", "dtsen_id", "status")


# -- saving ----------------------------------------------------------------------------------
def _apply_person(person: Person, values: Mapping[str, Any]) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, values[name])
    person.pregnancy_recorded_on = pregnancy_after_tick(person.pregnancy_recorded_on,
                                                        values["pregnant"], today())
    if values["presence"] != "died":
        person.died_on = None  # a death recorded in error, corrected
    person.nik = values["nik"]
    person.nik_reversed = reversed_digits(values["nik"])
    person.name_key = name_key(values["full_name"])
    person.updated_at = utcnow()


def _apply_household(household: Household, values: Mapping[str, Any]) -> None:
    """The form's values; never the desil, which only an import records."""
    for name in HOUSEHOLD_FIELDS:
        setattr(household, name, values[name])
    household.kk_reversed = reversed_digits(values["kk_number"]) or ""
    household.updated_at = utcnow()


def _settle(checked: Checked, confirmed: bool) -> None:
    if checked.blocking or (checked.needs_confirmation and not confirmed):
        raise RegistryProblems(checked)


def _state(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


def check_new_household(session: Session, user: UserModel, household: Mapping[str, Any],
                        head: Mapping[str, Any]) -> Checked:
    """A new household and its head after the rules (the head's problems as ``head_<field>``,
    its values under ``values["head"]``)."""
    checked = check_household(session, user, household)
    head_checked = check_person(session, user, {**head, "relation": "head"},
                                region_code=checked.values.get("region_code", ""),
                                nik_required=True)
    checked.merge(head_checked, "head_")
    checked.values["head"] = head_checked.values
    return checked


def create_household(session: Session, user: UserModel, household: Mapping[str, Any],
                     head: Mapping[str, Any], confirmed: bool = False) -> Household:
    """A new household with its head of family (the head's NIK is required)."""
    access.require_editor(user)
    with unit_of_work(session):
        checked = check_new_household(session, user, household, head)
        _settle(checked, confirmed)
        made = Household(created_by_id=user.id)
        _apply_household(made, checked.values)
        person = Person(position=1)
        _apply_person(person, checked.values["head"])
        made.members.append(person)
        session.add(made)
        session.flush()
        access.record(session, user, "created", made.id, person.id,
                      warnings=[str(w) for w in checked.warnings])
    return made


def update_household(session: Session, user: UserModel, household_id: int,
                     raw: Mapping[str, Any], confirmed: bool = False) -> Household:
    access.require_editor(user)
    with unit_of_work(session):
        household = access.get_household(session, user, household_id)
        checked = check_household(session, user, raw, household_id)
        _settle(checked, confirmed)
        before = _state(household, HOUSEHOLD_FIELDS)
        _apply_household(household, checked.values)
        changed = _changes(before, _state(household, HOUSEHOLD_FIELDS))
        if changed:
            access.record(session, user, "edited", household.id, fields=changed)
        if household.status == "moved" and before["status"] != "moved":
            review_enrolments(session, household.id, moved_reason(None, today()), user.id)
    return household


def save_member(session: Session, user: UserModel, household_id: int, person_id: int | None,
                raw: Mapping[str, Any], confirmed: bool = False) -> Person:
    """Add a member to a household, or change one of its members."""
    access.require_editor(user)
    with unit_of_work(session):
        household = access.get_household(session, user, household_id)
        person = None
        if person_id is not None:
            person = access.get_person(session, user, person_id)
            if person.household_id != household.id:
                raise InvalidInput(_l("This person is not a member of this household."))
        checked = check_person(session, user, raw, person_id=person_id,
                               region_code=household.region_code,
                               nik_required=person is not None and person.relation == "head"
                               or raw.get("relation") == "head")
        if checked.values.get("relation") == "head" and any(
                m.relation == "head" and m.id != person_id and m.died_on is None
                for m in household.members):
            checked.errors["relation"] = _l("The household has a head of family already: change "
                                            "that member first.")
        if checked.values.get("presence") == "died" and (person is None
                                                         or person.died_on is None):
            checked.errors["presence"] = _l("Record a death with “Record death” on the "
                                            "household's page: it asks for the date.")
        _settle(checked, confirmed)
        if person is None:
            person = Person(position=max((m.position for m in household.members), default=0) + 1)
            _apply_person(person, checked.values)
            household.members.append(person)
            session.flush()
            access.record(session, user, "member_added", household.id, person.id)
        else:
            names = (*PERSON_FIELDS, "nik", "pregnancy_recorded_on")
            before = _state(person, names)
            _apply_person(person, checked.values)
            changed = _changes(before, _state(person, names))
            if changed:
                access.record(session, user, "member_edited", household.id, person.id,
                              fields=changed)
            if person.relation == "head" and person.presence == "moved" \
                    and before["presence"] != "moved":
                review_enrolments(session, household.id,
                                  moved_reason(person.full_name, today()), user.id)
    return person


def move_member(session: Session, user: UserModel, person_id: int, to_household_id: int,
                relation: str, reason: str) -> Person:
    """Move a person to another household of the user's region, with their relationship to
    its head and the reason, recorded in both histories (each naming the person)."""
    access.require_editor(user)
    said = Checked()
    reason = clean_text({"reason": reason}, "reason", 300, said)  # the forms' text rules
    if said.errors:
        raise InvalidInput(said.errors["reason"])
    if len(reason) < 5:
        raise InvalidInput(_l("Say why the person moves (at least 5 characters)."))
    if relation not in RELATIONSHIPS:
        raise InvalidInput(_l("Choose the person's relationship to the new head of family."))
    with unit_of_work(session):
        person = access.get_person(session, user, person_id)
        target = session.get(Household, to_household_id)
        if target is None or not in_region(user, target.region_code):
            raise InvalidInput(_l("No household with this KK number in your region."))
        if target.id == person.household_id:
            raise Conflict(_l("The person is already in this household."))
        if relation == "head" and any(m.relation == "head" and m.died_on is None
                                      for m in target.members):
            raise InvalidInput(_l("That household has a head of family already: choose another "
                                  "relationship."))
        source = person.household_id
        person.relation = relation
        person.household_id = target.id
        person.position = (session.scalar(select(func.max(Person.position))
                                          .where(Person.household_id == target.id)) or 0) + 1
        person.updated_at = utcnow()
        access.record(session, user, "moved_out", source, person.id, to=target.id, reason=reason)
        access.record(session, user, "moved_in", target.id, person.id, source=source,
                      reason=reason, relation=relation)
    return person
