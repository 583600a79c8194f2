"""Registry benchmarks: importing a village list, and searching a large registry.

* ``import_rows_per_s_<backend>``: a generated list of 100,000 person rows (1 % broken the
  ways village lists break) read, checked against the rules and the registry (duplicates in
  the file and in the database), and applied, as the worker does it. Baseline, same run, same
  database: the same file parsed with ``csv`` and its rows inserted as they are into a bare
  table (the least any import can do).
* ``distribution_tick_ms_p50``: one family ticked in a round of 2,000 enrolled families (the
  service a tick's request runs, on SQLite). Baseline: the same line updated by its key alone.
* ``registry_search_p95_ms_<backend>_<size>``: the first page of a search by the last digits of
  a NIK and by the start of a name, for a coordinator of one kabupaten, over a registry of
  1,000,000 people on PostgreSQL (200,000 on SQLite). Baseline: a NIK looked up by its unique
  index (``WHERE nik = ?``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from benchmarks.village_list import csv_bytes
from webapp.db import make_engine, make_session_factory
from webapp.migrate import upgrade_database
from webapp.models import Household, Person, User
from webapp.services.accounts import regions, users
from webapp.services.areas import plug_in_areas
from webapp.services.registry import importing, search
from webapp.services.registry.keys import name_key
from webapp.services.registry.synthetic import MEN, SECOND, WOMEN
from webapp.services.workflow import completion

IMPORT_DESA = ["35.07.01.2001", "35.07.01.2002", "35.07.01.2003", "35.07.01.2004"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _fresh(url: str, schema_only: bool = False) -> Session:
    """A migrated empty database (on PostgreSQL made anew, or with ``schema_only`` its
    tables dropped: a database you may use but not create)."""
    if url.startswith("postgresql") and schema_only:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    elif url.startswith("postgresql"):
        admin = make_engine(url.rsplit("/", 1)[0] + "/postgres")
        name = url.rsplit("/", 1)[1]
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
    upgrade_database(url)
    database = make_engine(url)
    plug_in_areas(database)  # as create_app does: the registry's step hooks and jobs
    session = make_session_factory(database)()
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, [("Koordinator", "")])
    regions.load_region_file(session)  # the national table shipped in webapp/data/
    return session


def _coordinator(session: Session) -> User:
    return users.create_user(session, "bench.koordinator", "bench-password-1",
                             ["Koordinator"], role="coordinator", region_code="35.07")


def import_figures(url: str, backend: str, rows: int = 100_000) -> dict[str, float]:
    session = _fresh(url)
    user = _coordinator(session)
    content = csv_bytes(rows, IMPORT_DESA, bad_percent=1.0)
    # the baseline: parse and insert the rows as they are
    started = time.perf_counter()
    parsed = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    connection = session.connection()
    connection.exec_driver_sql("CREATE TABLE bench_raw (" + ", ".join(
        f"c{n} VARCHAR(200)" for n in range(len(parsed[0]))) + ")")
    marks = ", ".join("%s" if backend == "postgres" else "?" for _ in parsed[0])
    connection.exec_driver_sql(f"INSERT INTO bench_raw VALUES ({marks})",
                               [tuple(r) for r in parsed[1:]])
    session.commit()
    baseline = (len(parsed) - 1) / (time.perf_counter() - started)
    started = time.perf_counter()
    made = importing.start(session, user, "daftar.csv", content)
    importing.read(session, made.id, lambda: None)
    importing.confirm(session, user, made.id)
    importing.apply(session, made.id, lambda: None)
    elapsed = time.perf_counter() - started
    stored = session.scalar(text("SELECT count(*) FROM person")) or 0
    session.close()
    return {f"import_seconds_{backend}_{rows // 1000}k": elapsed,
            f"import_rows_per_s_{backend}": rows / elapsed,
            f"import_people_stored_{backend}": float(stored),
            f"import_baseline_rows_per_s_{backend}": baseline,
            f"import_over_baseline_{backend}": baseline / (rows / elapsed)}


def _generate(session: Session, people: int, backend: str) -> list[str]:
    """``people`` people in families of 1-6 across the desa of five kabupaten, straight into
    the tables. Returns some of their NIKs."""
    desa = list(session.scalars(text(
        "SELECT code FROM region WHERE level = 'desa_kelurahan' AND ("
        " code LIKE '35.07.%' OR code LIKE '35.08.%' OR code LIKE '35.09.%'"
        " OR code LIKE '35.73.%' OR code LIKE '35.05.%') ORDER BY code")))
    rng = random.Random(11)
    used: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    households: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    sample: list[str] = []

    def number(area: str, born: dt.date, female: bool) -> str:
        while True:
            found = (f"{area.replace('.', '')}{born.day + (40 if female else 0):02d}"
                     f"{born.month:02d}{born.year % 100:02d}{rng.randint(1, 9999):04d}")
            if found not in used:
                used.add(found)
                return found

    household_id = 0
    while len(persons) < people:
        household_id += 1
        region = rng.choice(desa)
        area = region[:8]
        kk = number(area, dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000)), False)
        households.append({"id": household_id, "kk_number": kk, "kk_reversed": kk[::-1],
                           "region_code": region, "address": "", "rt": "001", "rw": "001",
                           "desil": rng.randint(1, 10), "desil_source": "DTSEN 2025",
                           "desil_date": None, "status": "active", "created_at": now,
                           "created_by_id": None, "updated_at": now})
        for position in range(1, rng.randint(1, 6) + 1):
            female = rng.random() < 0.5
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30000))
            nik = number(area, born, female)
            name = rng.choice(WOMEN if female else MEN) + (
                "" if rng.random() < 0.3 else " " + rng.choice(SECOND))
            persons.append({"household_id": household_id, "nik": nik,
                            "nik_reversed": nik[::-1], "full_name": name,
                            "name_key": name_key(name), "sex": "P" if female else "L",
                            "birth_place": "", "birth_date": born,
                            "relation": "head" if position == 1 else "child",
                            "position": position, "disability": "", "pregnancy_recorded_on": None,
                            "school": "", "occupation": "", "died_on": None,
                            "created_at": now, "updated_at": now})
            if rng.random() < 0.001:
                sample.append(nik)
    connection = session.connection()
    for start in range(0, len(households), 20_000):
        connection.execute(Household.__table__.insert(), households[start:start + 20_000])
    for start in range(0, len(persons), 20_000):
        connection.execute(Person.__table__.insert(), persons[start:start + 20_000])
    session.commit()
    if backend == "postgres":  # as autovacuum would after a bulk load
        bind = session.get_bind()
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
            raw.exec_driver_sql("VACUUM ANALYZE household")
            raw.exec_driver_sql("VACUUM ANALYZE person")
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    return sample


def search_figures(url: str, backend: str, people: int, queries: int = 200
                   ) -> dict[str, float]:
    session = _fresh(url)
    user = _coordinator(session)
    label = f"{backend}_{people // 1_000_000}m" if people >= 1_000_000 else \
        f"{backend}_{people // 1000}k"
    started = time.perf_counter()
    sample = _generate(session, people, backend)
    generated = time.perf_counter() - started
    rng = random.Random(5)
    timings: dict[str, list[float]] = {"suffix": [], "name": [], "baseline": []}
    prefixes = [name_key(n)[:k] for n in MEN + WOMEN for k in (3, 5)] + \
        [name_key(f"{a} {b}")[:len(a) + 3] for a in MEN[:10] for b in SECOND[:5]]
    for round_ in range(queries):
        nik = rng.choice(sample)
        for kind, filters in (("suffix", search.Filters(text=nik[-rng.choice((4, 6)):])),
                              ("name", search.Filters(text=rng.choice(prefixes)))):
            begin = time.perf_counter()
            found = search.search(session, user, filters)
            timings[kind].append((time.perf_counter() - begin) * 1000)
            assert found.problem is None
            session.rollback()
        begin = time.perf_counter()
        session.execute(text("SELECT id, household_id FROM person WHERE nik = :nik"),
                        {"nik": nik}).all()
        timings["baseline"].append((time.perf_counter() - begin) * 1000)
        session.rollback()
        if round_ == 0:  # the first round warms the caches: not counted
            for values in timings.values():
                values.clear()
    session.close()
    suffix = _percentile(timings["suffix"], 0.95)
    name = _percentile(timings["name"], 0.95)
    base = _percentile(timings["baseline"], 0.95)
    return {f"registry_generate_seconds_{label}": generated,
            f"registry_search_suffix_p95_ms_{label}": suffix,
            f"registry_search_name_p95_ms_{label}": name,
            f"registry_search_p95_ms_{label}": max(suffix, name),
            f"registry_search_p50_ms_{label}": statistics.median(
                timings["suffix"] + timings["name"]),
            f"registry_lookup_baseline_p95_ms_{label}": base,
            f"registry_search_over_baseline_{label}": max(suffix, name) / base}


def program_at_plan(session: Session, coordinator: User) -> tuple[User, Any, Any]:
    """A program of ``coordinator`` waiting at its plan step, with the shipped diagrams; the
    supervisor who approves, and a function taking the next step."""
    from tests.program_data import STEP_DATA
    from webapp import engine as wf_engine
    from webapp.services.diagrams import deployment
    from webapp.services.workflow import programs

    users.ensure_groups(session, [(g, "") for g in ("Supervisor", "Kepala Bidang", "Mitra",
                                                   "Admin")])
    supervisor = users.create_user(session, "bench.supervisor", "bench-password-1",
                                   ["Supervisor"], role="supervisor", region_code="35.07")
    root = Path(__file__).resolve().parent.parent / "workflows"
    deployment.deploy_definitions(session, [wf_engine.SourceFile(p.name, p.read_bytes())
                                            for p in sorted(root.iterdir())], coordinator,
                                  origin="shipped")
    program = programs.start_instance(session, coordinator, "program_cycle", "Bench",
                                      "35.07.01")

    def step(who: User, data: dict[str, Any]) -> None:
        (task,) = programs.open_tasks(session, program)
        completion.complete_task(session, who, task.id, data)

    step(coordinator, dict(STEP_DATA["needs_assessment"]))
    return supervisor, program, step


def program_with_list(url: str, families_wanted: int) -> tuple[Session, User, Any]:
    """A program whose plan with a list of ``families_wanted`` families (from an imported
    village list) is approved, its first round waiting to open."""
    from tests.program_data import APPROVE, STEP_DATA
    from webapp.services.assistance import recipient_lists

    session = _fresh(url)
    coordinator = _coordinator(session)
    content = csv_bytes(families_wanted * 4, IMPORT_DESA[:2])
    made = importing.start(session, coordinator, "daftar.csv", content)
    importing.read(session, made.id, lambda: None)
    importing.confirm(session, coordinator, made.id)
    importing.apply(session, made.id, lambda: None)
    supervisor, program, step = program_at_plan(session, coordinator)
    recipient_lists.add_from_registry(session, coordinator, program.id)
    step(coordinator, dict(STEP_DATA["program_plan"], rounds=1))
    step(supervisor, dict(APPROVE))
    return session, coordinator, program


def tick_figures(url: str, families_wanted: int = 2000, ticks: int = 300) -> dict[str, float]:
    """A program at its first round with ``families_wanted`` families on its list."""
    from webapp.models import DistributionLine, Enrolment
    from webapp.services.assistance import rounds
    from webapp.services.assistance import ticks as ticking

    session, coordinator, program = program_with_list(url, families_wanted)
    rounds.open_round(session, coordinator, program.id, 1)
    enrolled = list(session.scalars(select(Enrolment.id).where(
        Enrolment.instance_id == program.id).order_by(Enrolment.id)))[:families_wanted]
    rng = random.Random(3)
    measured: list[float] = []
    for n in range(ticks):
        enrolment_id = rng.choice(enrolled)
        begin = time.perf_counter()
        ticking.tick(session, coordinator, program.id, enrolment_id, 1, n % 7 != 0,
                     "absent" if n % 7 == 0 else "", 200_000 if n % 7 else None)
        measured.append((time.perf_counter() - begin) * 1000)
    line_ids = list(session.scalars(text("SELECT id FROM distribution_line")))
    baseline: list[float] = []
    for n in range(ticks):
        line_id = rng.choice(line_ids)
        begin = time.perf_counter()
        session.execute(DistributionLine.__table__.update().where(
            DistributionLine.id == line_id).values(note=f"{n}"))
        session.commit()
        baseline.append((time.perf_counter() - begin) * 1000)
    session.close()
    tick = statistics.median(measured[20:])
    base = statistics.median(baseline[20:])
    return {"distribution_round_families": float(len(enrolled)),
            "distribution_tick_ms_p50": tick,
            "distribution_tick_ms_p95": _percentile(measured[20:], 0.95),
            "distribution_tick_baseline_ms_p50": base,
            "distribution_tick_over_baseline": tick / base}


def main(folder: Path, postgres: str | None, small: bool = False) -> dict[str, float]:
    figures: dict[str, float] = {}
    figures.update(tick_figures(f"sqlite:///{folder / 'tick.sqlite3'}"))
    rows = 20_000 if small else 100_000
    figures.update(import_figures(f"sqlite:///{folder / 'import.sqlite3'}", "sqlite", rows))
    figures.update(search_figures(f"sqlite:///{folder / 'search.sqlite3'}", "sqlite",
                                  20_000 if small else 200_000))
    if postgres:
        base = postgres.rsplit("/", 1)[0]
        try:
            figures.update(import_figures(f"{base}/simpul_bench_import", "postgres", rows))
            figures.update(search_figures(f"{base}/simpul_bench_search", "postgres",
                                          100_000 if small else 1_000_000))
        except Exception as err:  # noqa: BLE001 - no server: the SQLite figures stand
            print(f"registry postgres figures skipped: {type(err).__name__}: {err}")
    return figures


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        for key, value in main(Path(where), args.postgres or None, args.small).items():
            print(f"{key}: {value:.2f}")
