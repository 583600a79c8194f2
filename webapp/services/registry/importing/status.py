"""An import's state as the worker moves it: its queued jobs, its progress, and its end as
failed with a reason the coordinator can act on."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from ....db import failure_record, use_case, utcnow
from ....models import Job, RegistryImport

JOB_KIND = "registry_import"


LOG = logging.getLogger("simpul.registry")


def queue(session: Session, import_id: int, phase: str) -> None:
    session.execute(insert(Job).values(kind=JOB_KIND, status="pending", due_at=utcnow(),
                                       payload={"import_id": import_id, "phase": phase},
                                       attempts=0, max_attempts=3, last_error="",
                                       created_at=utcnow()))


def failed(session: Session, import_id: int, message: str) -> None:
    """The import ends as failed, in a transaction of its own: the failed work's unit of work
    was rolled back when the error left it."""
    with failure_record(session):
        mark_failed(session, import_id, message)


def mark_failed(session: Session, import_id: int, message: str) -> None:
    session.execute(update(RegistryImport).where(
        RegistryImport.id == import_id, RegistryImport.status.in_(("reading", "applying")))
        .values(status="failed", error=message[:500], finished_at=utcnow())
        .execution_options(synchronize_session=False))


@use_case
def progress(session: Session, import_id: int, done: int,
              still_mine: Callable[[], None]) -> None:
    still_mine()
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(processed=done).execution_options(synchronize_session=False))
