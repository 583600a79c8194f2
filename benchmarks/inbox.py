"""Inbox benchmark: the first page of *Tugas Kelompok*, with a filter, over a large task table.

Generates open and finished tasks across regions, groups and two processes straight into the
tables (through the models' own columns), then times ``tasks.list_tasks`` (the page and its
capped count, as the inbox runs them) for a coordinator of one kabupaten. The baseline, timed
in the same run on the same data, is the bare indexed query of the first 20 open tasks.

Then the whole request, as the coordinator's browser makes it: ``GET /`` on gunicorn (one
process, one thread) with the tab counts, the saved filters, the bell and the page around it.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import Table, create_engine, insert, select, text
from sqlalchemy.orm import Session

from webapp import engine as wf_engine
from webapp.db import make_engine, make_session_factory
from webapp.migrate import upgrade_database
from webapp.models import HumanTask, Instance, User
from webapp.services.accounts import users
from webapp.services.areas import plug_in_areas
from webapp.services.diagrams import definitions, deployment
from webapp.services.workflow.inbox import InboxFilter, list_tasks

KABUPATEN = [f"35.{n:02d}" for n in range(1, 11)]
GROUPS = ["Koordinator", "Supervisor", "Kepala Bidang", "Mitra", "Pendamping", "Verifikator",
          "Operator", "Keuangan"]
PHASES = ["assessment", "planning", "execution", "supervision", "evaluation"]
CHUNK = 20_000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _seed(session: Session, tasks_wanted: int) -> User:
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, [(g, "") for g in GROUPS])
    from webapp.services.accounts.regions import load_regions

    load_regions(session, [{"kode": "35", "nama": "Jawa Timur", "tingkat": "provinsi",
                            "induk": ""}] + [
        {"kode": k, "nama": f"Kabupaten {k}", "tingkat": "kabupaten_kota", "induk": "35"}
        for k in KABUPATEN] + [
        {"kode": f"{k}.{c:02d}", "nama": f"Kecamatan {k}.{c:02d}", "tingkat": "kecamatan",
         "induk": k} for k in KABUPATEN for c in range(1, 6)])
    admin = users.create_user(session, "bench.admin", "bench-password-1", ["Koordinator"],
                              role="admin")
    workflows = wf_engine.SourceFile
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "workflows"
    deployment.deploy_definitions(session, [workflows(p.name, p.read_bytes())
                                             for p in sorted(root.iterdir())], admin,
                                   origin="shipped")
    version = definitions.current_version(session, "program_cycle")
    assert version is not None
    coordinator = users.create_user(session, "bench.koordinator", "bench-password-1",
                                    ["Koordinator", "Pendamping"], region_code=KABUPATEN[0])
    instance_table: Table = Instance.__table__  # type: ignore[assignment]
    task_table: Table = HumanTask.__table__  # type: ignore[assignment]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    per_instance = 10
    instances_wanted = tasks_wanted // per_instance
    first_id = None
    for base in range(0, instances_wanted, CHUNK):
        rows = []
        for n in range(base, min(instances_wanted, base + CHUNK)):
            kab = KABUPATEN[n % len(KABUPATEN)]
            rows.append({"definition_version_id": version.id, "title": f"Program {n}",
                         "business_key": f"BEN-{n:08d}", "region_code": f"{kab}.{n % 5 + 1:02d}",
                         "status": "running", "state": "", "version": 1,
                         "started_at": start + dt.timedelta(minutes=n), "authors": {}})
        session.execute(insert(instance_table), rows)
        session.commit()
    first_id = session.scalar(select(Instance.id).order_by(Instance.id).limit(1)) or 1
    for base in range(0, tasks_wanted, CHUNK):
        rows = []
        for n in range(base, min(tasks_wanted, base + CHUNK)):
            instance_n = n // per_instance
            kab = KABUPATEN[instance_n % len(KABUPATEN)]
            created = start + dt.timedelta(minutes=n)
            done = n % 5 == 0
            rows.append({
                "instance_id": first_id + instance_n, "task_id": f"{n:036d}",
                "bpmn_id": "approve_plan", "name": f"Langkah {n % 7}",
                "group_name": GROUPS[n % len(GROUPS)],
                "form_key": "approval", "phase": PHASES[n % len(PHASES)],
                "process_key": "program_cycle" if n % 3 else "grievance",
                "region_code": f"{kab}.{instance_n % 5 + 1:02d}",
                "status": "completed" if done else "open", "assignee_id": None,
                "created_at": created, "due_at": created + dt.timedelta(days=3),
                "completed_at": created + dt.timedelta(days=1) if done else None,
                "priority": n % 3 == 0 and 1 or 0,
            })
        session.execute(insert(task_table), rows)
        session.commit()
    return coordinator


def request_p95(url: str, runs: int = 60) -> float:
    """p95 ms of the whole inbox request over HTTP on the seeded database."""
    import tempfile
    from pathlib import Path

    from benchmarks.desk import HttpPerson, sign_in
    from benchmarks.stack import Stack

    path = "/?tab=group&process=program_cycle"
    with tempfile.TemporaryDirectory() as folder, \
            Stack(url, Path(folder), workers=1, threads=1) as stack:
        person = HttpPerson("bench.koordinator", stack.port)
        sign_in(person, "bench-password-1")
        for _ in range(5):  # the process's first requests load templates and translations
            person.request("GET", path)
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            reply = person.request("GET", path)
            timings.append((time.perf_counter() - began) * 1000)
            assert reply.status == 200 and 'class="task-name"' in reply.text, reply.status
    return _percentile(timings, 0.95)


def measure(url: str, tasks_wanted: int, runs: int = 60) -> tuple[float, float]:
    """(p95 ms of the inbox's first page, p95 ms of the bare baseline query)."""
    upgrade_database(url)
    engine = make_engine(url)
    plug_in_areas(engine)  # as create_app does
    session = make_session_factory(engine)()
    try:
        user = _seed(session, tasks_wanted)
        session.commit()
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                # what autovacuum does after a bulk load on a live server: statistics, and
                # the visibility map that lets the tab counts read the index alone
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE")
        wanted = InboxFilter(tab="group", process="program_cycle")
        timings, baseline = [], []
        for _ in range(runs):
            began = time.perf_counter()
            page = list_tasks(session, user, wanted=wanted)
            timings.append((time.perf_counter() - began) * 1000)
            session.rollback()
            began = time.perf_counter()
            session.execute(select(HumanTask.id).where(HumanTask.status == "open")
                            .order_by(HumanTask.created_at).limit(20)).all()
            baseline.append((time.perf_counter() - began) * 1000)
            session.rollback()
        assert page.items, "the benchmark inbox is empty"
        return _percentile(timings, 0.95), _percentile(baseline, 0.95)
    finally:
        session.close()
        engine.dispose()


def postgres_database(url: str, name: str = "simpul_bench") -> str | None:
    """A fresh database ``name`` on the server of ``url``, or None when unreachable."""
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - no server: the figure is reported as skipped
        return None
    return url.rsplit("/", 1)[0] + f"/{name}"


def main(sqlite_url: str, postgres_url: str | None, small: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sqlite_tasks = 20_000 if small else 200_000
    p95, base = measure(sqlite_url, sqlite_tasks)
    results["inbox_p95_ms_sqlite_200k"] = p95
    results["inbox_baseline_p95_ms_sqlite"] = base
    results["inbox_request_p95_ms_sqlite_200k"] = request_p95(sqlite_url)
    if postgres_url:
        url = postgres_database(postgres_url)
        if url:
            p95, base = measure(url, 100_000 if small else 1_000_000)
            results["inbox_p95_ms_postgres_1m"] = p95
            results["inbox_baseline_p95_ms_postgres"] = base
            results["inbox_request_p95_ms_postgres_1m"] = request_p95(url)
    return results
