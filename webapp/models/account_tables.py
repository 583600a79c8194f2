"""People and scope: regions, work groups, users, partners, and each person's inbox filters
and notifications."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, bytewise, utcnow

ROLES = ("coordinator", "supervisor", "admin")
PARTNER_KINDS = ("government", "ngo", "community", "private", "other")

user_group = Table(
    "user_group",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("work_group.id", ondelete="CASCADE"), primary_key=True),
)


class Region(Base):
    """An administrative region (Kepmendagri code), versioned by code table.

    Codes compare byte by byte on PostgreSQL, and so do the columns that refer to them (their
    type follows the key's): a region's codes are one index range, and a table whose codes are
    byte-wise (households, tasks) joins the region table on its key.
    """

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_level_code", "level", "code"),)
    code: Mapped[str] = mapped_column(bytewise(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(13), index=True)
    source: Mapped[str] = mapped_column(String(40), default="kepmendagri-2025")


class Group(Base):
    """A work group; a BPMN lane maps to the group of the same name."""

    __tablename__ = "work_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    # How long this group's steps may take when the diagram sets no due date (ISO 8601, "P3D").
    default_due: Mapped[str] = mapped_column(String(40), default="", server_default="")
    members: Mapped[list[User]] = relationship(secondary=user_group, back_populates="groups")


class User(Base):
    """A person who signs in: coordinator, supervisor or admin, scoped to a region."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="coordinator")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Which mails the person wants: {"assigned": bool, "escalated": bool, "returned": bool}.
    mail_prefs: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    groups: Mapped[list[Group]] = relationship(secondary=user_group, back_populates="members",
                                               lazy="selectin")

    # flask-login protocol; the session version lets an admin revoke every session at once.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def group_names(self) -> set[str]:
        return {g.name for g in self.groups}

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Partner(Base):
    """An organisation the coordinators work with: a government office, an NGO, a community
    group, a company."""

    __tablename__ = "partner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    region: Mapped[Region | None] = relationship(lazy="joined")


class SavedFilter(Base):
    """An inbox filter a user named to use again."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """Something for one person to know (the bell), and maybe mail."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # assigned | escalated | returned
    title: Mapped[str] = mapped_column(String(300))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
