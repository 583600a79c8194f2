"""Parsed specs cached per definition version: parse once per process, never per request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from .parsing import ParsedDefinition


class SpecCache:
    """A small thread-safe LRU of parsed definitions keyed by version id and content hash."""

    def __init__(self, size: int = 64):
        self._size = size
        self._items: OrderedDict[str, ParsedDefinition] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: str, load: Callable[[], ParsedDefinition]) -> ParsedDefinition:
        """The parsed definition for a version, parsing it with ``load`` on a miss."""
        with self._lock:
            found = self._items.get(version_id)
            if found is not None:
                self._items.move_to_end(version_id)
                return found
        parsed = load()
        with self._lock:
            self._items[version_id] = parsed
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return parsed

    def clear(self) -> None:
        """Forget every parsed definition (a test database that starts its ids again)."""
        with self._lock:
            self._items.clear()
