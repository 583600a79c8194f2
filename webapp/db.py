"""Database engine and session set-up for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import changes, clock

P = ParamSpec("P")
R = TypeVar("R")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored as UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)


def bytewise(length: int) -> Any:
    """A string compared byte by byte on PostgreSQL too (collation C; SQLite compares bytes
    anyway): a prefix or a range of codes is one index range whatever the database's own
    collation, and two such columns join on each other's indexes."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def utcnow() -> dt.datetime:
    return clock.now()


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and IMMEDIATE write transactions.
    A failing statement's parameters (a NIK, a KK) never reach an error message or a log."""
    if url.startswith("sqlite"):
        # A pool, not a connection per transaction: closing SQLite's last connection checkpoints
        # the WAL, which would cost every request a few milliseconds.
        engine = create_engine(url, echo=echo, pool_size=5, max_overflow=10,
                               hide_parameters=True,
                               connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         hide_parameters=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front, so a read followed by a write
        # never fails with SQLITE_BUSY_SNAPSHOT under concurrency: writers queue instead.
        if connection.get_execution_options().get("simpul_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the engine; a change to a person's record is announced to every process."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    changes.watch(factory, engine)

    @event.listens_for(factory, "after_transaction_end")
    def _ended(session: Session, transaction: Any) -> None:
        if transaction.parent is None:  # the whole transaction, not a savepoint
            session.info.pop("simpul_writing", None)

    return factory


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (call first in a service).

    A read-only transaction left open by earlier reads (loading the user, say) is ended first:
    on SQLite, upgrading a stale read snapshot to a write fails at once instead of waiting.
    """
    if session.in_transaction():
        if session.info.get("simpul_writing"):
            return  # a write transaction already (the caller began it to read and write)
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write with unsaved changes: commit them in their own service")
        session.commit()
    session.connection(execution_options={"simpul_write": True})
    session.info["simpul_writing"] = True


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """A use case's write, as one visible construct: begins the write transaction, commits when
    the block ends, rolls back if anything in it raises (a service's refusal included).

        with unit_of_work(session):
            ...                      # reads and writes; raise ServiceError to refuse

    A unit inside another (a use case calling another) joins it: only the outermost commits.
    """
    if session.info.get("simpul_unit"):
        yield session
        return
    begin_write(session)
    session.info["simpul_unit"] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("simpul_unit", None)


def use_case(function: Callable[P, R]) -> Callable[P, R]:
    """A service function (its first argument the session) run as one unit of work."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0]
        assert isinstance(session, Session), "a use case takes the session first"
        with unit_of_work(session):
            return function(*args, **kwargs)

    return run


class WriteStillOpen(RuntimeError):
    """A failure record was asked for while the failed work's write was still open."""


@contextmanager
def failure_record(session: Session) -> Iterator[Session]:
    """The record of a failure (an incident, a refused duty) in a transaction of its own.

    It refuses to run inside an open write: that write is the failed work, and committing the
    record would commit it too. Roll the failed work back (leave its unit of work) first.
    """
    if session.info.get("simpul_unit") or session.info.get("simpul_writing"):
        raise WriteStillOpen("a failure record inside the failed work's open write")
    with unit_of_work(session):
        yield session
