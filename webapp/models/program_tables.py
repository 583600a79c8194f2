"""Programs as an office reports on them: one ``program`` row per program instance (kind,
scheme, funding, pagu, target KPM, benefit, the decree fixing its recipients) and one
``distribution_round`` row per tahap (schedule, channel, when it opened, was distributed and
closed, SP2D, the 6T checklist), with the handover records (BAST) of each desa.

The lines of a round (one per family due, fixed when the round opens) are
``registry_tables.DistributionLine``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .account_tables import User
from .workflow_tables import Attachment, Instance

# local: Simpul holds the list and the ticks; national: the list and the payouts are imported
# (SIKS-NG, bank or PT Pos files) and Simpul records verification and follow-up.
PROGRAM_KINDS = ("local", "national")
SCHEMES = ("pkh", "sembako", "pbi_jk", "blt_dd", "top_up", "apbd", "disaster", "csr")
NATIONAL_SCHEMES = ("pkh", "sembako", "pbi_jk", "blt_dd")
FUNDING_SOURCES = ("apbn", "apbd_province", "apbd_regency", "dana_desa", "csr", "zis")
BENEFIT_KINDS = ("money", "goods")
CHANNELS = ("cash", "bank", "pos", "e_warong", "goods")
# The 6T of a distribution: tepat sasaran, waktu, jumlah, harga, kualitas, administrasi.
SIX_T = ("target", "time", "amount", "price", "quality", "administration")
SIX_T_MAY_NOT_APPLY = ("price", "quality")  # "tidak berlaku" for cash
SIX_T_ANSWERS = ("yes", "no", "na")


class Program(Base):
    """What an office plans, pays and reports for one program instance. The plan step writes
    it (again after a return for revision); pages and lists read it, not the engine state."""

    __tablename__ = "program"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                             unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="local")
    scheme: Mapped[str] = mapped_column(String(12), default="")  # '' for programs planned
    funding: Mapped[str] = mapped_column(String(14), default="")  # before these fields
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[int | None] = mapped_column(BigInteger)  # pagu, rupiah
    target_kpm: Mapped[int | None] = mapped_column(Integer)  # typed at planning
    benefit_kind: Mapped[str] = mapped_column(String(6), default="money")
    # per KPM per round: rupiah, or the unit value of the goods
    benefit_amount: Mapped[int | None] = mapped_column(BigInteger)
    benefit_goods: Mapped[str] = mapped_column(String(120), default="")  # "10 kg beras"
    assistance_type: Mapped[str] = mapped_column(String(12), default="")  # the older field
    rounds_planned: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # SK penetapan: the decree fixing the recipients (required before a local list is enrolled)
    decree_number: Mapped[str] = mapped_column(String(80), default="")
    decree_date: Mapped[dt.date | None] = mapped_column(Date)
    decree_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="SET NULL"))
    partners: Mapped[str] = mapped_column(String(1000), default="")
    notes: Mapped[str] = mapped_column(String(2000), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    instance: Mapped[Instance] = relationship()
    decree_attachment: Mapped[Attachment | None] = relationship()
    rounds: Mapped[list[DistributionRound]] = relationship(
        back_populates="program", order_by="DistributionRound.number")


class DistributionRound(Base):
    """One tahap of a program: planned, opened (its families and their entitled amounts are
    fixed then), distributed, closed."""

    __tablename__ = "distribution_round"
    __table_args__ = (UniqueConstraint("program_id", "number",
                                       name="uq_distribution_round_program_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80), default="")  # "Tahap I Januari–Maret"
    planned_date: Mapped[dt.date | None] = mapped_column(Date)  # the day, or the period's end
    channel: Mapped[str] = mapped_column(String(10), default="")
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    distributed_on: Mapped[dt.date | None] = mapped_column(Date)  # the actual date
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # SP2D (APBD cash): the treasury's payment order
    sp2d_number: Mapped[str] = mapped_column(String(80), default="")
    sp2d_date: Mapped[dt.date | None] = mapped_column(Date)
    sp2d_amount: Mapped[int | None] = mapped_column(BigInteger)
    six_t: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # SIX_T -> answer
    # Figures typed at the round's step by programs without a list (kept as typed).
    typed_served: Mapped[int | None] = mapped_column(Integer)
    typed_amount: Mapped[int | None] = mapped_column(BigInteger)
    typed_on_time: Mapped[bool | None] = mapped_column()
    notes: Mapped[str] = mapped_column(String(1000), default="")
    program: Mapped[Program] = relationship(back_populates="rounds")
    opened_by: Mapped[User | None] = relationship()

    @property
    def state(self) -> str:
        if self.closed_at is not None:
            return "closed"
        return "open" if self.opened_at is not None else "planned"

    @property
    def on_time(self) -> bool | None:
        """Distributed by its planned date (None until both are known)."""
        if self.distributed_on is None or self.planned_date is None:
            return self.typed_on_time
        return self.distributed_on <= self.planned_date


class RoundDocument(Base):
    """A handover record (BAST) of one desa in one round."""

    __tablename__ = "round_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("distribution_round.id",
                                                     ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attachment: Mapped[Attachment] = relationship()
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SpotCheck(Base):
    """Uji petik: a supervisor's check of one family's line in the field: did the family get
    it, the amount it was entitled to, on time, and was anything deducted (potongan)."""

    __tablename__ = "spot_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"),
                                             index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("distribution_line.id",
                                                    ondelete="CASCADE"), unique=True)
    received: Mapped[bool] = mapped_column()  # the family says it got it
    right_amount: Mapped[bool] = mapped_column()
    on_time: Mapped[bool] = mapped_column()
    deduction: Mapped[int] = mapped_column(BigInteger, default=0)  # rupiah taken off
    note: Mapped[str] = mapped_column(String(300), default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by: Mapped[User | None] = relationship()
