"""Comments and files on a task, kept in the program's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from forms.base import CONTROL, CONTROL_CHARACTERS
from forms.dynamic import FILE_TYPE_REFUSED, accepted_file

from ...db import unit_of_work, utcnow
from ...models import Event, User
from ..errors import InvalidInput
from ..privacy import mask_nik
from .attachments import Upload, store_upload
from .inbox import get_task
from .steps import Journal

TEXT_MAX = 2000
FILE_MAX_BYTES = 5 * 1024 * 1024


def add_comment(session: Session, user: User, task_id: int, text: str,
                upload: Upload | None = None) -> None:
    """A comment (and optionally one file) on a task the user may see."""
    # a NIK typed in a comment is kept masked: the history holds no full NIK
    text = mask_nik((text or "").strip())
    if CONTROL.search(text):
        raise InvalidInput(CONTROL_CHARACTERS)
    if upload is not None and not upload.filename:
        upload = None
    if not text and upload is None:
        raise InvalidInput(_l("Write a comment or choose a file."))
    if len(text) > TEXT_MAX:
        raise InvalidInput(_l("Please use at most %(max)d characters.", max=TEXT_MAX))
    if upload is not None:
        if not accepted_file(upload.filename, upload.data):
            raise InvalidInput(FILE_TYPE_REFUSED)
        if len(upload.data) > FILE_MAX_BYTES:
            raise InvalidInput(_l("The file is too large (at most 5 MB)."))
    with unit_of_work(session):
        task = get_task(session, user, task_id)
        data: dict[str, Any] = {"text": text, "name": task.name}
        if upload is not None:
            data["attachment"] = store_upload(session.connection(), upload, task.instance_id,
                                              task.id, "comment", user, utcnow())
        journal = Journal(task.instance_id, user.id)
        journal.add("task.commented", task.id, data)
        journal.write(session)


@dataclass(frozen=True)
class Comment:
    """A comment as the task page shows it."""

    at: dt.datetime
    author: str | None
    data: dict[str, Any]


_COMMENTS = (
    select(Event.at, func.coalesce(func.nullif(User.full_name, ""), User.username)
           .label("author"), Event.data)
    .outerjoin(User, User.id == Event.actor_id)
    .where(Event.human_task_id == bindparam("task_id"), Event.action == "task.commented")
    .order_by(Event.id)
)


def task_comments(session: Session, task_id: int) -> list[Comment]:
    """The comments on a task, oldest first (one statement, built once)."""
    return [Comment(row.at, row.author, row.data) for row in
            session.connection().execute(_COMMENTS, {"task_id": task_id})]
