"""Synthetic families for the demo and the benchmarks: valid NIK and KK structure, plausible
Javanese names, ages and relations, a spread of welfare deciles. Generated from a seed, never
real people (the serial numbers start at 9000, which keeps them apart from most real ones)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MEN = ("Slamet", "Sugeng", "Bambang", "Joko", "Agus", "Budi", "Sutrisno", "Suyanto", "Wahyudi",
       "Eko", "Heri", "Imam", "Ahmad", "Muhammad", "Rudi", "Sunarto", "Mulyono", "Purnomo",
       "Supriyadi", "Teguh", "Yudi", "Rizky", "Fajar", "Dimas", "Arif", "Hadi", "Gunawan",
       "Sukirno", "Paiman", "Tukiran", "Samsul", "Yusuf", "Dani", "Bayu", "Aditya", "Rafi")
WOMEN = ("Siti", "Sri", "Sumiati", "Suwarni", "Wati", "Ngatini", "Sulastri", "Endang", "Tri",
         "Yuli", "Dewi", "Rina", "Lestari", "Nur", "Puji", "Ani", "Eka", "Wulan", "Ayu", "Putri",
         "Dian", "Indah", "Anisa", "Kasiyem", "Painem", "Tumini", "Salsabila", "Nadia", "Aisyah")
SECOND = ("Santoso", "Wibowo", "Hartono", "Susanto", "Prasetyo", "Setiawan", "Kurniawan",
          "Hidayat", "Saputra", "Wijaya", "Rahayu", "Handayani", "Wulandari", "Utami", "Ningsih",
          "Purwanti", "Maulana", "Ramadhan", "Aminah", "Fitriani", "Nurhayati", "Riyadi")
PLACES = ("Malang", "Malang", "Malang", "Blitar", "Kediri", "Surabaya", "Lumajang", "Pasuruan")
WORK = ("Petani", "Buruh tani", "Buruh harian lepas", "Pedagang", "Nelayan", "Ibu rumah tangga",
        "Tidak bekerja", "Wiraswasta", "Sopir", "Tukang bangunan")
# Most assistance targets desil 1-4; a village list holds every decile.
DESIL_WEIGHTS = (16, 15, 14, 13, 10, 9, 8, 6, 5, 4)
DEMO_PERIOD = "2025-Q3"
# Other kecamatan where people on these KKs were born (their NIK area), and one code that a
# renumbering retired (a warning at entry, never a refusal).
BIRTH_AREAS = ("35.07.01", "35.07.01", "35.07.01", "35.07.02", "35.73.01", "35.99.01")


@dataclass
class Generated:
    kk_number: str
    region_code: str
    rt: str
    rw: str
    address: str
    desil: int
    members: list[dict[str, Any]] = field(default_factory=list)

    def household_values(self) -> dict[str, Any]:
        """What a household's form takes (the desil comes from DTSEN: ``record_desil``)."""
        return {"kk_number": self.kk_number, "region_code": self.region_code, "rt": self.rt,
                "rw": self.rw, "address": self.address}


