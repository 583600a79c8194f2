"""The admin's people pages: users (role, groups, region scope, active), groups, partners.

An admin with a region manages the people and partners of that region only. Any change to a
user's role, groups, region or activity ends that user's sessions, so the new scope applies at
once; deactivating a user is how an admin locks someone out.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forms.fields import EMAIL, PHONE, normalise_email, normalise_phone

from ...db import unit_of_work, use_case
from ...models import PARTNER_KINDS, ROLES, Group, Partner, Region, User
from ..caches import Slot
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..scope import in_region, region_clause
from . import users

PER_PAGE = 50
_GROUP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{1,79}")


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden(_l("Only an administrator may do this."))


@dataclass
class UserPage:
    items: list[User]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def list_users(session: Session, admin: User, text: str = "", role: str = "", group: str = "",
               active: str = "", page: int = 1) -> UserPage:
    """Users in the admin's region, filtered, 50 a page, by name."""
    _admin(admin)
    query = select(User).where(region_clause(admin, User.region_code))
    if text:
        like = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(like),
                                func.lower(User.full_name).like(like)))
    if role in ROLES:
        query = query.where(User.role == role)
    if group:
        query = query.where(User.groups.any(Group.name == group))
    if active in ("yes", "no"):
        query = query.where(User.is_active.is_(active == "yes"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / PER_PAGE))))
    items = list(session.scalars(query.order_by(User.username)
                                 .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return UserPage(items, int(total), page)


def get_user(session: Session, admin: User, user_id: int) -> User:
    _admin(admin)
    user = session.get(User, user_id, populate_existing=True)
    if user is None or not in_region(admin, user.region_code):
        raise NotFound()
    return user


def _check_region(session: Session, admin: User, region_code: str | None) -> None:
    if region_code and session.get(Region, region_code) is None:
        raise InvalidInput(_l("Unknown region."))
    if not in_region(admin, region_code):
        raise Forbidden(_l("The region is outside your area."))


def new_password() -> str:
    """A password to hand over once (the person should change it)."""
    return secrets.token_urlsafe(12)


def create_user(session: Session, admin: User, username: str, full_name: str, email: str,
                role: str, groups: list[str], region_code: str | None) -> tuple[User, str]:
    """A new user with a generated password, shown to the admin once."""
    _admin(admin)
    _check_region(session, admin, region_code)
    password = new_password()
    user = users.create_user(session, username, password, groups, role=role,
                             full_name=full_name.strip(), region_code=region_code,
                             email=_email(email))
    return user, password


def _email(text: str) -> str:
    try:
        return normalise_email(text)[:200]
    except ValueError:
        raise InvalidInput(EMAIL) from None


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)[:40]
    except ValueError:
        raise InvalidInput(PHONE) from None


@use_case
def update_user(session: Session, admin: User, user_id: int, *, full_name: str, email: str,
                role: str, groups: list[str], region_code: str | None,
                is_active: bool) -> User:
    """Change a user; scope changes end the user's sessions."""
    user = get_user(session, admin, user_id)
    if role not in ROLES:
        raise InvalidInput(_l("Unknown role."))
    _check_region(session, admin, region_code)
    if user.id == admin.id and (not is_active or role != "admin"):
        raise Conflict(_l("You cannot deactivate yourself or take away your own admin role."))
    found = list(session.scalars(select(Group).where(Group.name.in_(groups))))
    missing = set(groups) - {g.name for g in found}
    if missing:
        raise InvalidInput(_l("Unknown group: %(names)s", names=", ".join(sorted(missing))))
    scope_changed = (role != user.role or set(groups) != user.group_names
                     or (region_code or None) != user.region_code or is_active != user.is_active)
    user.full_name, user.email = full_name.strip()[:120], _email(email)
    user.role, user.groups, user.region_code = role, found, region_code or None
    user.is_active = is_active
    if scope_changed:
        user.session_version += 1  # every open session of this user ends now
    return user


@use_case
def reset_password(session: Session, admin: User, user_id: int) -> str:
    """A new generated password for the user (shown once); their sessions end."""
    user = get_user(session, admin, user_id)
    password = new_password()
    user.password_hash = users.hash_password(password)
    user.session_version += 1
    return password


def groups_with_counts(session: Session, admin: User) -> list[tuple[Group, int]]:
    _admin(admin)
    rows = session.execute(
        select(Group, func.count(User.id)).outerjoin(Group.members)
        .group_by(Group.id).order_by(Group.name)).all()
    return [(group, int(count)) for group, count in rows]


_DURATION = re.compile(r"P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?")


def _check_due(value: str) -> str:
    value = value.strip().upper()
    if value and not _DURATION.fullmatch(value):
        raise InvalidInput(_l("Write the time as an ISO 8601 duration: P3D is three days, "
                              "PT12H twelve hours."))
    return value


def set_group_due(session: Session, admin: User, group_id: int, value: str) -> Group:
    """How long the group's steps may take when their diagram sets no due date."""
    _admin(admin)
    with unit_of_work(session):
        group = session.get(Group, group_id)
        if group is None:
            raise NotFound()
        group.default_due = _check_due(value)
    forget_group_dues(session)
    return group


def create_group(session: Session, admin: User, name: str, description: str) -> Group:
    """A new group; a diagram lane of the same name sends its steps here."""
    _admin(admin)
    with unit_of_work(session):
        name = " ".join(name.split())
        if not _GROUP_NAME.fullmatch(name):
            raise InvalidInput(_l("A group name starts with a letter and uses letters, digits, "
                                  "spaces, dashes or underscores (2 to 80)."))
        if session.scalar(select(Group).where(func.lower(Group.name) == name.lower())):
            raise Conflict(_l("The group %(name)s exists already.", name=name))
        group = Group(name=name, description=" ".join(description.split())[:200])
        session.add(group)
    return group


def list_partners(session: Session, admin: User, text: str = "",
                  show_inactive: bool = False) -> list[Partner]:
    _admin(admin)
    query = select(Partner).where(region_clause(admin, Partner.region_code))
    if text:
        query = query.where(func.lower(Partner.name).like(f"%{text.strip().lower()}%"))
    if not show_inactive:
        query = query.where(Partner.is_active.is_(True))
    return list(session.scalars(query.order_by(Partner.name).limit(500)))


def save_partner(session: Session, admin: User, partner_id: int | None, values: dict[str, Any]
                 ) -> Partner:
    """Create or change a partner organisation."""
    _admin(admin)
    with unit_of_work(session):
        name = " ".join(str(values.get("name", "")).split())[:200]
        if len(name) < 3:
            raise InvalidInput(_l("Give the organisation's name."))
        kind = values.get("kind", "other")
        if kind not in PARTNER_KINDS:
            raise InvalidInput(_l("Unknown kind of organisation."))
        region_code = values.get("region_code") or None
        _check_region(session, admin, region_code)
        phone, email = _phone(str(values.get("phone", ""))), _email(str(values.get("email", "")))
        if partner_id is None:
            partner = Partner()
            session.add(partner)
        else:
            partner = get_partner(session, admin, partner_id)
        partner.name, partner.kind, partner.region_code = name, kind, region_code
        partner.contact_name = str(values.get("contact_name", "")).strip()[:120]
        partner.phone, partner.email = phone, email
        partner.notes = str(values.get("notes", "")).strip()[:2000]
        partner.is_active = bool(values.get("is_active", True))
    return partner


def get_partner(session: Session, admin: User, partner_id: int) -> Partner:
    """A partner in the admin's region (else NotFound, whatever id is typed)."""
    _admin(admin)
    found = session.get(Partner, partner_id)
    if found is None or not in_region(admin, found.region_code):
        raise NotFound()
    return found


def search_regions(session: Session, text: str, limit: int = 100) -> list[Region]:
    """Regions whose code starts with, or whose name contains, the text."""
    text = text.strip()
    if len(text) < 2:
        return []
    query = select(Region).where(or_(Region.code.startswith(text),
                                     func.lower(Region.name).like(f"%{text.lower()}%")))
    return list(session.scalars(query.order_by(Region.code).limit(limit)))


class _GroupDues:
    """Each group's default due time, read again after ``GROUP_DUES_TTL`` (a change made in
    another process shows within a minute) or at once after a change made here."""

    def __init__(self) -> None:
        self.read_at = -1e9
        self.dues: dict[str, str] = {}


_GROUP_DUES = Slot("accounts.group_dues", _GroupDues)
GROUP_DUES_TTL = 60.0  # seconds


def group_default_dues(session: Session) -> dict[str, str]:
    """Each group's default due time (ISO 8601 duration), cached briefly."""
    kept = _GROUP_DUES.of(session)
    if time.monotonic() - kept.read_at > GROUP_DUES_TTL:
        rows = session.connection().execute(
            select(Group.name, Group.default_due).where(Group.default_due != "")).all()
        kept.dues = {name: due for name, due in rows}
        kept.read_at = time.monotonic()
    return kept.dues


def forget_group_dues(session: Session) -> None:
    _GROUP_DUES.of(session).read_at = -1e9
