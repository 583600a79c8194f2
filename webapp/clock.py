"""The time Simpul runs on: the real UTC clock, which tests (and demos) may set.

Deadlines, timers and the job worker all read ``now()``; a test sets the clock instead of
waiting, and the worker then fires exactly the timers that are due at that time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time (aware, UTC)."""
    with _lock:
        if _frozen is not None:
            return _frozen
        return dt.datetime.now(dt.UTC) + _offset


def set_time(when: dt.datetime | None) -> None:
    """Freeze the clock at ``when`` (None: the real clock again)."""
    global _frozen
    with _lock:
        _frozen = when.astimezone(dt.UTC) if when is not None else None


def advance(delta: dt.timedelta) -> None:
    """Move the clock forward (frozen or not)."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen += delta
        else:
            _offset += delta


def reset() -> None:
    global _frozen, _offset
    with _lock:
        _frozen, _offset = None, dt.timedelta(0)


@contextmanager
def frozen(when: dt.datetime) -> Iterator[None]:
    set_time(when)
    try:
        yield
    finally:
        reset()
