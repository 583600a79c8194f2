"""People, groups and sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import ROLES, Group, Region, User
from .errors import Conflict, InvalidInput

_HASHER = PasswordHasher()
MIN_PASSWORD = 10


def configure_hashing(profile: str) -> None:
    """Choose argon2 parameters by profile name (tests use CHEAPEST; hashes stay verifiable)."""
    global _HASHER
    _HASHER = PasswordHasher.from_parameters(getattr(profiles, profile))


def _dummy_hash() -> str:
    # Verifying against this keeps an unknown user as slow as a wrong password.
    return _DUMMY.setdefault(_HASHER.time_cost, _HASHER.hash("simpul-timing-equaliser"))


_DUMMY: dict[int, str] = {}


def ensure_groups(session: Session, names: list[tuple[str, str]]) -> None:
    """Create missing groups (name, description)."""
    begin_write(session)
    existing = set(session.scalars(select(Group.name)))
    for name, description in names:
        if name not in existing:
            session.add(Group(name=name, description=description))
    session.commit()


def create_user(session: Session, username: str, password: str, groups: list[str],
                role: str = "coordinator", full_name: str = "", region_code: str | None = None,
                email: str = "") -> User:
    """Create a user with a hashed password in existing groups."""
    begin_write(session)
    username = username.strip().lower()
    if not username or len(username) > 80 or not username.replace(".", "").replace("_", "")\
            .replace("-", "").isalnum():
        raise InvalidInput(_l("A user name uses letters, digits, dots, dashes or underscores."))
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD))
    if role not in ROLES:
        raise InvalidInput(_l("Unknown role."))
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(_l("The user name %(name)s is taken.", name=username))
    found = list(session.scalars(select(Group).where(Group.name.in_(groups))))
    missing = set(groups) - {g.name for g in found}
    if missing:
        raise InvalidInput(_l("Unknown group: %(names)s", names=", ".join(sorted(missing))))
    if region_code and session.get(Region, region_code) is None:
        raise InvalidInput(_l("Unknown region."))
    user = User(username=username, password_hash=_HASHER.hash(password), role=role,
                full_name=full_name, region_code=region_code or None, email=email, groups=found)
    session.add(user)
    session.commit()
    return user


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD))
    return _HASHER.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same timing either way)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    try:
        _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    return user


def load_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The signed-in user, if still active and their sessions were not revoked."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != session_version:
        return None
    return user
