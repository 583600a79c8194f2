"""The recorder's side of a payout file: upload it into the open round, follow its preview,
change the matching of columns, confirm or cancel it, and download the rows that were not
matched. Whoever may record the round (its step's group, in its region) does this; whoever
may see the program sees the imports of its rounds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import DistributionRound, ImportRow, RegistryImport, User
from ...errors import Conflict, NotFound
from ...registry.importing import upload
from ..recipient_lists import state
from ..rounds import recording, round_row
from .payout_columns import HEADERS, OUTCOME_LABELS, UNMATCHED

JOB_KIND = "payout_import"
KIND = "payout"


def start(session: Session, user: User, instance_id: int, number: int, filename: str,
          content: bytes) -> RegistryImport:
    """Keep a payout file for the open round and ask the worker to read it (no line
    changes before the recorder confirms)."""
    upload.check_upload(content)
    with unit_of_work(session):
        _, row = recording(session, user, instance_id, number)
        if row.opened_at is None:
            raise Conflict(_l("Round %(n)s is not open yet: open it first (this fixes the "
                              "families due in it).", n=number))
        return upload.keep_file(session, user, filename, content, JOB_KIND, kind=KIND,
                                round_id=row.id, instance_id=instance_id)


def get(session: Session, user: User, instance_id: int, number: int,
        import_id: int) -> RegistryImport:
    """A payout file of this round, for someone who may see the program (else NotFound)."""
    state(session, user, instance_id)
    found = upload.find_import(session, user, import_id, KIND)
    row = round_row(session, instance_id, number)
    if row is None or found.instance_id != instance_id or found.round_id != row.id:
        raise NotFound()
    return found


def recent(session: Session, user: User, instance_id: int, number: int
           ) -> list[RegistryImport]:
    """The payout files of this round, the latest first."""
    state(session, user, instance_id)
    return list(session.scalars(select(RegistryImport).join(
        DistributionRound, DistributionRound.id == RegistryImport.round_id).where(
        RegistryImport.kind == KIND, RegistryImport.instance_id == instance_id,
        DistributionRound.number == number).order_by(RegistryImport.id.desc()).limit(20)))


def _recorded(session: Session, user: User, instance_id: int, number: int,
              import_id: int) -> RegistryImport:
    recording(session, user, instance_id, number)
    return get(session, user, instance_id, number, import_id)


def confirm(session: Session, user: User, instance_id: int, number: int,
            import_id: int) -> None:
    """The recorder saw the preview: fill the lines (in the worker)."""
    with unit_of_work(session):
        upload.confirm_import(session, _recorded(session, user, instance_id, number,
                                                 import_id), JOB_KIND)


def cancel(session: Session, user: User, instance_id: int, number: int,
           import_id: int) -> bool:
    """Cancel a payout file before it is applied (no line changes)."""
    with unit_of_work(session):
        upload.cancel_import(session, _recorded(session, user, instance_id, number,
                                                import_id))
        return True


def remap(session: Session, user: User, instance_id: int, number: int, import_id: int,
          mapping: dict[str, str]) -> None:
    """Read the file again with another matching of columns to fields."""
    with unit_of_work(session):
        upload.remap_import(session, _recorded(session, user, instance_id, number, import_id),
                            mapping, HEADERS, JOB_KIND)


def rows(session: Session, user: User, instance_id: int, number: int, import_id: int,
         outcome: str = "", page: int = 1) -> tuple[list[ImportRow], bool]:
    get(session, user, instance_id, number, import_id)
    return upload.preview_rows(session, import_id, outcome, page)


def unmatched_file(session: Session, user: User, instance_id: int, number: int,
                   import_id: int, fmt: str) -> tuple[str, bytes]:
    """The rows that fill no line (unreadable, unknown family, not in this round, a second
    row), as they were in the file with their outcome and reasons; numbers masked."""
    found = get(session, user, instance_id, number, import_id)
    return upload.rows_file(session, found, UNMATCHED, fmt, False, "tidak-cocok",
                            OUTCOME_LABELS)
