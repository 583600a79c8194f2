"""The coordinator's side of a national list: upload the SIKS-NG export while the plan is
being written, follow its preview, change the matching of columns, confirm or cancel it, and
download the worklist (the families not in the registry, and the unreadable rows). Whoever may
edit the registry and sees the program does this; whoever sees the program sees its
imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import ImportRow, RegistryImport, User
from ...errors import Conflict, NotFound
from ...registry import access
from ...registry.importing import upload
from ..recipient_lists import ListState, state
from ..records import declare_national
from .national_columns import HEADERS, OUTCOME_LABELS, WORKLIST

JOB_KIND = "national_list_import"
KIND = "national"


def importing(session: Session, user: User, instance_id: int) -> ListState:
    """The program's list as its editor may import a national list into it: the program
    visible, the plan being written, the program national (in the caller's unit of work)."""
    listed = state(session, user, instance_id)
    access.require_editor(user)
    if not listed.plan_open:
        raise Conflict(_l("A national list is imported while the plan is being written, "
                          "before the first round."))
    if listed.kind != "national":
        raise Conflict(_l("Only a national program (PKH, Sembako/BPNT, PBI-JK) imports its "
                          "list from SIKS-NG; a local program builds its list from the "
                          "registry."))
    return listed


def start(session: Session, user: User, instance_id: int, filename: str, content: bytes,
          scheme: str = "") -> RegistryImport:
    """Keep a national list for the program and ask the worker to read it (nothing on the
    list changes before the coordinator confirms). A program whose plan is not written yet
    becomes national with ``scheme``."""
    upload.check_upload(content)
    with unit_of_work(session):
        listed = state(session, user, instance_id)
        access.require_editor(user)
        if listed.plan_open and not listed.kind:
            if not scheme:
                raise Conflict(_l("Say which national program this is (PKH, Sembako/BPNT, "
                                  "PBI-JK or BLT Dana Desa)."))
            declare_national(session, user, instance_id, scheme)
        listed = importing(session, user, instance_id)
        if listed.counts.get("draft"):
            raise Conflict(_l("The list holds families added from the registry: empty it "
                              "before importing the national list."))
        return upload.keep_file(session, user, filename, content, JOB_KIND, kind=KIND,
                                instance_id=instance_id)


def get(session: Session, user: User, instance_id: int, import_id: int) -> RegistryImport:
    """A national list of this program, for someone who may see the program (else
    NotFound)."""
    state(session, user, instance_id)
    found = upload.find_import(session, user, import_id, KIND)
    if found.instance_id != instance_id:
        raise NotFound()
    return found


def recent(session: Session, user: User, instance_id: int) -> list[RegistryImport]:
    """The national lists of this program, the latest first."""
    state(session, user, instance_id)
    return list(session.scalars(select(RegistryImport).where(
        RegistryImport.kind == KIND, RegistryImport.instance_id == instance_id)
        .order_by(RegistryImport.id.desc()).limit(20)))


def confirm(session: Session, user: User, instance_id: int, import_id: int) -> None:
    """The coordinator saw the preview: enrol the families (in the worker)."""
    with unit_of_work(session):
        importing(session, user, instance_id)
        upload.confirm_import(session, get(session, user, instance_id, import_id), JOB_KIND)


def cancel(session: Session, user: User, instance_id: int, import_id: int) -> bool:
    with unit_of_work(session):
        found = get(session, user, instance_id, import_id)
        access.require_editor(user)
        upload.cancel_import(session, found)
    return True


def remap(session: Session, user: User, instance_id: int, import_id: int,
          mapping: dict[str, str]) -> None:
    """Read the file again with another matching of columns to fields."""
    with unit_of_work(session):
        importing(session, user, instance_id)
        upload.remap_import(session, get(session, user, instance_id, import_id), mapping,
                            HEADERS, JOB_KIND)


def rows(session: Session, user: User, instance_id: int, import_id: int, outcome: str = "",
         page: int = 1) -> tuple[list[ImportRow], bool]:
    get(session, user, instance_id, import_id)
    return upload.preview_rows(session, import_id, outcome, page)


def worklist_file(session: Session, user: User, instance_id: int, import_id: int,
                  fmt: str) -> tuple[str, bytes]:
    """The rows to follow up, as they were in the file with their outcome and reasons: the
    families not in the registry (to register first) and the unreadable rows; numbers
    masked."""
    found = get(session, user, instance_id, import_id)
    return upload.rows_file(session, found, WORKLIST, fmt, False, "belum-terdaftar",
                            OUTCOME_LABELS)
