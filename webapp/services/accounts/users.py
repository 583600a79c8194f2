"""People, groups and sign-in."""

from __future__ import annotations

import re
import threading

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from zxcvbn import zxcvbn

from ... import changes
from ...db import use_case
from ...models import ROLES, Group, Region, User
from ..caches import Slot
from ..errors import Conflict, InvalidInput

_HASHER = PasswordHasher()


class WrongPassword(InvalidInput):
    """The password given to confirm an action is not the person's."""

MIN_PASSWORD = 10


def configure_hashing(profile: str) -> None:
    """Choose argon2 parameters by profile name (tests use CHEAPEST; hashes stay verifiable)."""
    global _HASHER
    _HASHER = PasswordHasher.from_parameters(getattr(profiles, profile))


def _dummy_hash() -> str:
    # Verifying against this keeps an unknown user as slow as a wrong password.
    return _DUMMY.setdefault(_HASHER.time_cost, _HASHER.hash("simpul-timing-equaliser"))


_DUMMY: dict[int, str] = {}


@use_case
def ensure_groups(session: Session, names: list[tuple[str, str]]) -> None:
    """Create missing groups (name, description)."""
    existing = set(session.scalars(select(Group.name)))
    for name, description in names:
        if name not in existing:
            session.add(Group(name=name, description=description))


# Words zxcvbn's English lists lack but people here choose; with the person's own names.
_LOCAL_WORDS = ("rahasia", "sayang", "sayangku", "bismillah", "indonesia", "merdeka", "cinta",
                "jakarta", "malang", "surabaya", "dinsos", "dinassosial", "simpul", "bansos",
                "koordinator", "supervisor", "admin", "katasandi", "kata sandi")
MIN_STRENGTH = 3  # zxcvbn's score 0-4: 3 is "safely unguessable" for an online attack


def check_password(password: str, *, username: str = "", full_name: str = "",
                   email: str = "") -> None:
    """Refuse a short password, a common one, or one made of the person's own names."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD))
    if len(password) > 200:
        raise InvalidInput(_l("The password may have at most %(n)s characters.", n=200))
    personal = [w.lower() for w in (username, *full_name.split(), "".join(full_name.split()),
                                    email.split("@")[0]) if len(w) > 2]
    rest = password.lower()
    for word in sorted(personal, key=len, reverse=True):
        rest = rest.replace(word, "")
    own_name = len(re.sub(r"[^a-z]", "", rest)) < 4  # the person's names, digits and signs
    if own_name or zxcvbn(password[:100], user_inputs=[*personal, *_LOCAL_WORDS])["score"] \
            < MIN_STRENGTH:
        raise InvalidInput(_l("This password is too easy to guess (a common password, a word "
                              "with a few digits, or your own name). Use a phrase of three or "
                              "four words, for example kopi-tubruk-pagi-hari."))


@use_case
def create_user(session: Session, username: str, password: str, groups: list[str],
                role: str = "coordinator", full_name: str = "", region_code: str | None = None,
                email: str = "") -> User:
    """Create a user with a hashed password in existing groups."""
    username = username.strip().lower()
    if not username or len(username) > 80 or not username.replace(".", "").replace("_", "")\
            .replace("-", "").isalnum():
        raise InvalidInput(_l("A user name uses letters, digits, dots, dashes or underscores."))
    check_password(password, username=username, full_name=full_name, email=email)
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
    return user


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD))
    return _HASHER.hash(password)


@use_case
def change_password(session: Session, user: User, current: str, new: str) -> User:
    """The person changes their own password; their other sessions end (this one goes on
    with the returned user's new session version)."""
    found = session.get(User, user.id, populate_existing=True)
    if found is None or not found.is_active:
        raise InvalidInput(_l("Sign in again first."))
    try:
        _HASHER.verify(found.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise WrongPassword(_l("The current password is wrong.")) from None
    if new == current:
        raise InvalidInput(_l("Choose a password different from the current one."))
    check_password(new, username=found.username, full_name=found.full_name, email=found.email)
    found.password_hash = _HASHER.hash(new)
    found.session_version += 1
    return found


@use_case
def end_sessions(session: Session, user_id: int) -> None:
    """Sign out: every session cookie of the person stops working (its version is gone)."""
    found = session.get(User, user_id)
    if found is not None:
        found.session_version += 1


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


class SignedInUsers:
    """The signed-in users this process keeps between requests, trusted while the people epoch
    (``webapp.changes``) stays where it was when they were read: any change to any person, in
    any process, moves it, and the next request reads the person again."""

    def __init__(self, size: int = 2000):
        self._size = size
        self._items: dict[tuple[str, int], tuple[int, User]] = {}
        self._lock = threading.Lock()

    def get(self, database: str, user_id: int, epoch: int | None) -> User | None:
        if epoch is None:
            return None
        with self._lock:
            found = self._items.get((database, user_id))
        return found[1] if found is not None and found[0] == epoch else None

    def keep(self, database: str, user: User, epoch: int | None) -> None:
        if epoch is None:
            return
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[(database, user.id)] = (epoch, user)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SIGNED_IN = Slot("accounts.signed_in", SignedInUsers)


def load_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The signed-in user, if still active and their sessions were not revoked (read from the
    database only when some person changed since this process last read this one)."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    epoch = changes.epoch_of(url).current()
    user = SIGNED_IN.of(session).get(url, user_id, epoch)
    if user is None:
        user = session.scalar(select(User).where(User.id == user_id)
                              .options(selectinload(User.groups)))
        if user is None:
            return None
        # kept apart from this request's session, read-only from here, with its groups: left
        # in the session, a rollback later in this request would expire them for good
        for group in user.groups:
            session.expunge(group)
        session.expunge(user)
        SIGNED_IN.of(session).keep(url, user, epoch)
    if not user.is_active or user.session_version != session_version:
        return None
    return user
