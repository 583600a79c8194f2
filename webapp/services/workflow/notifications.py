"""Notifications: the bell in the page, and mail through SMTP sent by the job worker.

A new step notifies whoever it went to, or when it waits in a group, the group's active members
in the program's region. Kinds: ``assigned`` (a new step for you), ``returned`` (a step came back
for revision) and ``escalated`` (a time limit passed and the diagram moved the work on). Each
person chooses which kinds they also get by mail; mails are jobs, so a mail server that is down
delays them and never loses them.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Protocol, cast

from flask import current_app, has_app_context
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from ...db import unit_of_work, use_case, utcnow
from ...models import Group, Job, Notification, User, user_group
from ..caches import Slot


class Opened(Protocol):
    """A step that opened (the runtime's OpenedTask): who it went to, or its group."""

    @property
    def id(self) -> int: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def group(self) -> str | None: ...
    @property
    def returned(self) -> bool: ...

KINDS = ("assigned", "returned", "escalated", "reminder")
NOTIFICATION_TABLE = cast(Table, Notification.__table__)
JOB_TABLE = cast(Table, Job.__table__)


def _mail_on() -> bool:
    return has_app_context() and bool(current_app.config.get("MAIL_SERVER"))


def wants_mail(prefs: dict[str, bool] | None, kind: str) -> bool:
    return bool((prefs or {}).get(kind, True))


# Built once: this runs on every step.
_GROUP_MEMBERS = (
    select(User.id, Group.name, User.email, User.mail_prefs, User.region_code)
    .join(user_group, user_group.c.user_id == User.id)
    .join(Group, Group.id == user_group.c.group_id)
    .where(Group.name.in_(bindparam("groups", expanding=True)), User.is_active.is_(True))
)
_PEOPLE = select(User.id, User.email, User.mail_prefs).where(
    User.id.in_(bindparam("people", expanding=True)))


def notify_opened(connection: Any, ref: Any, opened: Sequence[Opened], kind: str,
                  actor_id: int | None) -> None:
    """A notification (and a mail job, by preference) for everyone a new step concerns."""
    # the person who moved the program on knows about the steps that came back to them
    opened = [t for t in opened
              if not (t.assignee_id == actor_id and not t.returned and kind == "assigned")]
    if not opened:
        return
    rows: list[dict[str, Any]] = []
    mails: list[dict[str, Any]] = []
    now = utcnow()
    groups = {t.group for t in opened if t.assignee_id is None and t.group}
    members: dict[str, list[tuple[int, str, dict[str, bool] | None]]] = {}
    if groups:
        for user_id, group, email, prefs, region in connection.execute(
                _GROUP_MEMBERS, {"groups": sorted(groups)}):
            code = ref.region_code or ""
            if region is None or code == region or code.startswith(region + "."):
                members.setdefault(group, []).append((user_id, email, prefs))
    assignees = {t.assignee_id for t in opened if t.assignee_id is not None}
    people = {row[0]: (row[1], row[2]) for row in connection.execute(
        _PEOPLE, {"people": sorted(assignees)})} if assignees else {}
    for task in opened:
        this_kind = "returned" if task.returned and kind == "assigned" else kind
        if task.assignee_id is not None:
            email, prefs = people.get(task.assignee_id, ("", None))
            recipients = [(task.assignee_id, email, prefs)]
        else:
            recipients = members.get(task.group or "", [])
        for user_id, email, prefs in recipients:
            if user_id == actor_id and this_kind == "assigned":
                continue  # the person who moved the program on knows already
            rows.append({"user_id": user_id, "kind": this_kind,
                         "title": f"{task.name} — {ref.title}"[:300], "instance_id": ref.id,
                         "human_task_id": task.id, "created_at": now})
            if email and wants_mail(prefs, this_kind) and _mail_on():
                mails.append({
                    "kind": "mail", "status": "pending", "due_at": now, "instance_id": ref.id,
                    "task_id": None, "attempts": 0, "max_attempts": 8, "last_error": "",
                    "created_at": now,
                    "payload": {"to": email, "kind": this_kind, "step": task.name,
                                "program": ref.title, "task": task.id}})
    if rows:
        connection.execute(insert(NOTIFICATION_TABLE), rows)
    if mails:
        connection.execute(insert(JOB_TABLE), mails)


SUBJECTS = {
    "assigned": "Langkah baru untuk Anda: {step}",
    "returned": "Dikembalikan untuk perbaikan: {step}",
    "escalated": "Batas waktu terlewati: {step}",
    "reminder": "Pengingat: {step} masih menunggu",
}
BODY = (
    "{intro}\n\nLangkah: {step}\nProgram: {program}\nBuka: {link}\n\n"
    "Surel ini dikirim oleh Simpul. Atur surel yang Anda terima di halaman Akun.\n"
)
INTROS = {
    "assigned": "Ada langkah baru yang menunggu Anda.",
    "returned": "Sebuah langkah dikembalikan kepada Anda untuk diperbaiki.",
    "escalated": "Batas waktu sebuah langkah terlewati; pekerjaannya kini menunggu Anda.",
    "reminder": "Sebuah langkah masih menunggu Anda dan mendekati batas waktunya.",
}


def send_mail(payload: dict[str, Any], job_key: str | None = None) -> None:
    """Send one notification mail (the worker runs this for a ``mail`` job).

    ``job_key``: the same for every attempt of one job, whichever host sends it; it makes the
    Message-ID, so a mail sent again after a crash (between sending and marking the job done)
    is one message to the reader's mail program.
    """
    config = current_app.config
    kind = payload.get("kind", "assigned")
    link = f"{config.get('BASE_URL', '').rstrip('/')}/tasks/{payload.get('task')}"
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "simpul@localhost")
    message["To"] = payload["to"]
    message["Subject"] = SUBJECTS.get(kind, SUBJECTS["assigned"]).format(
        step=payload.get("step", ""))
    if job_key:
        domain = parseaddr(str(message["From"]))[1].rpartition("@")[2] or "simpul.local"
        message["Message-ID"] = f"<simpul.job.{job_key}@{domain}>"
    message.set_content(BODY.format(intro=INTROS.get(kind, ""), step=payload.get("step", ""),
                                    program=payload.get("program", ""), link=link))
    server = str(config.get("MAIL_SERVER") or "localhost")
    with smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


