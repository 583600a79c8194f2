"""The coordinator's side of an import: upload, read its state and its preview, change the
matching of columns, confirm or cancel, and download the rejected rows.

The village list's use cases are here; the pieces every kind of import shares (keeping the
file, confirming, cancelling, a page of the preview, rows as a file) are the functions without
an access check, which ``assistance.payouts`` calls after its own."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ....db import unit_of_work, utcnow
from ....models import ImportRow, RegistryImport, User
from ...errors import Conflict, InvalidInput, NotFound
from ...privacy import mask_nik
from ...scope import in_region, region_clause
from .. import access
from ..files import MAX_BYTES, cell_text, write_rows
from .columns import HEADERS
from .status import JOB_KIND, queue

PREVIEW_ROWS = 50
VILLAGE = "village"


# -- uploading, confirming, reading the state ------------------------------------------------
def start(session: Session, user: User, filename: str, content: bytes) -> RegistryImport:
    """Keep the file and ask the worker to read it (nothing else changes)."""
    access.require_editor(user)
    check_upload(content)
    with unit_of_work(session):
        return keep_file(session, user, filename, content)


def check_upload(content: bytes) -> None:
    if not content:
        raise InvalidInput(_l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise InvalidInput(_l("The file is larger than 20 MB: split it into smaller files."))


def keep_file(session: Session, user: User, filename: str, content: bytes,
              job_kind: str = JOB_KIND, **fields: Any) -> RegistryImport:
    """The file kept as an import (its name masked) and its reading queued (in the caller's
    unit of work); ``fields`` say what kind of import it is and where it goes."""
    made = RegistryImport(user_id=user.id, region_code=user.region_code,
                          filename=mask_nik(" ".join((filename or "daftar").split()))[-200:],
                          content=content, status="reading", **fields)
    session.add(made)
    session.flush()
    queue(session, made.id, "read", job_kind)
    return made


def get(session: Session, user: User, import_id: int) -> RegistryImport:
    """A village list the user may see: made inside their region (else NotFound)."""
    return find_import(session, user, import_id, VILLAGE)


def find_import(session: Session, user: User, import_id: int, kind: str) -> RegistryImport:
    """An import of this kind made inside the user's region (else NotFound)."""
    found = session.get(RegistryImport, import_id, populate_existing=True)
    if found is None or found.kind != kind or not in_region(user, found.region_code):
        raise NotFound()
    return found


def recent(session: Session, user: User, limit: int = 20) -> list[RegistryImport]:
    query = select(RegistryImport).where(RegistryImport.kind == VILLAGE) \
        .order_by(RegistryImport.id.desc()).limit(limit)
    if user.region_code:
        query = query.where(region_clause(user, RegistryImport.region_code))
    return list(session.scalars(query))


def remap(session: Session, user: User, import_id: int, mapping: dict[str, str]) -> None:
    """Read the file again with another matching of columns to fields."""
    access.require_editor(user)
    with unit_of_work(session):
        remap_import(session, get(session, user, import_id), mapping, HEADERS)


def remap_import(session: Session, found: RegistryImport, mapping: dict[str, str],
                 fields: Mapping[str, Any], job_kind: str = JOB_KIND) -> None:
    """Read an import's file again with another matching (in the caller's unit of work)."""
    if found.status not in ("ready", "failed") or found.purged_at is not None:
        raise Conflict(_l("This import can no longer be changed."))
    clean = {col: f for col, f in mapping.items() if f in fields and col in found.headers}
    found.mapping, found.status, found.processed, found.error = clean, "reading", 0, ""
    found.counts, found.reasons = {}, []
    queue(session, found.id, "read", job_kind)


def confirm(session: Session, user: User, import_id: int) -> None:
    """The coordinator saw the preview: apply it (in the worker)."""
    access.require_editor(user)
    with unit_of_work(session):
        confirm_import(session, get(session, user, import_id))


