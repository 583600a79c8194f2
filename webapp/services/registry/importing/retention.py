"""Retention: an uploaded file (a village list, a payout file) and its rows' full values are
kept only as long as they may be needed to correct and upload again. A periodic job deletes
them ``IMPORT_RETENTION_DAYS`` (30 by default) after the import ended (done, cancelled or
failed); what remains is the import's counts and reasons, and each row's line, outcome and
problems with its numbers masked and no names, dates or addresses (UU PDP: kept no longer
than needed). Families and lines the import wrote are records of their own and stay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import ImportRow, RegistryImport
from ...privacy import mask_nik

JOB_KIND = "import_retention"
EVERY = dt.timedelta(days=1)
DEFAULT_DAYS = 30
ENDED = ("done", "cancelled", "failed")
CHUNK = 1000
# What a row's values say of a person beyond their numbers: gone when the file goes.
PERSONAL = frozenset({"full_name", "name", "birth_place", "birth_date", "address", "rt", "rw",
                      "occupation", "proxy_name", "proxy_relation", "note", "head"})


def retention_days() -> int:
    """How many days an ended import keeps its file (the app's IMPORT_RETENTION_DAYS)."""
    if has_app_context():
        return max(0, int(current_app.config.get("IMPORT_RETENTION_DAYS", DEFAULT_DAYS)))
    return DEFAULT_DAYS


def run_job(session: Session, payload: dict[str, Any], still_mine: Callable[[], None]) -> None:
    """The periodic job: purge every import whose time is up."""
    purge_due(session, int(payload.get("days", retention_days())), still_mine)


def purge_due(session: Session, days: int, still_mine: Callable[[], None] = lambda: None
              ) -> list[int]:
    """Purge the imports that ended ``days`` ago or more; returns their ids."""
    cutoff = utcnow() - dt.timedelta(days=days)
    ids = list(session.scalars(select(RegistryImport.id).where(
        RegistryImport.status.in_(ENDED), RegistryImport.purged_at.is_(None),
        func.coalesce(RegistryImport.finished_at, RegistryImport.created_at) <= cutoff)
        .order_by(RegistryImport.id)))
    for import_id in ids:
        purge(session, import_id, still_mine)
    return ids


def purge(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Delete one import's file and its rows' full values, a chunk of rows at a time (a
    crash resumes: masking a masked row changes nothing)."""
    after = 0
    while True:
        with unit_of_work(session):
            still_mine()
            batch = session.execute(
                select(ImportRow.id, ImportRow.kk_number, ImportRow.values, ImportRow.problems,
                       ImportRow.warnings)
                .where(ImportRow.import_id == import_id, ImportRow.id > after)
                .order_by(ImportRow.id).limit(CHUNK)).all()
            if not batch:
                break
            session.connection().execute(
                update(ImportRow).where(ImportRow.id == bindparam("row_id"))
                .values(kk_number=bindparam("kk"), cells=bindparam("no_cells"),
                        values=bindparam("kept"), problems=bindparam("masked_problems"),
                        warnings=bindparam("masked_warnings")),
                [{"row_id": row.id, "kk": mask_nik(row.kk_number), "no_cells": [],
                  "kept": masked_values(row.values), "masked_problems": mask_nik(row.problems),
                  "masked_warnings": mask_nik(row.warnings)} for row in batch])
            after = batch[-1].id
    with unit_of_work(session):
        still_mine()
        session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                        .values(content=b"", purged_at=utcnow())
                        .execution_options(synchronize_session=False))


def masked_values(value: Any) -> Any:
    """A row's values with numbers masked and what names or locates a person left out."""
    if isinstance(value, dict):
        return {k: masked_values(v) for k, v in value.items() if k not in PERSONAL}
    if isinstance(value, list):
        return [masked_values(v) for v in value]
    return mask_nik(value)