_UNREAD = (select(func.count()).select_from(NOTIFICATION_TABLE)
           .where(NOTIFICATION_TABLE.c.user_id == bindparam("user_id"),
                  NOTIFICATION_TABLE.c.read_at.is_(None)))


_COUNTS: Slot[dict[int, tuple[float, int]]] = Slot("workflow.unread_counts", dict)
COUNT_SECONDS = 10.0  # the bell on every page may be this old; it polls every 30 s anyway


def unread_count(session: Session, user: User, fresh: bool = False) -> int:
    """How many notifications the person has not read (the bell, on every page: kept for a
    few seconds per process; ``fresh`` asks the database)."""
    counts = _COUNTS.of(session)
    now = time.monotonic()
    kept = counts.get(user.id)
    if not fresh and kept is not None and now - kept[0] < COUNT_SECONDS:
        return kept[1]
    count = int(session.connection().execute(_UNREAD, {"user_id": user.id}).scalar() or 0)
    if len(counts) > 10_000:
        counts.clear()
    counts[user.id] = (now, count)
    return count


def forget_count(session: Session, user_id: int) -> None:
    """Read the person's bell from the database next time (after marking read)."""
    _COUNTS.of(session).pop(user_id, None)


def latest(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user: User, notification_id: int | None = None
              ) -> Notification | None:
    """Mark the person's notifications read (all, or one: returned, None if not theirs)."""
    with unit_of_work(session):
        query = update(Notification).where(Notification.user_id == user.id,
                                           Notification.read_at.is_(None))
        found = None
        if notification_id is not None:
            found = session.scalar(select(Notification).where(
                Notification.id == notification_id, Notification.user_id == user.id))
            if found is None:
                return None  # not theirs: the unit ends with nothing written
            query = query.where(Notification.id == notification_id)
        session.execute(query.values(read_at=utcnow())
                        .execution_options(synchronize_session=False))
    forget_count(session, user.id)
    return found


@use_case
def set_prefs(session: Session, user: User, chosen: set[str]) -> None:
    found = session.get(User, user.id)
    if found is not None:
        found.mail_prefs = {kind: kind in chosen for kind in KINDS}
