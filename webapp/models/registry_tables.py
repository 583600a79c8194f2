"""The registry: households (one No. KK each), the people in them (NIK), enrolments of households
in programs, the distribution lines of each round, and each household's own history.

Codes that are searched by prefix or range (region codes, reversed NIK and KK for "the last
digits", normalised names) are compared byte by byte on PostgreSQL (collation C), so one B-tree
index answers the range whatever the database's own collation is.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .account_tables import Region, User
from .workflow_tables import Instance


def _bytewise(length: int) -> Any:
    """A string compared byte by byte on PostgreSQL (prefix ranges use its index)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


HOUSEHOLD_STATUSES = ("active", "moved", "closed")
# Relationship to the head of the family, as the Kartu Keluarga writes it.
RELATIONSHIPS = ("head", "husband", "wife", "child", "child_in_law", "grandchild", "parent",
                 "parent_in_law", "relative", "helper", "other")
# UU No. 8/2016 Pasal 4: physical, intellectual, mental and sensory disability (several at once
# is "ganda"); sensory is split as the field workers record it.
DISABILITIES = ("physical", "intellectual", "mental", "sensory_sight", "sensory_hearing",
                "sensory_speech")
SCHOOL = ("attending", "not_attending", "finished", "not_school_age")
# The level of school attended or last finished; Paket A-C are the equivalence programmes.
SCHOOL_LEVELS = ("paud_tk", "sd_mi", "smp_mts", "sma_smk_ma", "paket_a", "paket_b", "paket_c")
DISABILITY_SEVERITIES = ("ringan", "sedang", "berat")  # mild, moderate, severe
# Whether verification (verval) found the person: a death or a move puts the family's
# running enrolments under review.
PRESENCE = ("found", "not_found", "moved", "died")
# National assistance a household receives (imported, never typed): PKH, BPNT/Sembako,
# PBI-JK health insurance, BLT Dana Desa, and the provinces' or others' schemes.
BENEFIT_SCHEMES = ("pkh", "sembako", "pbi_jk", "blt_dd", "other")
ENROLMENT_STATUSES = ("draft", "enrolled", "paused", "exited", "not_eligible")
NOT_RECEIVED_REASONS = ("moved", "died", "absent", "refused", "not_found", "not_eligible",
                        "duplicate", "card_problem", "other")
RECEIVED_BY = ("recipient", "proxy")  # diwakilkan: counts as received


class Household(Base):
    """A family as its Kartu Keluarga has it (KPM when enrolled in a program)."""

    __tablename__ = "household"
    id: Mapped[int] = mapped_column(primary_key=True)
    kk_number: Mapped[str] = mapped_column(_bytewise(16), unique=True)
    kk_reversed: Mapped[str] = mapped_column(_bytewise(16), index=True)  # "the last digits"
    # The desa/kelurahan (Kepmendagri code, 35.07.01.2001).
    region_code: Mapped[str] = mapped_column(_bytewise(13), ForeignKey("region.code"),
                                             index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    # The welfare decile 1-10 of DTSEN, written only by an import (never by a form): its
    # quarter (2025-Q3), its source, and the date it was imported.
    desil: Mapped[int | None] = mapped_column(Integer)
    desil_source: Mapped[str] = mapped_column(String(40), default="")
    desil_date: Mapped[dt.date | None] = mapped_column(Date)
    desil_period: Mapped[str] = mapped_column(String(10), default="", server_default="")
    dtsen_id: Mapped[str] = mapped_column(String(20), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # selectin, not a join: region.code and the byte-wise household.region_code do not join
    # on an index, and a search would scan the region table for every row
    region: Mapped[Region] = relationship(lazy="selectin")
    members: Mapped[list[Person]] = relationship(
        back_populates="household", order_by="Person.position, Person.id")
    benefits: Mapped[list[HouseholdBenefit]] = relationship(
        back_populates="household", order_by="HouseholdBenefit.from_date, HouseholdBenefit.id")


class Person(Base):
    """Someone in the registry, in at most one household at a time (a move is recorded)."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_name_birth", "name_key", "birth_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    nik: Mapped[str | None] = mapped_column(_bytewise(16), unique=True)  # a baby may have none
    nik_reversed: Mapped[str | None] = mapped_column(_bytewise(16), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # Lower case, accents and punctuation gone, single spaces: the name as it is searched.
    name_key: Mapped[str] = mapped_column(_bytewise(120))
    sex: Mapped[str] = mapped_column(String(1))  # L | P
    birth_place: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    relation: Mapped[str] = mapped_column(String(14), default="other")  # to the head
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order on the KK
    disability: Mapped[str] = mapped_column(String(100), default="")  # codes, comma-separated
    disability_severity: Mapped[str] = mapped_column(String(10), default="", server_default="")
    chronic_illness: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    # The day a pregnancy was recorded: it counts for ten months (``facts.pregnant_on``).
    pregnancy_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(16), default="")
    school_level: Mapped[str] = mapped_column(String(12), default="", server_default="")
    presence: Mapped[str] = mapped_column(String(10), default="found", server_default="found")
    occupation: Mapped[str] = mapped_column(String(80), default="")
    died_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    household: Mapped[Household | None] = relationship(back_populates="members")

    @property
    def disabilities(self) -> list[str]:
        return [code for code in self.disability.split(",") if code]


class HouseholdBenefit(Base):
    """A national scheme a household receives, as an import said: open (no ``to_date``) while
    the lists say so; one open row per household and scheme."""

    __tablename__ = "household_benefit"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("registry_import.id",
                                                             ondelete="SET NULL"))
    household: Mapped[Household] = relationship(back_populates="benefits")


class Enrolment(Base):
    """A household in a program's recipient list (KPM), with its state."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("instance_id", "household_id",
                                       name="uq_enrolment_instance_household"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    status: Mapped[str] = mapped_column(String(14), default="draft")
    # The pengurus: who collects for the family (usually the mother); the head when unset.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id",
                                                                ondelete="SET NULL"))
    # What this family is entitled to per round when it differs from the program's benefit
    # (components of a PKH-like program, a top-up by need).
    entitled_amount: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    household: Mapped[Household] = relationship(lazy="joined")
    instance: Mapped[Instance] = relationship()
    recipient: Mapped[Person | None] = relationship(lazy="selectin")


