"""Files uploaded with a step's form: stored with the step, read back within scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session, undefer

from ...models import Attachment, Instance, User
from ..errors import NotFound
from ..scope import instance_visible

ATTACHMENT_TABLE = cast(Table, Attachment.__table__)
# Types a browser may show or hand to a viewer; everything else downloads as octet-stream.
SAFE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "text/csv",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "application/msword", "application/vnd.ms-excel"})


@dataclass(frozen=True)
class Upload:
    """A file as the form received it."""

    filename: str
    data: bytes
    content_type: str = ""


def clean_filename(name: str) -> str:
    """The name as the uploader gave it, without any path and control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:')
    return base.strip(" .")[:200] or "berkas"


def content_type_for(upload: Upload) -> str:
    guessed = mimetypes.guess_type(upload.filename)[0] or ""
    return guessed if guessed in SAFE_TYPES else "application/octet-stream"


def store_upload(connection: Connection, upload: Upload, instance_id: int, task_id: int,
                 field_name: str, user: User, now: dt.datetime) -> dict[str, Any]:
    """Insert the file; returns the reference the task data keeps."""
    filename = clean_filename(upload.filename)
    attachment_id = connection.execute(
        insert(ATTACHMENT_TABLE).returning(ATTACHMENT_TABLE.c.id),
        {"instance_id": instance_id, "human_task_id": task_id, "field_name": field_name,
         "filename": filename, "content_type": content_type_for(upload),
         "size": len(upload.data), "sha256": hashlib.sha256(upload.data).hexdigest(),
         "data": upload.data, "uploaded_by_id": user.id, "uploaded_at": now},
    ).scalar_one()
    return {"attachment_id": attachment_id, "filename": filename, "size": len(upload.data)}


def get_attachment(session: Session, user: User, attachment_id: int) -> Attachment:
    """An attachment of a program the user may see, else NotFound."""
    attachment = session.scalar(
        select(Attachment).join(Instance, Instance.id == Attachment.instance_id)
        .where(Attachment.id == attachment_id, instance_visible(user))
        .options(undefer(Attachment.data)))
    if attachment is None:
        raise NotFound()
    return attachment
