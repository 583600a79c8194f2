"""Extensions created once; the factory calls init_app. Plus the per-request DB session."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app, g
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session, sessionmaker

babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()


def session_factory() -> sessionmaker[Session]:
    return cast(sessionmaker[Session], current_app.extensions["simpul_sessions"])


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return cast(Session, g.db_session)


def close_db(_error: BaseException | None = None) -> None:
    """End the request's work with the database: whatever its session still holds open (reads,
    or the write of work that was refused or failed) is rolled back, and the connection goes
    back to the pool. A service commits its own work; views never commit or roll back.

    Every request's teardown calls it, and so does an error page before it reads afresh (a
    later ``db()`` opens a new session). Closing, not ``rollback()``: the transaction ends the
    same way, without expiring what the request read (the signed-in person, kept between
    requests, was read here the first time)."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def counters() -> Any:
    """The sign-in failure counters' storage (memory, or Redis shared by several hosts)."""
    return current_app.extensions["simpul_counters"]