class EnrolmentChange(Base):
    """One change of an enrolment's state: who, when and why."""

    __tablename__ = "enrolment_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"),
                                              index=True)
    from_status: Mapped[str] = mapped_column(String(14), default="")
    to_status: Mapped[str] = mapped_column(String(14))
    reason: Mapped[str] = mapped_column(String(300), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[User | None] = relationship()


class DistributionLine(Base):
    """One family due in one distribution round (tahap), fixed with its entitled amount when
    the round opens: received (by the recipient or by a proxy) or not and why, from a tick in
    the field or a payout file."""

    __tablename__ = "distribution_line"
    __table_args__ = (UniqueConstraint("round_id", "enrolment_id",
                                       name="uq_distribution_line_round_enrolment"),
                      Index("ix_distribution_line_enrolment", "enrolment_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("distribution_round.id",
                                                     ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    entitled_amount: Mapped[int | None] = mapped_column(BigInteger)  # rupiah (or goods' value)
    received: Mapped[bool | None] = mapped_column(Boolean)  # None: not ticked yet
    received_by: Mapped[str] = mapped_column(String(9), default="")  # recipient | proxy
    proxy_name: Mapped[str] = mapped_column(String(120), default="")  # diwakilkan
    proxy_relation: Mapped[str] = mapped_column(String(40), default="")
    # the date written in the field: the desa's own calendar date (WIB, WITA or WIT)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column(BigInteger)  # rupiah
    goods: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(14), default="")  # when not received
    note: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(6), default="")  # tick | import
    import_id: Mapped[int | None] = mapped_column(ForeignKey("registry_import.id",
                                                             ondelete="SET NULL"))
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ticked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    enrolment: Mapped[Enrolment] = relationship()
    ticked_by: Mapped[User | None] = relationship()


class RegistryEvent(Base):
    """Something that happened to a household or one of its people: created, changed, a member
    moved in or out, a full NIK shown to someone (with the reason). Details hold no full NIK."""

    __tablename__ = "registry_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[User | None] = relationship()


class RegistryImport(Base):
    """A village list uploaded to the registry: read and checked into rows (the preview), then
    applied after the coordinator confirms. Both phases run in the job worker."""

    __tablename__ = "registry_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    # village (a village list into the registry) | payout (a bank, PT Pos or SIKS-NG
    # realisation file into a round's lines) | national (a national program's list)
    kind: Mapped[str] = mapped_column(String(10), default="village", server_default="village")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_round.id",
                                                            ondelete="CASCADE"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id",
                                                               ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The uploader's region at upload: rows outside it are refused, and only users whose
    # region covers it see the import.
    region_code: Mapped[str | None] = mapped_column(String(13))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # reading | ready | applying | done | failed | cancelled
    status: Mapped[str] = mapped_column(String(10), default="reading")
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # column -> field
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)  # the progress bar
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The commonest reasons rows were rejected: [[reason, rows], ...]
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # when the file and its rows' full values were deleted (retention); counts remain
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class ImportRow(Base):
    """One row of an uploaded list after the checks: what it will do, or why not."""

    __tablename__ = "registry_import_row"
    __table_args__ = (Index("ix_registry_import_row_import_line", "import_id", "line"),
                      Index("ix_registry_import_row_import_outcome", "import_id", "outcome"),
                      Index("ix_registry_import_row_import_kk", "import_id", "kk_number"))
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id",
                                                      ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)  # the file's line number
    kk_number: Mapped[str] = mapped_column(String(40), default="")
    cells: Mapped[list[Any]] = mapped_column(JSON, default=list)  # as in the file
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # after the rules
    outcome: Mapped[str] = mapped_column(String(10))  # new | update | same | rejected
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
