"""Workflow: deployed diagrams, running programs, their tasks, history, attachments, incidents
and background jobs."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .account_tables import Region, User


class DefinitionVersion(Base):
    """One deployed version of a BPMN process or DMN decision file."""

    __tablename__ = "definition_version"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definition_key_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    xml: Mapped[str] = mapped_column(Text, deferred=True)  # large; loaded only when parsed
    sha256: Mapped[str] = mapped_column(String(64))
    dependencies: Mapped[list[int]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(String(500), default="")
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the version came from: "shipped" (workflows/ at set-up), "editor" or "upload".
    origin: Mapped[str] = mapped_column(String(10), default="shipped",
                                        server_default="shipped")
    deployed_by: Mapped[User | None] = relationship()


class DefinitionHead(Base):
    """Which version of a definition new instances start on (and dependants pin).

    Normally the newest; a rollback points it at an older one. Running instances keep the
    version they started on whatever the head says.
    """

    __tablename__ = "definition_head"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    current_version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    current_version: Mapped[DefinitionVersion] = relationship()
    changed_by: Mapped[User | None] = relationship()


class Instance(Base):
    """One running program (or case); the engine state references its definition version.

    ``version`` is the optimistic lock: every update checks and bumps it (compare-and-set).
    """

    __tablename__ = "instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    title: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str] = mapped_column(String(80), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    state: Mapped[str] = mapped_column(Text, deferred=True)  # engine state; loaded per step
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Who last completed each step (BPMN id -> user id): a revision goes back to its author.
    authors: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    definition_version: Mapped[DefinitionVersion] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship()
    region: Mapped[Region | None] = relationship(lazy="joined")


class HumanTask(Base):
    """Projection of a ready user task, so the inbox is one indexed query."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id", name="uq_human_task_instance_task"),
        Index("ix_human_task_inbox_group", "status", "group_name", "created_at"),
        Index("ix_human_task_inbox_assignee", "status", "assignee_id", "created_at"),
        # the inbox's first page walks open tasks oldest first and stops at 20 matches
        Index("ix_human_task_open_created", "status", "created_at", "id"),
        Index("ix_human_task_done", "completed_by_id", "completed_at"),
        # the tab counts: a group's open tasks inside a region (a range of codes), counted
        # from the index alone
        Index("ix_human_task_open_scope", "status", "group_name", "region_code",
              "process_key", "assignee_id", postgresql_include=["id", "created_at"]),
        # does a program have tasks of these groups in this region (who may see a program:
        # scope.instance_visible), answered from the index alone; it serves every lookup by
        # instance too
        Index("ix_human_task_instance_group", "instance_id", "group_name", "region_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str | None] = mapped_column(String(80))
    form_key: Mapped[str | None] = mapped_column(String(80))
    phase: Mapped[str | None] = mapped_column(String(40))
    process_key: Mapped[str] = mapped_column(String(120))
    # byte order on PostgreSQL too, so "a region and everything inside it" is one index range
    # (scope.region_clause) whatever the database's own collation
    region_code: Mapped[str | None] = mapped_column(
        String(13).with_variant(String(13, collation="C"), "postgresql"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0, 1, 2
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    instance: Mapped[Instance] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])


class Event(Base):
    """Append-only history: who did what to which instance and task, with the data."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                                    index=True)
    # a task page reads the task's comments by it
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id",
                                                                 ondelete="SET NULL"),
                                                      index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[User | None] = relationship(lazy="joined")


class Attachment(Base):
    """A file uploaded with a step's form; the task data holds its id, name and size.

    Kept in the database (both backends), so a backup of the database is a backup of the files.
    Never served inline: downloads are attachments with a neutral content type.
    """

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                             index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id",
                                                                 ondelete="SET NULL"))
    field_name: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    instance: Mapped[Instance] = relationship()


class Incident(Base):
    """A step the engine could not run (a script or expression failed): nothing of it was saved.

    The submitted data is kept so an administrator can retry once the cause is fixed (a new
    version deployed and the program moved, say).
    """

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                             index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id",
                                                                 ondelete="SET NULL"))
    error: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    instance: Mapped[Instance] = relationship()
    task: Mapped[HumanTask | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class Job(Base):
    """Background work for the worker: a BPMN timer to fire, and later other kinds.

    Workers claim due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) with a lease; a crashed
    worker's lease runs out and another worker takes the job. A job's effect and its ``done``
    mark commit in one transaction, so a job never takes effect twice.
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                                    index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Runs that started and never ended: the worker stopped (was killed) while running the job.
    # A job that stopped its worker twice is not taken again (see services.jobs.claim).
    crashes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
