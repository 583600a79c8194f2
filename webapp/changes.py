"""Telling every process that people changed, without each request asking the database.

The signed-in user is kept in each process between requests. Whenever a person's record changes
(a role, groups, region, a deactivation, a new session version at sign-out or a password change,
mail choices) every process must drop what it keeps. The *people epoch* is a number that moves
on every such change:

* with PostgreSQL, the change sends ``NOTIFY simpul_people`` inside its own transaction
  (delivered only if it commits); each process listens on one connection of its own and moves
  its epoch when told; while that listener is down, the epoch is unknown and nothing kept is
  trusted;
* with SQLite (one host), a small file beside the database is rewritten after the commit; each
  request reads its modification time (a ``stat``, no database).

Any ORM change to a ``user_account`` row or its groups triggers it (``watch``), so no service
has to remember to.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

CHANNEL = "simpul_people"
_EPOCHS: dict[str, PeopleEpoch] = {}
_LOCK = threading.Lock()


class PeopleEpoch:
    """The people epoch of one database, as this process knows it."""

    def __init__(self, url: str):
        self.url = url
        self._sqlite_file: Path | None = None
        if url.startswith("sqlite"):
            database = url.split("///", 1)[-1] if "///" in url else ""
            if database and database != ":memory:":
                self._sqlite_file = Path(database + ".people")
        self._counter = 0
        self._listening = False
        self._pid = -1
        self._thread: threading.Thread | None = None

    # -- reading -------------------------------------------------------------------------
    def current(self) -> int | None:
        """The epoch now; None when it cannot be known (then nothing kept may be trusted)."""
        if self._sqlite_file is not None:
            try:
                return self._sqlite_file.stat().st_mtime_ns
            except FileNotFoundError:
                self._touch()
                return None
        if self.url.startswith("postgresql"):
            self._ensure_listener()
            return self._counter if self._listening else None
        return None

    # -- announcing ----------------------------------------------------------------------
    def announce_in(self, connection: Any) -> None:
        """Inside the changing transaction (PostgreSQL delivers it at commit)."""
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"NOTIFY {CHANNEL}")

    def announce_committed(self) -> None:
        """After the commit (SQLite: rewrite the file every process reads).

        With PostgreSQL the NOTIFY reaches this process's own listener a moment later, on its
        thread; the committing process moves its epoch at once, so its next request (often the
        page the change redirects to) never serves what it kept before the change.
        """
        if self._sqlite_file is not None:
            self._touch()
        elif self.url.startswith("postgresql"):
            self._counter += 1  # only ever grows, so a lost race still moves it

    def _touch(self) -> None:
        assert self._sqlite_file is not None
        try:
            self._sqlite_file.write_text(f"{time.time_ns()} {secrets.token_hex(4)}\n")
        except OSError:
            pass  # the database folder is not writable: current() stays None, nothing is kept

    # -- listening (PostgreSQL) ------------------------------------------------------------
    def _ensure_listener(self) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with _LOCK:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._listening = False
            self._thread = threading.Thread(target=self._listen, name="simpul-people",
                                            daemon=True)
            self._thread.start()
        for _ in range(50):  # the first request of a process waits briefly for the listener
            if self._listening:
                return
            time.sleep(0.01)

    def _listen(self) -> None:
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._counter += 1  # changes may have been missed while not listening
                    self._listening = True
                    for _notice in conn.notifies():
                        self._counter += 1
            except Exception:  # noqa: BLE001 - the database went away: distrust, then retry
                self._listening = False
                self._counter += 1
                time.sleep(1.0)


PEOPLE_TABLE = "user_account"  # webapp.models.User: a change to a row of it moves the epoch


def epoch_of(url: str) -> PeopleEpoch:
    """The people epoch of a database URL (one per process and database)."""
    with _LOCK:
        found = _EPOCHS.get(url)
        if found is None:
            found = _EPOCHS[url] = PeopleEpoch(url)
        return found


def watch(factory: sessionmaker[Session], engine: Engine) -> None:
    """Announce every committed change of a person's record made through these sessions."""
    epoch = epoch_of(engine.url.render_as_string(hide_password=False))

    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        # by table name: this module sits below the models (they import db, which imports it)
        touched = [o for o in (*session.dirty, *session.new, *session.deleted)
                   if getattr(o, "__tablename__", None) == PEOPLE_TABLE]
        if touched and not session.info.get("people_changed"):
            session.info["people_changed"] = True
            epoch.announce_in(session.connection())

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop("people_changed", False):
            epoch.announce_committed()

    @event.listens_for(factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("people_changed", None)
