"""The coordinator's side of an import: upload, read its state and its preview, change the
matching of columns, confirm or cancel, and download the rejected rows."""

from __future__ import annotations

import re

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
from .status import queue

PREVIEW_ROWS = 50


# -- uploading, confirming, reading the state ------------------------------------------------
def start(session: Session, user: User, filename: str, content: bytes) -> RegistryImport:
    """Keep the file and ask the worker to read it (nothing else changes)."""
    access.require_editor(user)
    if not content:
        raise InvalidInput(_l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise InvalidInput(_l("The file is larger than 20 MB: split it into smaller files."))
    with unit_of_work(session):
        made = RegistryImport(user_id=user.id, region_code=user.region_code,
                              filename=mask_nik(" ".join((filename or "daftar").split()))[-200:],
                              content=content, status="reading")
        session.add(made)
        session.flush()
        queue(session, made.id, "read")
    return made


def get(session: Session, user: User, import_id: int) -> RegistryImport:
    """An import the user may see: made inside their region (else NotFound)."""
    found = session.get(RegistryImport, import_id, populate_existing=True)
    if found is None or not in_region(user, found.region_code):
        raise NotFound()
    return found


def recent(session: Session, user: User, limit: int = 20) -> list[RegistryImport]:
    query = select(RegistryImport).order_by(RegistryImport.id.desc()).limit(limit)
    if user.region_code:
        query = query.where(region_clause(user, RegistryImport.region_code))
    return list(session.scalars(query))


def remap(session: Session, user: User, import_id: int, mapping: dict[str, str]) -> None:
    """Read the file again with another matching of columns to fields."""
    access.require_editor(user)
    with unit_of_work(session):
        found = get(session, user, import_id)
        if found.status not in ("ready", "failed"):
            raise Conflict(_l("This import can no longer be changed."))
        clean = {col: f for col, f in mapping.items() if f in HEADERS and col in found.headers}
        found.mapping, found.status, found.processed, found.error = clean, "reading", 0, ""
        found.counts, found.reasons = {}, []
        queue(session, found.id, "read")


def confirm(session: Session, user: User, import_id: int) -> None:
    """The coordinator saw the preview: apply it (in the worker)."""
    access.require_editor(user)
    with unit_of_work(session):
        found = get(session, user, import_id)
        moved = session.execute(update(RegistryImport).where(
            RegistryImport.id == found.id, RegistryImport.status == "ready")
            .values(status="applying", processed=0, confirmed_at=utcnow())
            .execution_options(synchronize_session=False))
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(_l("This import was confirmed already, or is not ready."))
        if not found.counts.get("to_apply"):
            raise InvalidInput(_l("No row of this file can be imported."))
        queue(session, found.id, "apply")


def cancel(session: Session, user: User, import_id: int) -> bool:
    access.require_editor(user)
    with unit_of_work(session):
        found = get(session, user, import_id)
        if found.status not in ("ready", "failed", "reading"):
            raise Conflict(_l("This import can no longer be cancelled."))
        found.status = "cancelled"
        session.execute(delete(ImportRow).where(ImportRow.import_id == found.id))
    return True


def rows(session: Session, user: User, import_id: int, outcome: str = "",
         page: int = 1, per_page: int = PREVIEW_ROWS) -> tuple[list[ImportRow], bool]:
    """A page of the preview (one outcome, or every row), and whether more follow."""
    get(session, user, import_id)
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
    headers = [gettext("Line"), *found.headers, gettext("Reasons")]
    out = []
    for row in session.scalars(select(ImportRow).where(
            ImportRow.import_id == found.id, ImportRow.outcome == "rejected")
            .order_by(ImportRow.line)):
        cells = [cell_text(cell) for cell in row.cells]  # a number cell too: as its digits
        if not full:
            cells = mask_nik(cells)
        reasons = "; ".join(row.problems) if full else mask_nik("; ".join(row.problems))
        out.append([row.line, *cells, reasons])
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", found.filename.rsplit(".", 1)[0])[:60] or "daftar"
    extension = "xlsx" if fmt == "xlsx" else "csv"
    return f"{stem}-ditolak.{extension}", write_rows(headers, out, extension)
