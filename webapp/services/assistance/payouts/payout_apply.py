"""Applying a confirmed payout file (in the worker): each matched or returned row fills its
family's line in the round (received by the recipient or a proxy, with the amount and date
paid; or returned, with the reason), marked as coming from this import. The payer's file is
the record of what was paid: it replaces a tick made in the field (the preview said which).

A thousand lines at a time, each chunk committed with its rows marked applied: a crash
resumes after the last chunk, and applying again writes nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import DistributionLine, DistributionRound, ImportRow, RegistryImport
from ...errors import InvalidInput
from ...registry.importing.status import finished, processed
from .payout_columns import APPLIED, as_date

CHUNK = 1000


def apply(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Fill the round's lines from a confirmed payout file, a chunk at a time."""
    with unit_of_work(session):
        found = session.get(RegistryImport, import_id, populate_existing=True)
        if found is None or found.status != "applying":
            return  # nothing written: the unit ends empty
        round_id, user_id = found.round_id or 0, found.user_id
    done = session.scalar(select(func.count(ImportRow.id)).where(
        ImportRow.import_id == import_id, ImportRow.applied.is_(True))) or 0
    while True:
        with unit_of_work(session):
            still_mine()
            _still_open(session, round_id)
            pending = session.execute(
                select(ImportRow.id, ImportRow.values).where(
                    ImportRow.import_id == import_id, ImportRow.applied.is_(False),
                    ImportRow.outcome.in_(APPLIED))
                .order_by(ImportRow.id).limit(CHUNK)).all()
            if not pending:
                break
            _fill_lines(session, import_id, round_id, user_id, pending)
            session.execute(update(ImportRow).where(ImportRow.id.in_([r.id for r in pending]))
                            .values(applied=True).execution_options(synchronize_session=False))
            done += len(pending)
            processed(session, import_id, done)
    finished(session, import_id, still_mine)


def _still_open(session: Session, round_id: int) -> None:
    closed = session.scalar(select(DistributionRound.closed_at).where(
        DistributionRound.id == round_id))
    if closed is not None:
        raise InvalidInput(gettext("The round was closed since the preview: the rest of the "
                                   "file was not applied. The lines already filled stay."))


def _fill_lines(session: Session, import_id: int, round_id: int, user_id: int,
                pending: Sequence[Any]) -> None:
    """One statement per outcome, run for every line of the chunk (by the line's key, within
    the round)."""
    now = utcnow()
    received = [_received(row.values) for row in pending if row.values.get("received")]
    returned = [_returned(row.values) for row in pending if not row.values.get("received")]
    common = {"source": "import", "import_id": import_id, "ticked_by_id": user_id,
              "ticked_at": now}
    where = (DistributionLine.id == bindparam("line"), DistributionLine.round_id == round_id)
    connection = session.connection()
    if received:
        connection.execute(update(DistributionLine).where(*where).values(
            received=True, amount=func.coalesce(bindparam("paid", type_=DistributionLine.amount
                                                          .type),
                                                DistributionLine.entitled_amount),
            received_by=bindparam("by"), proxy_name=bindparam("proxy"),
            proxy_relation=bindparam("relation"), received_on=bindparam("on"),
            reason="", note=bindparam("said"), **common), received)
    if returned:
        connection.execute(update(DistributionLine).where(*where).values(
            received=False, amount=None, received_by="", proxy_name="", proxy_relation="",
            received_on=None, goods="", reason=bindparam("why"), note=bindparam("said"),
            **common), returned)


def _received(values: dict[str, Any]) -> dict[str, Any]:
    return {"line": values["line_id"], "paid": values.get("amount"),
            "by": values.get("received_by") or "recipient",
            "proxy": values.get("proxy_name") or "", "relation": values.get("proxy_relation")
            or "", "on": as_date(values.get("paid_on") or ""), "said": values.get("note") or ""}


def _returned(values: dict[str, Any]) -> dict[str, Any]:
    return {"line": values["line_id"], "why": values.get("reason") or "other",
            "said": values.get("note") or ""}
