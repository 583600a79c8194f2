"""Applying a confirmed payout file (in the worker): each matched or returned row fills its
family's line in the round (received by the recipient or a proxy, with the amount and date
paid; or returned, with the reason), marked as coming from this import. The payer's file is
the record of what was paid: it replaces a tick made in the field (the preview said which).

A thousand lines at a time, each chunk committed with its rows marked applied: a crash
resumes after the last chunk, and applying again writes nothing twice. Each chunk's lines are
set by two statements that read the preview rows themselves (``UPDATE … FROM``: a row's line
and what it sets are in its ``values``), so no line's values pass through Python."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    and_,
    any_,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import DistributionLine, DistributionRound, ImportRow, RegistryImport
from ...errors import InvalidInput
from ...registry.importing.check import chunks
from ...registry.importing.status import finished, processed
from .payout_columns import APPLIED

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
    # the rows to apply, read once (a query a chunk, its statistics not yet updated, scanned
    # every row of the import each time); after the last chunk, one more check of the round
    todo = session.scalars(select(ImportRow.id).where(
        ImportRow.import_id == import_id, ImportRow.applied.is_(False),
        ImportRow.outcome.in_(APPLIED)).order_by(ImportRow.id)).all()
    for pending in [*chunks(todo, CHUNK), ()]:
        with unit_of_work(session):
            still_mine()
            _still_open(session, round_id)
            if not pending:
                break
            chunk = and_(_among(session, pending), ImportRow.applied.is_(False))
            _fill_lines(session, import_id, round_id, user_id, chunk)
            session.execute(update(ImportRow).where(chunk).values(applied=True)
                            .execution_options(synchronize_session=False))
            done += len(pending)
            processed(session, import_id, done)
    finished(session, import_id, still_mine)


def _still_open(session: Session, round_id: int) -> None:
    closed = session.scalar(select(DistributionRound.closed_at).where(
        DistributionRound.id == round_id))
    if closed is not None:
        raise InvalidInput(gettext("The round was closed since the preview: the rest of the "
                                   "file was not applied. The lines already filled stay."))


def _among(session: Session, ids: Sequence[int]) -> ColumnElement[bool]:
    """The chunk's rows by their ids alone: found by the primary key (an index of the import's
    rows, its statistics not yet updated, would be scanned whole for each chunk). One array
    on PostgreSQL, not a thousand parameters."""
    if session.get_bind().dialect.name == "postgresql":
        return ImportRow.id == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return ImportRow.id.in_(list(ids))


def _fill_lines(session: Session, import_id: int, round_id: int, user_id: int,
                chunk: ColumnElement[bool]) -> None:
    """One statement per outcome for the chunk's lines (each row's line, within the round)."""
    common = {"source": "import", "import_id": import_id, "ticked_by_id": user_id,
              "ticked_at": utcnow()}
    lines = update(DistributionLine).where(
        DistributionLine.id == ImportRow.values["line_id"].as_integer(),
        DistributionLine.round_id == round_id, chunk).execution_options(
        synchronize_session=False)
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(lines.where(ImportRow.outcome == "matched").values(
        received=True, amount=func.coalesce(cast(_kept("amount"), BigInteger),
                                            DistributionLine.entitled_amount),
        received_by=func.coalesce(func.nullif(_kept("received_by"), ""), "recipient"),
        proxy_name=_said("proxy_name"), proxy_relation=_said("proxy_relation"),
        # a day as its ISO text: SQLite keeps it so; PostgreSQL casts it (a CAST to DATE on
        # SQLite would make it a number)
        received_on=cast(func.nullif(_kept("paid_on"), ""), Date) if postgres
        else func.nullif(_kept("paid_on"), ""),
        reason="", note=_said("note"), **common))
    session.execute(lines.where(ImportRow.outcome == "returned").values(
        received=False, amount=None, received_by="", proxy_name="", proxy_relation="",
        received_on=None, goods="", note=_said("note"),
        reason=func.coalesce(func.nullif(_kept("reason"), ""), "other"), **common))


def _kept(key: str) -> Any:
    """A field of the row's ``values`` as text (NULL when missing or null)."""
    return ImportRow.values[key].as_string()


def _said(key: str) -> Any:
    return func.coalesce(_kept(key), "")
