"""Ticking a round's checklist in the field: each family due received it (from the recipient,
or collected by a proxy, *diwakilkan*, with the proxy's name and relation) or not, and why.

Every tick is saved on its own (a dropped connection loses at most the tick in flight). The
date written on the line is the desa's own calendar date (WIB, WITA or WIT), whatever the
server's clock zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import unit_of_work, utcnow
from ...models import NOT_RECEIVED_REASONS, RECEIVED_BY, DistributionLine, Enrolment, User
from ..accounts.regions import local_date
from ..errors import Conflict, InvalidInput, NotFound
from .rounds import recording

# A phone may keep a tick for a while without a connection; one claiming to be older than this
# (or in the future) has a wrong clock, and counts from when it arrives.
OFFLINE_AT_MOST = dt.timedelta(days=14)


@dataclass
class Tick:
    """What the field worker recorded for one family."""

    received: bool
    reason: str = ""
    amount: int | None = None
    goods: str = ""
    note: str = ""
    received_by: str = "recipient"  # or proxy
    proxy_name: str = ""
    proxy_relation: str = ""

    def checked(self) -> Tick:
        self.note = " ".join(self.note.split())[:300]
        if not self.received:
            if self.reason not in NOT_RECEIVED_REASONS:
                raise InvalidInput(_l("Say why the family did not receive it."))
            if self.reason == "other" and len(self.note) < 3:
                raise InvalidInput(_l("Write what happened (a few words)."))
            return self
        if self.received_by not in RECEIVED_BY:
            self.received_by = "recipient"
        self.proxy_name = " ".join(self.proxy_name.split())[:120]
        self.proxy_relation = " ".join(self.proxy_relation.split())[:40]
        if self.received_by == "proxy" and (len(self.proxy_name) < 2
                                           or not self.proxy_relation):
            raise InvalidInput(_l("Write the name of the person who collected it and their "
                                  "relation to the family."))
        if self.amount is not None and not 0 <= self.amount <= 10**12:
            raise InvalidInput(_l("This amount is too large."))
        return self


def tick(session: Session, user: User, instance_id: int, enrolment_id: int, round_: int,
         received: bool, reason: str = "", amount: int | None = None, goods: str = "",
         note: str = "", ticked_at: dt.datetime | None = None, received_by: str = "recipient",
         proxy_name: str = "", proxy_relation: str = "") -> DistributionLine:
    """Record one family due in the open round: received (from the recipient, or collected by
    a proxy with their name and relation), or not and why. Saved at once; ticking again
    changes it while the round is open.

    ``ticked_at`` is when the tick was made on the phone: a tick kept offline and sent again
    later counts from that moment, and one older than the line already recorded (a re-send of
    a tick since changed) changes nothing."""
    at = _tick_moment(ticked_at)
    done = Tick(received, reason, amount, goods, note, received_by, proxy_name,
                proxy_relation).checked()
    with unit_of_work(session):
        _, row = recording(session, user, instance_id, round_)
        if row.opened_at is None:
            raise Conflict(_l("Round %(n)s is not open yet: open it first (this fixes the "
                              "families due in it).", n=round_))
        line = session.scalar(select(DistributionLine).where(
            DistributionLine.round_id == row.id, DistributionLine.enrolment_id == enrolment_id)
            .with_for_update())
        if line is None:
            if session.get(Enrolment, enrolment_id) is None:
                raise NotFound()
            raise Conflict(_l("This family is not due in this round (it was not enrolled "
                              "when the round opened)."))
        if line.ticked_at is not None and at < line.ticked_at:
            return line
        _record(line, done, at)
        line.ticked_by_id, line.ticked_at, line.source = user.id, at, "tick"
        return line


def _record(line: DistributionLine, done: Tick, at: dt.datetime) -> None:
    received = done.received
    line.received = received
    line.received_by = done.received_by if received else ""
    line.proxy_name = done.proxy_name if received and done.received_by == "proxy" else ""
    line.proxy_relation = done.proxy_relation if line.proxy_name else ""
    line.received_on = local_date(line.enrolment.household.region_code, at) \
        if received else None
    line.amount = (done.amount if done.amount is not None else line.entitled_amount) \
        if received else None
    line.goods = done.goods.strip()[:200] if received else ""
    line.reason = "" if received else done.reason
    line.note = done.note


def _tick_moment(ticked_at: dt.datetime | None) -> dt.datetime:
    now = utcnow()
    if ticked_at is None or ticked_at.tzinfo is None:
        return now
    if ticked_at > now + dt.timedelta(minutes=2) or ticked_at < now - OFFLINE_AT_MOST:
        return now
    return min(ticked_at, now)
