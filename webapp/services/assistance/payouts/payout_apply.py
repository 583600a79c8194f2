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
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    String,
    bindparam,
    func,
    select,
    update,
)
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
    after = 0  # by key, not by offset: the rows applied are never read again
    while True:
        with unit_of_work(session):
            still_mine()
            _still_open(session, round_id)
            pending = session.execute(
                select(ImportRow.id, ImportRow.values).where(
                    ImportRow.import_id == import_id, ImportRow.id > after,
                    ImportRow.applied.is_(False), ImportRow.outcome.in_(APPLIED))
                .order_by(ImportRow.id).limit(CHUNK)).all()
            if not pending:
                break
            after = pending[-1].id
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
    """One statement per outcome for the chunk's lines (by each line's key, within the
    round)."""
    common = {"source": "import", "import_id": import_id, "ticked_by_id": user_id,
              "ticked_at": utcnow()}
    connection = session.connection()
    _update(connection, round_id, _RECEIVED, [
        _received(row.values) for row in pending if row.values.get("received")],
        lambda given: {"received": True, "amount": func.coalesce(
            given["paid"], DistributionLine.entitled_amount), "received_by": given["taker"],
            "proxy_name": given["proxy"], "proxy_relation": given["relation"],
            "received_on": given["paid_on"], "reason": "", "note": given["said"], **common})
    _update(connection, round_id, _RETURNED, [
        _returned(row.values) for row in pending if not row.values.get("received")],
        lambda given: {"received": False, "amount": None, "received_by": "", "proxy_name": "",
                       "proxy_relation": "", "received_on": None, "goods": "",
                       "reason": given["why"], "note": given["said"], **common})


_RECEIVED = (("line", Integer), ("paid", BigInteger), ("taker", String), ("proxy", String),
             ("relation", String), ("paid_on", Date), ("said", String))
_RETURNED = (("line", Integer), ("why", String), ("said", String))


def _update(connection: Connection, round_id: int, columns: Sequence[tuple[str, Any]],
            rows: list[dict[str, Any]], setting: Callable[[dict[str, Any]], dict[str, Any]]
            ) -> None:
    """Set each row's line: one statement run for every row (psycopg pipelines them; an
    UPDATE from a VALUES list was three times slower on PostgreSQL, its join planned as a
    scan of the round)."""
    if rows:
        given = {name: bindparam(name, type_=kind) for name, kind in columns}
        connection.execute(update(DistributionLine).where(
            DistributionLine.id == given["line"], DistributionLine.round_id == round_id)
            .values(**setting(given)), rows)


def _received(kept: dict[str, Any]) -> dict[str, Any]:
    return {"line": kept["line_id"], "paid": kept.get("amount"),
            "taker": kept.get("received_by") or "recipient",
            "proxy": kept.get("proxy_name") or "", "relation": kept.get("proxy_relation")
            or "", "paid_on": as_date(kept.get("paid_on") or ""),
            "said": kept.get("note") or ""}


def _returned(kept: dict[str, Any]) -> dict[str, Any]:
    return {"line": kept["line_id"], "why": kept.get("reason") or "other",
            "said": kept.get("note") or ""}
