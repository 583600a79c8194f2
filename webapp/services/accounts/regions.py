"""The Kepmendagri region table."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from ...db import use_case
from ...models import Region
from ..scope import within_code

SOURCE = "kepmendagri-2025"
# The national table ships with the product (91,599 rows, MIT; see webapp/data/README.md).
SHIPPED_FILE = Path(__file__).resolve().parents[2] / "data" / "wilayah-kepmendagri-2025.csv.gz"


@use_case
def load_regions(session: Session, rows: Iterable[dict[str, str]], source: str = SOURCE) -> int:
    """Insert regions that are not there yet; returns how many were added."""
    known = set(session.scalars(select(Region.code)))
    batch: list[dict[str, str | None]] = []
    added = 0
    for row in rows:
        code = row["kode"].strip()
        if code in known:
            continue
        known.add(code)
        batch.append({"code": code, "name": row["nama"].strip(), "level": row["tingkat"].strip(),
                      "parent_code": row.get("induk", "").strip() or None, "source": source})
        if len(batch) >= 5000:
            session.execute(insert(Region), batch)
            added += len(batch)
            batch = []
    if batch:
        session.execute(insert(Region), batch)
        added += len(batch)
    return added


def load_region_file(session: Session, path: Path = SHIPPED_FILE) -> int:
    """Load a region CSV (kode, nama, tingkat, induk), plain or gzip-compressed (.gz)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return load_regions(session, csv.DictReader(handle))


_LEVEL_DIGITS = (2, 2, 2, 4)


def dotted_code(text: str) -> str:
    """A region code as the table writes it: 3507012001 and 35 07 01 2001 become
    35.07.01.2001; anything else is returned trimmed, for the caller to look up."""
    text = "".join(str(text or "").split())
    digits = text.replace(".", "")
    if digits.isdigit() and len(digits) in (2, 4, 6, 10):
        parts, at = [], 0
        for width in _LEVEL_DIGITS:
            if at < len(digits):
                parts.append(digits[at:at + width])
                at += width
        return ".".join(parts)
    return text


def region_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Region)) or 0


class Place(NamedTuple):
    """A region to choose: its code, name and the region it lies in (a tuple: a national
    list makes 514 of them)."""

    code: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class StartPlaces:
    """Where a user may start a program: a kabupaten/kota or one of its kecamatan.

    A user of one kabupaten/kota (or of one kecamatan) chooses from one short list
    (``places``). A wider region (a province, or none: every region) has too many kecamatan for
    one list, 7,285 nationally: the user chooses the kabupaten/kota first (``areas``, with
    ``provinces`` to group them), then it or one of its kecamatan (``places``, once ``area`` is
    chosen).
    """

    places: list[Place]
    areas: list[Place] | None = None
    area: str | None = None
    provinces: dict[str, str] = field(default_factory=dict)


_PLACE = (Region.code, Region.name, Region.parent_code)
_WITH_CHILDREN = (select(*_PLACE, Region.level)
                  .where(or_(Region.code == bindparam("code"),
                             Region.parent_code == bindparam("code")))
                  .order_by(Region.code))


def start_places(session: Session, within: str | None, area: str | None = None
                 ) -> StartPlaces:
    """The places a user of region ``within`` may start a program in (``area``: the
    kabupaten/kota chosen first, for a wide region). Reads the region and its children by
    their keys, never the whole table."""
    if within:
        rows = session.execute(_WITH_CHILDREN, {"code": within}).all()
        level = next((row.level for row in rows if row.code == within), None)
        own = [Place(r.code, r.name, r.parent_code) for r in rows if r.code == within]
        children = [Place(r.code, r.name, r.parent_code) for r in rows if r.code != within]
        if level == "kabupaten_kota":
            return StartPlaces(own + children)
        if level == "kecamatan":
            return StartPlaces(own)
        if level != "provinsi":
            return StartPlaces([])  # a desa, or an unknown code: nowhere to start from
        areas, provinces = children, {r.code: r.name for r in own}
    else:
        rows = session.execute(
            select(*_PLACE, Region.level)
            .where(Region.level.in_(("provinsi", "kabupaten_kota"))).order_by(Region.code)).all()
        areas = [Place(r.code, r.name, r.parent_code) for r in rows
                 if r.level == "kabupaten_kota"]
        provinces = {r.code: r.name for r in rows if r.level == "provinsi"}
    if area not in {a.code for a in areas}:
        return StartPlaces([], areas, None, provinces)
    rows = session.execute(_WITH_CHILDREN, {"code": area}).all()
    return StartPlaces([Place(r.code, r.name, r.parent_code) for r in rows], areas, area,
                       provinces)


def kabupaten_of(code: str | None) -> str | None:
    """The kabupaten/kota a code lies in (its first two parts), for a code that is deeper."""
    parts = (code or "").split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def known_codes(session: Session, level: str = "kecamatan") -> frozenset[str]:
    """Every code of one level (for checking many numbers at once, as an import does)."""
    return frozenset(session.scalars(select(Region.code).where(Region.level == level)))


def desa_choices(session: Session, within: str | None,
                 limit: int = 3000) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """The desa/kelurahan inside a region, grouped by kecamatan: [(kecamatan name, [(code,
    name)])] for a grouped drop-down; None when the region holds more than ``limit`` of them
    (a province or the whole country: too many to choose from a list)."""
    query = select(Region).where(Region.level.in_(("kecamatan", "desa_kelurahan")))
    if within:
        query = query.where(within_code(within, Region.code, ranged=True))
    found = list(session.scalars(query.order_by(Region.code).limit(limit + 1)))
    if len(found) > limit:
        return None
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for region in found:
        if region.level == "kecamatan":
            groups[region.code] = (region.name, [])
        elif region.parent_code in groups:
            groups[region.parent_code][1].append((region.code, region.name))
    return [group for group in groups.values() if group[1]]


# -- local time --------------------------------------------------------------------------------
WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
WITA = dt.timezone(dt.timedelta(hours=8), "WITA")
WIT = dt.timezone(dt.timedelta(hours=9), "WIT")
# Provinces by the first two digits of their Kepmendagri code (Keppres 41/1987 zones):
# Bali, Nusa Tenggara, South, East and North Kalimantan and Sulawesi keep WITA; Maluku and
# the Papua provinces WIT; Sumatra, Java, West and Central Kalimantan WIB.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def local_zone(code: str | None) -> dt.timezone:
    """The time zone of a region (from its province code); WIB when unknown."""
    province = (code or "")[:2]
    if province in _WIT:
        return WIT
    return WITA if province in _WITA else WIB


def local_date(code: str | None, at: dt.datetime) -> dt.date:
    """The calendar date written in the field at ``at`` in that region."""
    return at.astimezone(local_zone(code)).date()
