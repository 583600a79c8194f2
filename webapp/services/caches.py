"""The caches of one app, kept on one object that ``create_app`` builds (``app.extensions``).

What a cache holds (restored workflows, parsed diagrams, the signed-in users, the bell's count,
each group's default due time) belongs to one database, so the object is tied to the app's
database engine: a service reaches it from the session it was given, with no Flask context
(the worker, the command line and the benchmarks call services that way). A new app, as each
test builds, starts with empty caches; nothing is cleared by hand.

A module declares its cache once, as a slot, and reads it through the session::

    HANDLES = Slot("handles", HandleCache)
    HANDLES.of(session).checkout(...)

An engine made outside ``create_app`` (a benchmark's) gets its own caches on first use.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

T = TypeVar("T")


class AppCaches:
    """Every cache of one app, by name, each made on first use."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._lasting: dict[str, Any] = {}  # not caches: what the app was built with (hooks)
        self._lock = threading.Lock()

    def get(self, name: str, make: Callable[[], T], lasting: bool = False) -> T:
        items = self._lasting if lasting else self._items
        found = items.get(name)
        if found is None:
            with self._lock:
                found = items.get(name)
                if found is None:
                    found = items[name] = make()
        return found  # type: ignore[no-any-return]

    def names(self) -> list[str]:
        return sorted(self._items)

    def clear(self) -> None:
        """Forget every cache (each is made again when next asked for): what a fresh
        process would see, for example after the database was restored from a backup."""
        with self._lock:
            self._items.clear()


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, AppCaches] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def caches_for(engine: Engine) -> AppCaches:
    """The caches of the app whose database ``engine`` is (made for it the first time)."""
    found = _BY_ENGINE.get(engine)
    if found is None:
        with _LOCK:
            found = _BY_ENGINE.get(engine)
            if found is None:
                found = _BY_ENGINE[engine] = AppCaches()
    return found


def caches_of(session: Session) -> AppCaches:
    return caches_for(session.get_bind().engine)


class Slot(Generic[T]):
    """One named cache, made by ``make`` the first time an app asks for it."""

    def __init__(self, name: str, make: Callable[[], T], lasting: bool = False):
        self.name = name
        self.make = make
        self.lasting = lasting  # kept when the caches are cleared (what the app was built with)

    def of(self, session: Session) -> T:
        return caches_of(session).get(self.name, self.make, self.lasting)

    def on(self, engine: Engine) -> T:
        return caches_for(engine).get(self.name, self.make, self.lasting)
