"""An import's state as the worker moves it: its queued jobs, its progress, and its end as
failed with a reason the coordinator can act on. Shared by every kind of import (a village
list here, a payout file in ``assistance.payouts``): each queues its own job kind and runs its
phases through ``run_phases``."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ....db import failure_record, use_case, utcnow
from ....models import Job, RegistryImport
from ...errors import InvalidInput, LeaseLost
from ...privacy import mask_nik

JOB_KIND = "registry_import"
# phase(session, import_id, still_mine): one phase of an import, in the worker
Phase = Callable[[Session, int, Callable[[], None]], None]


LOG = logging.getLogger("simpul.registry")


def queue(session: Session, import_id: int, phase: str, kind: str = JOB_KIND) -> None:
    session.execute(insert(Job).values(kind=kind, status="pending", due_at=utcnow(),
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


def processed(session: Session, import_id: int, done: int) -> None:
    """The progress bar's count (in the caller's unit of work, with the chunk it counts)."""
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(processed=done).execution_options(synchronize_session=False))


@use_case
def finished(session: Session, import_id: int, still_mine: Callable[[], None]) -> None:
    """Every row is applied: the import is done."""
    still_mine()
    session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                    .values(status="done", finished_at=utcnow())
                    .execution_options(synchronize_session=False))


def run_phases(session: Session, payload: dict[str, Any], still_mine: Callable[[], None],
               phases: Mapping[str, Phase], changed: Callable[[], str]) -> None:
    """Run the phase a job names (``read`` or ``apply``). Every failure ends the import as
    failed, with a reason the coordinator can act on (``changed`` when the database refused
    a row as taken meanwhile); only the database being away is left to the job's retries
    (and ``gave_up`` says so when they run out). ``still_mine`` raises when another worker
    took the job."""
    import_id = int(payload.get("import_id", 0))
    phase = str(payload.get("phase"))
    try:
        if phase in phases:
            phases[phase](session, import_id, still_mine)
    except InvalidInput as err:
        failed(session, import_id, str(err.message))
    except IntegrityError:  # a row of this file was entered meanwhile
        failed(session, import_id, changed())
    except (OperationalError, InterfaceError):
        raise  # the database is away: the job tries again later
    except LeaseLost:
        raise  # another worker holds the job now
    except Exception as err:  # noqa: BLE001 - a file must never leave an import hanging
        LOG.error("import %s (%s) failed: %s", import_id, phase,
                  mask_nik("".join(traceback.format_exception(err))))
        failed(session, import_id, gettext(
            "Simpul could not finish this import because of an error of its own, not of your "
            "file's rows (reference: import %(id)s). Rows already imported stay. Try again; if "
            "it happens again, send the file to your administrator.", id=import_id)
            if phase == "apply" else gettext(
            "Simpul could not read this file (reference: import %(id)s). Save it again as XLSX "
            "or CSV and upload that; if it happens again, send the file to your "
            "administrator.", id=import_id))


def gave_up(session: Session, payload: dict[str, Any], error: str) -> None:
    """The worker gave up on an import's job (the database stayed away, or the job stopped
    its worker): the import ends as failed instead of waiting for ever (the caller
    commits)."""
    mark_failed(session, int(payload.get("import_id", 0)), gettext(
        "The import stopped: Simpul tried it several times without finishing (%(error)s). "
        "Rows already imported stay; upload the file again for the rest.",
        error=mask_nik(error)[:200]))
