"""Health for load balancers and monitoring: the process answers and the database is reachable."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

# What the database driver raises when the server is down, restarting or unreachable (the pool
# reconnects by itself once it is back): pages answer 503 for it, not 500.
DatabaseUnreachable = OperationalError


def database_ok(session: Session) -> bool:
    """Whether one trivial query succeeds (within the pool's connect timeout)."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        session.rollback()
        return False
    session.rollback()
    return True
