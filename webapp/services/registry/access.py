"""Who may see and change registry records, and the full NIK shown only on purpose.

Everyone signed in sees the households of their own region (a user without a region sees all);
coordinators and supervisors add and change them; coordinators and supervisors may also see a
full NIK or KK number, one at a time, giving a reason that is written to the household's
history and the log. Administrators work on diagrams and accounts: they see numbers masked.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from ...db import unit_of_work
from ...models import Household, Person, RegistryEvent, User
from ..errors import Forbidden, InvalidInput, NotFound
from ..scope import in_region, region_clause

EDITORS = ("coordinator", "supervisor")
REVEALERS = ("coordinator", "supervisor")
log = logging.getLogger("simpul.registry")


def household_visible(user: User) -> ColumnElement[bool]:
    """Households inside the user's region (as a filter on ``Household``)."""
    return region_clause(user, Household.region_code, ranged=True)


def may_edit(user: User) -> bool:
    return user.role in EDITORS


def may_reveal(user: User) -> bool:
    return user.role in REVEALERS


def require_editor(user: User) -> None:
    if not may_edit(user):
        raise Forbidden(_l("Only coordinators and supervisors change the registry."))


def get_household(session: Session, user: User, household_id: int) -> Household:
    """A household in the user's region (else NotFound, whatever id is typed)."""
    found = session.get(Household, household_id)
    if found is None or not in_region(user, found.region_code):
        raise NotFound()
    return found


def get_person(session: Session, user: User, person_id: int) -> Person:
    """A person whose household lies in the user's region (else NotFound). A person without
    a household (moved out of the registry's area) is seen by users without a region only."""
    found = session.get(Person, person_id)
    if found is None:
        raise NotFound()
    region = found.household.region_code if found.household is not None else None
    if not in_region(user, region):
        raise NotFound()
    return found


def record(session: Session, user: User | None, kind: str, household_id: int | None,
           person_id: int | None = None, **detail: Any) -> None:
    """Add an entry to a household's history (in the caller's transaction)."""
    session.add(RegistryEvent(household_id=household_id, person_id=person_id, kind=kind,
                              detail=detail, by_id=user.id if user is not None else None))


def require_revealer(user: User) -> None:
    if not may_reveal(user):
        raise Forbidden(_l("Your role does not show full NIK and KK numbers."))


def _reason(user: User, reason: str) -> str:
    require_revealer(user)
    reason = " ".join(reason.split())[:300]
    if len(reason) < 5:
        raise InvalidInput(_l("Say why you need the full number (at least 5 characters)."))
    return reason


def reveal_import(session: Session, user: User, import_id: int, reason: str) -> None:
    """Full numbers in a download of an import's rows: recorded with the reason."""
    reason = _reason(user, reason)
    with unit_of_work(session):
        record(session, user, "revealed", None, None, what="import", reason=reason,
               **{"import": import_id})
    log.info("full numbers of import %s downloaded by %s: %s", import_id, user.username,
             reason)


def reveal(session: Session, user: User, person_id: int | None, household_id: int | None,
           reason: str) -> str:
    """The full NIK of a person (or No. KK of a household), shown to a user who may see it
    and gave a reason; the showing is written to the history and the log."""
    reason = _reason(user, reason)
    with unit_of_work(session):
        if person_id is not None:
            person = get_person(session, user, person_id)
            number, household_id, what = person.nik or "", person.household_id, "nik"
        elif household_id is not None:
            number, what = get_household(session, user, household_id).kk_number, "kk"
        else:
            raise NotFound()
        if not number:
            raise NotFound(_l("This person has no NIK recorded."))
        record(session, user, "revealed", household_id, person_id, what=what, reason=reason)
    log.info("full %s shown to %s (household %s, person %s): %s", what.upper(), user.username,
             household_id, person_id, reason)
    return number