def confirm_import(session: Session, found: RegistryImport, job_kind: str = JOB_KIND) -> None:
    """Queue the applying of a previewed import, once (in the caller's unit of work)."""
    moved = session.execute(update(RegistryImport).where(
        RegistryImport.id == found.id, RegistryImport.status == "ready")
        .values(status="applying", processed=0, confirmed_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This import was confirmed already, or is not ready."))
    if not found.counts.get("to_apply"):
        raise InvalidInput(_l("No row of this file can be imported."))
    queue(session, found.id, "apply", job_kind)


def cancel(session: Session, user: User, import_id: int) -> bool:
    access.require_editor(user)
    with unit_of_work(session):
        cancel_import(session, get(session, user, import_id))
    return True


def cancel_import(session: Session, found: RegistryImport) -> None:
    """Cancel an import not yet confirmed: its preview goes, the file is kept until the
    retention deletes it (in the caller's unit of work)."""
    if found.status not in ("ready", "failed", "reading"):
        raise Conflict(_l("This import can no longer be cancelled."))
    found.status, found.finished_at = "cancelled", utcnow()
    session.execute(delete(ImportRow).where(ImportRow.import_id == found.id))


def rows(session: Session, user: User, import_id: int, outcome: str = "",
         page: int = 1, per_page: int = PREVIEW_ROWS) -> tuple[list[ImportRow], bool]:
    """A page of the preview (one outcome, or every row), and whether more follow."""
    get(session, user, import_id)
    return preview_rows(session, import_id, outcome, page, per_page)


def preview_rows(session: Session, import_id: int, outcome: str = "", page: int = 1,
                 per_page: int = PREVIEW_ROWS) -> tuple[list[ImportRow], bool]:
    """A page of an import's rows (of one outcome, or ``warned``, or all), in file order."""
    query = select(ImportRow).where(ImportRow.import_id == import_id)
    if outcome == "warned":
        query = query.where(ImportRow.outcome != "rejected",
                            func.length(func.coalesce(ImportRow.warnings, "")) > 2)
    elif outcome:
        query = query.where(ImportRow.outcome == outcome)
    found = list(session.scalars(query.order_by(ImportRow.line)
                                 .limit(per_page + 1).offset((max(page, 1) - 1) * per_page)))
    return found[:per_page], len(found) > per_page


def rejected_file(session: Session, user: User, import_id: int, fmt: str,
                  reason: str = "") -> tuple[str, bytes]:
    """The rejected rows as they were in the file, each with its line and reasons. NIK and KK
    are masked unless a reason is given by someone who may see them (an access event)."""
    found = get(session, user, import_id)
    full = bool(reason)
    if full:
        access.reveal_import(session, user, found.id, reason)
    return rows_file(session, found, ("rejected",), fmt, full, "ditolak")


def rows_file(session: Session, found: RegistryImport, outcomes: Iterable[str], fmt: str,
              full: bool = False, suffix: str = "ditolak",
              labels: Mapping[str, Any] | None = None) -> tuple[str, bytes]:
    """An import's rows of these outcomes as they were in the file, each with its line and
    reasons (and its outcome, named by ``labels``); NIK and KK masked unless ``full``."""
    headers = [gettext("Line"), *found.headers, gettext("Reasons")]
    if labels:
        headers.insert(1, gettext("Outcome"))
    out = []
    for row in session.scalars(select(ImportRow).where(
            ImportRow.import_id == found.id, ImportRow.outcome.in_(list(outcomes)))
            .order_by(ImportRow.line)):
        cells = [cell_text(cell) for cell in row.cells]  # a number cell too: as its digits
        if not full:
            cells = mask_nik(cells)
        reasons = "; ".join(row.problems) if full else mask_nik("; ".join(row.problems))
        named = [str(labels.get(row.outcome, row.outcome))] if labels else []
        out.append([row.line, *named, *cells, reasons])
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", found.filename.rsplit(".", 1)[0])[:60] or "daftar"
    extension = "xlsx" if fmt == "xlsx" else "csv"
    return f"{stem}-{suffix}.{extension}", write_rows(headers, out, extension)