class Numbers:
    """Unique NIK and KK numbers: area + date + a serial from 9001-9999 not used yet for that
    area and date."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.used: dict[str, set[int]] = {}

    def make(self, area: str, day: int, month: int, year: int) -> str:
        head = f"{area.replace('.', '')}{day:02d}{month:02d}{year % 100:02d}"
        taken = self.used.setdefault(head, set())
        serial = self.rng.randint(9001, 9999)
        while serial in taken:
            serial = serial + 1 if serial < 9999 else 1
        taken.add(serial)
        return f"{head}{serial:04d}"


def _birth(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    age_days = rng.randint(low * 365, high * 365 + 364)
    return today - dt.timedelta(days=age_days)


def _name(rng: random.Random, women: bool) -> str:
    first = rng.choice(WOMEN if women else MEN)
    return first if rng.random() < 0.35 else f"{first} {rng.choice(SECOND)}"


def _person(rng: random.Random, numbers: Numbers, today: dt.date, relation: str, women: bool,
            born: dt.date, area: str, nik: bool = True) -> dict[str, Any]:
    day = born.day + (40 if women else 0)
    age = (today - born).days // 365
    school = "not_school_age" if age < 7 or age > 18 else (
        "attending" if rng.random() < 0.88 else "not_attending")
    person = {
        "nik": numbers.make(area, day, born.month, born.year) if nik else "",
        "full_name": _name(rng, women), "sex": "P" if women else "L",
        "birth_place": rng.choice(PLACES), "birth_date": born, "relation": relation,
        "disability": rng.choice(("physical", "sensory_sight", "intellectual", "mental"))
        if rng.random() < 0.03 else "",
        "pregnant": women and 20 <= age <= 40 and rng.random() < 0.06,
        "school": school if age <= 25 else "",
        "occupation": "Pelajar" if school == "attending" else (
            rng.choice(WORK) if age >= 18 else ""),
    }
    return person


def families(count: int, desa: list[str], seed: int = 2026,
             today: dt.date | None = None, numbers: Numbers | None = None
             ) -> Iterator[Generated]:
    """``count`` families spread over the desa codes, reproducible from ``seed``."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 1)
    numbers = numbers or Numbers(seed)
    for index in range(count):
        region = desa[index % len(desa)]
        kecamatan = region.rsplit(".", 1)[0]
        issued = _birth(rng, today, 0, 18)
        family = Generated(
            kk_number=numbers.make(kecamatan, issued.day, issued.month, issued.year),
            region_code=region, rt=f"{rng.randint(1, 12):03d}", rw=f"{rng.randint(1, 5):03d}",
            address=f"Dusun {rng.choice(('Krajan', 'Sumber', 'Sidomulyo', 'Tegalrejo'))}",
            desil=rng.choices(range(1, 11), weights=DESIL_WEIGHTS)[0])
        woman_head = rng.random() < 0.18  # widows and women who head their family
        head_born = _birth(rng, today, 24, 78)
        area = rng.choice(BIRTH_AREAS)
        family.members.append(_person(rng, numbers, today, "head", woman_head, head_born, area))
        if not woman_head and rng.random() < 0.85:
            spouse_born = min(head_born + dt.timedelta(days=rng.randint(-1500, 3000)),
                              today - dt.timedelta(days=18 * 365))
            family.members.append(_person(rng, numbers, today, "wife", True, spouse_born,
                                          rng.choice(BIRTH_AREAS)))
        youngest_parent = min((today - m["birth_date"]).days // 365 for m in family.members)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
            if youngest_parent < 20:
                break
            born = _birth(rng, today, 0, min(youngest_parent - 18, 30))
            family.members.append(_person(rng, numbers, today, "child", rng.random() < 0.5,
                                          born, kecamatan, nik=(today - born).days > 120))
        if rng.random() < 0.1 and (today - head_born).days // 365 < 55:
            family.members.append(_person(rng, numbers, today, "parent", rng.random() < 0.7,
                                          _birth(rng, today, 70, 90), kecamatan))
        yield family


def seed_demo(session: Any, user: Any, desa: tuple[str, ...] = ("35.07.01.2001",
                                                                "35.07.01.2003"),
              count: int = 300) -> int:
    """The demo registry: ``count`` synthetic families in the desa the region table has,
    entered through the same rules as a person would (warnings accepted). Returns how many."""
    from ...db import unit_of_work
    from ...models import Household, Region
    from .entry import create_household, save_member
    from .facts import record_desil

    if session.query(Household.id).first() is not None:
        return 0
    present = [code for code in desa if session.get(Region, code) is not None]
    if not present:
        return 0
    made = 0
    for family in families(count, present):  # each household and member its own unit of work
        head, *others = family.members
        household = create_household(session, user, family.household_values(), head,
                                     confirmed=True)
        with unit_of_work(session):  # as the DTSEN import would record it
            record_desil(household, family.desil, DEMO_PERIOD)
        for member in others:
            save_member(session, user, household.id, None, member, confirmed=True)
        made += 1
    return made
