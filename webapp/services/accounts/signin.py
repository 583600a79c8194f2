"""Wrong passwords are limited per account and per address, not per address alone.

A Dinas Sosial office reaches the server from one address: counting every attempt per address
would let one person's typos lock out the whole office. Only failures count; an account's
count ends when it signs in. The counters live in the rate limiter's storage (memory for one
process, Redis or Memcached when several processes or hosts share the work).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from limits import parse
from limits.strategies import MovingWindowRateLimiter


class SignInGuard:
    """Failure counters for sign-in: per account name and per network address."""

    def __init__(self, storage: Any, per_account: str, per_address: str, prefix: str = ""):
        self._limiter = MovingWindowRateLimiter(storage)
        self._account = parse(per_account)
        self._address = parse(per_address)
        self._scope = f"signin{prefix}"  # several deployments may share one Redis

    @staticmethod
    def _name(username: str) -> str:
        return " ".join(username.split()).lower()[:80]

    def wait(self, username: str, address: str) -> dt.timedelta | None:
        """How long before this account may try again from this address (None: now)."""
        longest = 0.0
        for limit, key in ((self._account, "account:" + self._name(username)),
                           (self._address, "address:" + address)):
            if not self._limiter.test(limit, self._scope, key):
                stats = self._limiter.get_window_stats(limit, self._scope, key)
                longest = max(longest, stats.reset_time - time.time())
        if longest <= 0:
            return None
        return dt.timedelta(seconds=max(1, math.ceil(longest)))

    def failed(self, username: str, address: str) -> None:
        """Count a wrong password (or an unknown account: the same, seen from outside)."""
        self._limiter.hit(self._account, self._scope, "account:" + self._name(username))
        self._limiter.hit(self._address, self._scope, "address:" + address)

    def succeeded(self, username: str) -> None:
        """The account signed in: its earlier failures no longer count."""
        self._limiter.clear(self._account, self._scope, "account:" + self._name(username))
