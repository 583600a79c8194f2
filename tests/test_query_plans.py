"""The busiest pages read the tables that grow through indexes, never by scanning them.

On PostgreSQL, in a schema of its own, the tables that grow with use (event, human_task,
instance, person, household, enrolment, program, distribution_round, distribution_line, region)
are filled to a realistic size and analysed; then the pages are requested as people use them
(the inbox, a task page with comments and its recipient list, a submit, the start page and a
start, the needs assessment with the registry's figures per desa and its submit, a household
page, registry searches and a round's checklist) while every statement they
send is recorded with its parameters. Each is then explained with those parameters; a
sequential scan of a growing table fails the test with the statement and its plan.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import (
    GROUPS,
    PASSWORD,
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    ROOT,
    TEST_USERS,
    csrf_token,
    login,
    make_test_app,
)
from tests.program_data import data_for, fresh, program_at
from webapp.db import make_engine, make_session_factory, unit_of_work
from webapp.migrate import upgrade_database
from webapp.models import HumanTask, Instance, Person, User
from webapp.services.accounts import regions, users
from webapp.services.assistance import recipient_lists, rounds, ticks
from webapp.services.diagrams import definitions, deployment
from webapp.services.registry import entry, facts
from webapp.services.registry.synthetic import families
from webapp.services.workflow import comments, completion, programs

GROWING = {"event", "human_task", "instance", "person", "household", "enrolment",
           "distribution_line", "region", "program", "distribution_round"}
SCHEMA = "query_plans"
# Rows generated beside the pages' own: enough that a scan costs more than an index lookup
# (a kabupaten's desk after a few years; the registry of a few kecamatan).
SIZES = {"instance": 20_000, "human_task": 100_000, "event": 300_000, "household": 40_000,
         "person": 120_000, "enrolment": 40_000, "distribution_line": 80_000}
SKIPPED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|NOTIFY|LISTEN|SET|SHOW)\b",
                     re.I)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def planned_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[str]:
    """A migrated database of its own: an SQLite file, or a schema of its own on the
    PostgreSQL test server (other tests keep theirs)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.sqlite3'}"
        upgrade_database(url)
        yield url
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("SIMPUL_REQUIRE_POSTGRES=1 but SIMPUL_TEST_POSTGRES_URL is not set")
        pytest.skip("the plans at scale are PostgreSQL's (set SIMPUL_TEST_POSTGRES_URL)")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = POSTGRES_URL + separator + "options=" + urllib.parse.quote(f"-csearch_path={SCHEMA}")
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    upgrade_database(url)
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    admin.dispose()


def _fill(session: Session) -> None:
    """Generated rows in every growing table, spread over the kecamatan and desa of the test
    users' province, most of them finished work; then ANALYZE, as autovacuum would."""
    conn = session.connection()
    version = definitions.current_version(session, "program_cycle")
    assert version is not None
    kecamatan = [c for c in session.scalars(sa.select(sa.text("code")).select_from(
        sa.text("region")).where(sa.text("parent_code LIKE '35.%' AND level = 'kecamatan'")))]
    desa = [c for c in session.scalars(sa.select(sa.text("code")).select_from(
        sa.text("region")).where(sa.text("code LIKE '35.%' AND level = 'desa_kelurahan'")))]
    sizes = dict(SIZES)
    run = conn.exec_driver_sql

    def first_id(table: str) -> int:
        return int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
                   .scalar_one())

    base = first_id("instance")
    run("""INSERT INTO instance (definition_version_id, title, business_key, region_code,
               status, state, version, started_at, authors)
           SELECT %(version)s, 'Program ' || n, 'GEN-' || n, (%(kec)s::text[])[1 + n %% %(nkec)s],
               CASE WHEN n %% 5 = 0 THEN 'running' ELSE 'completed' END, '', 1,
               now() - n * interval '1 minute', '{}'
           FROM generate_series(1, %(count)s) AS n""",
        {"version": version.id, "kec": kecamatan, "nkec": len(kecamatan),
         "count": sizes["instance"]})
    task_base = first_id("human_task")
    run("""INSERT INTO human_task (instance_id, task_id, bpmn_id, name, group_name, form_key,
               phase, process_key, region_code, status, created_at, due_at, priority,
               completed_at)
           SELECT i.id, lpad(n::text, 36, '0'), 'program_plan', 'Perencanaan ' || n,
               (ARRAY['Koordinator','Supervisor','Kepala Bidang','Mitra'])[1 + n %% 4],
               'program_plan', 'planning', 'program_cycle', i.region_code,
               CASE WHEN n %% 10 = 0 THEN 'open' ELSE 'completed' END,
               now() - n * interval '1 minute', now() + interval '3 days', n %% 3,
               CASE WHEN n %% 10 = 0 THEN NULL ELSE now() - n * interval '30 second' END
           FROM generate_series(1, %(count)s) AS n
           JOIN instance i ON i.id = %(base)s + n %% %(instances)s""",
        {"count": sizes["human_task"], "base": base, "instances": sizes["instance"]})
    run("""INSERT INTO event (at, action, instance_id, human_task_id, data)
           SELECT now() - n * interval '1 second',
               (ARRAY['task.created','task.completed','engine.archived','task.commented',
                      'task.claimed'])[1 + n %% 5],
               t.instance_id, t.id, '{"text": "catatan"}'
           FROM generate_series(1, %(count)s) AS n
           JOIN human_task t ON t.id = %(base)s + n %% %(tasks)s""",
        {"count": sizes["event"], "base": task_base, "tasks": sizes["human_task"]})
    household_base = first_id("household")
    run("""INSERT INTO household (kk_number, kk_reversed, region_code, address, rt, rw, desil,
               desil_source, status, created_at, updated_at)
           SELECT k, reverse(k), (%(desa)s::text[])[1 + n %% %(ndesa)s], 'Dusun ' || n,
               '001', '002', 1 + n %% 10, 'DTSEN 2025', 'active', now(), now()
           FROM generate_series(1, %(count)s) AS n,
               LATERAL (SELECT '3599' || lpad(n::text, 12, '0') AS k) AS kk""",
        {"desa": desa, "ndesa": len(desa), "count": sizes["household"]})
    run("""INSERT INTO person (household_id, nik, nik_reversed, full_name, name_key, sex,
               birth_place, birth_date, relation, position, disability, chronic_illness, school,
               occupation, created_at, updated_at)
           SELECT %(base)s + n %% %(households)s, k, reverse(k), nm, lower(nm),
               CASE WHEN n %% 2 = 0 THEN 'L' ELSE 'P' END, 'Malang',
               date '1950-01-01' + (n %% 25000), CASE WHEN n < %(households)s THEN 'head'
               ELSE 'child' END, n / %(households)s, '', false, '', 'Petani', now(), now()
           FROM generate_series(0, %(count)s - 1) AS n,
               LATERAL (SELECT '3598' || lpad(n::text, 12, '0') AS k,
                   (ARRAY['Slamet','Siti','Sri','Budi','Agus','Dewi','Joko','Wati'])
                   [1 + n %% 8] || ' ' || (ARRAY['Santoso','Wibowo','Rahayu','Utami',
                   'Hidayat','Saputra'])[1 + n %% 6] || ' ' || n AS nm) AS p""",
        {"base": household_base, "households": sizes["household"],
         "count": sizes["person"]})
    enrolment_base = first_id("enrolment")
    run("""INSERT INTO enrolment (instance_id, household_id, status, created_at, changed_at)
           SELECT %(instance)s + n %% %(instances)s, %(household)s + n, 'enrolled', now(),
               now()
           FROM generate_series(0, %(count)s - 1) AS n""",
        {"instance": base, "instances": sizes["instance"], "household": household_base,
         "count": sizes["enrolment"]})
    run("""INSERT INTO program (instance_id, kind, scheme, funding, benefit_kind,
               benefit_goods, assistance_type, rounds_planned, decree_number, partners, notes,
               updated_at)
           SELECT id, 'local', 'apbd', 'apbd_regency', 'money', '', '', 2, '', '', '', now()
           FROM instance WHERE id >= %(base)s""", {"base": base})
    run("""INSERT INTO distribution_round (program_id, number, label, channel, sp2d_number,
               six_t, notes, opened_at)
           SELECT p.id, r, '', 'cash', '', '{}', '', now()
           FROM program p, generate_series(1, 2) AS r WHERE p.instance_id >= %(base)s""",
        {"base": base})
    run("""INSERT INTO distribution_line (round_id, enrolment_id, entitled_amount, received,
               received_by, proxy_name, proxy_relation, amount, goods, reason, note, source)
           SELECT r.id, e.id, 150000, n %% 7 <> 0, 'recipient', '', '', 150000, '', '', '',
               'tick'
           FROM generate_series(0, %(count)s - 1) AS n
           JOIN enrolment e ON e.id = %(base)s + n %% %(enrolments)s
           JOIN program p ON p.instance_id = e.instance_id
           JOIN distribution_round r ON r.program_id = p.id
               AND r.number = 1 + n / %(enrolments)s""",
        {"base": enrolment_base, "enrolments": sizes["enrolment"],
         "count": sizes["distribution_line"]})
    session.commit()
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    raw.autocommit = True  # type: ignore[attr-defined]
    try:
        with raw.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        raw.autocommit = False  # type: ignore[attr-defined]
    session.commit()


def _prepare(session: Session) -> dict[str, Any]:
    """Groups, regions, users and diagrams; a program at its first distribution round with
    a list of 30 families, a few lines ticked and a comment on the round's step. On
    PostgreSQL, the growing tables filled and analysed; SQLite is left without statistics, so
    its planner takes every table for a large one and scans only where no index serves."""
    filled = session.get_bind().dialect.name == "postgresql"
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, GROUPS)
    regions.load_region_file(session)  # the national table, as every database has it
    for username, role, groups, region in TEST_USERS:
        users.create_user(session, username, PASSWORD, groups, role=role,
                          full_name=username.title(), region_code=region)
    deployment.deploy_shipped(session, ROOT / "workflows")
    people = {u.username: u for u in session.scalars(sa.select(User))}
    koordinator = people["koordinator"]
    for family in families(30, ["35.07.01.2001"], seed=5):
        made = entry.create_household(session, koordinator, family.household_values(),
                                      family.members[0], confirmed=True)
        with unit_of_work(session):
            facts.record_desil(made, 2, "2025-Q3")
    program = program_at(session, people, "program_plan")
    recipient_lists.add_from_registry(session, koordinator, program.id, desil="1-4")
    plan = data_for("program_plan")
    plan.update(rounds=2, budget_rupiah=100_000_000)
    completion.complete_task(session, koordinator, _open_task(session, program).id, plan)
    completion.complete_task(session, people["supervisor"], _open_task(session, program).id,
                        data_for("approval"))
    round_task = _open_task(session, program)
    rounds.open_round(session, koordinator, program.id, 1)
    enrolled = recipient_lists.entries(session, koordinator, program.id, round_=1)[0]
    for listed in enrolled[:5]:
        ticks.tick(session, koordinator, program.id, listed.enrolment.id, 1, True,
                           amount=150_000)
    comments.add_comment(session, koordinator, round_task.id, "Beras datang terlambat.")
    if filled:
        _fill(session)
    fresh(session)
    person = session.scalars(sa.select(Person).where(
        Person.household_id == enrolled[0].household.id)).first()
    assert person is not None and person.nik
    return {"program": program.id, "task": round_task.id, "household": person.household_id,
            "nik": person.nik, "kk": enrolled[0].household.kk_number,
            "name": person.full_name.split()[0]}


def _open_task(session: Session, program: Instance) -> HumanTask:
    fresh(session)
    (task,) = programs.open_tasks(session, program)
    return task


class Recorder:
    """Every statement the engine sends while ``page`` is set, with its parameters."""

    def __init__(self) -> None:
        self.page = ""
        self.seen: list[tuple[str, str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any,
                 _context: Any, executemany: bool) -> None:
        if not self.page or SKIPPED.match(statement):
            return
        if executemany:
            parameters = parameters[0] if parameters else None
        self.seen.append((self.page, statement, parameters))


def _visit(client: FlaskClient, recorder: Recorder, page: str, method: str, path: str,
           expected: int, **data: Any) -> str:
    """One request with its statements recorded, from cold caches (another process's view)."""
    client.application.extensions["simpul_caches"].clear()
    recorder.page = page
    try:
        response = client.open(path, method=method, data=data or None)
    finally:
        recorder.page = ""
    body = response.get_data(as_text=True)
    assert response.status_code == expected, (page, response.status_code, body[:1000])
    return body


def _scans(plan: Any) -> Iterator[str]:
    """Tables a PostgreSQL plan reads by a sequential scan."""
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan":
            yield str(plan.get("Relation Name"))
        for value in plan.values():
            yield from _scans(value)
    elif isinstance(plan, list):
        for value in plan:
            yield from _scans(value)


SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def _scanned(conn: sa.Connection, statement: str, parameters: Any) -> tuple[set[str], str]:
    """The growing tables the statement scans, and its plan as text."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                    parameters or ()).all()
        found = {m.group(1) for row in rows if (m := SQLITE_SCAN.match(row[3]))}
        return found & GROWING, "\n".join(row[3] for row in rows)
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement,
                                parameters or {}).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = set(_scans(plan)) & GROWING
    text = "" if not found else "\n".join(conn.exec_driver_sql(
        "EXPLAIN " + statement, parameters or {}).scalars())
    return found, text


def test_busy_pages_never_scan_a_growing_table(planned_url: str) -> None:
    app = make_test_app(planned_url)
    engine = app.extensions["simpul_engine"]
    session = make_session_factory(engine)()
    try:
        made = _prepare(session)
    finally:
        session.close()
    recorder = Recorder()
    event.listen(engine, "before_cursor_execute", recorder)
    client = app.test_client()
    try:
        login(client, "koordinator")
        for tab in ("mine", "group", "done"):
            _visit(client, recorder, f"inbox {tab}", "GET", f"/?tab={tab}", 200)
        _visit(client, recorder, "inbox filtered", "GET",
               "/?tab=group&process=program_cycle&q=bpnt&sort=due", 200)
        _visit(client, recorder, "program list", "GET", "/programs/", 200)
        task = f"/tasks/{made['task']}"
        page = _visit(client, recorder, "task page", "GET", task, 200)
        assert "Beras datang terlambat." in page
        round_page = f"/programs/{made['program']}/rounds/1"
        _visit(client, recorder, "round checklist", "GET", round_page, 200)
        _visit(client, recorder, "round search", "GET",
               f"{round_page}?part=lines&q={made['name']}", 200)
        _visit(client, recorder, "household page", "GET",
               f"/registry/households/{made['household']}", 200)
        for kind, text in (("name", made["name"]), ("nik", made["nik"]), ("kk", made["kk"]),
                           ("last digits", made["nik"][-6:])):
            _visit(client, recorder, f"registry search by {kind}", "GET",
                   f"/registry/?q={text}", 200)
        _visit(client, recorder, "registry filter", "GET", "/registry/?desil=1-4", 200)
        _visit(client, recorder, "start page", "GET", "/programs/new", 200)
        token = csrf_token(client, "/programs/new")
        _visit(client, recorder, "start", "POST", "/programs/new", 303, csrf_token=token,
               process_key="program_cycle", title="BPNT Pagak 2027", region="35.07.02")
        with engine.connect() as conn:  # the started program's first step: the assessment
            assessment = conn.execute(sa.select(sa.func.max(HumanTask.id)).where(
                HumanTask.form_key == "needs_assessment", HumanTask.status == "open")).scalar()
        page = _visit(client, recorder, "assessment page", "GET", f"/tasks/{assessment}", 200)
        assert 'id="needs-panel"' in page
        _visit(client, recorder, "assessment submit", "POST", f"/tasks/{assessment}", 303,
               csrf_token=token, assessment_date="2026-11-02", households_total="",
               villages=["35.07.02.2001", "35.07.02.2002"], hh_in_need="0",
               hh_food_insecure="0")
        values = {k: v for k, v in data_for("distribution_record").items() if v is not False}
        values["close_with_unticked"] = "y"  # a few of the list's families are not ticked
        _visit(client, recorder, "submit", "POST", task, 303, csrf_token=token, **values)
        login(client, "supervisor")
        _visit(client, recorder, "supervisor inbox", "GET", "/?tab=group", 200)
        login(client, "admin")  # no region: the kabupaten/kota first, then its kecamatan
        _visit(client, recorder, "start page, every region", "GET", "/programs/new", 200)
        _visit(client, recorder, "start page, a kabupaten chosen", "GET",
               "/programs/new?area=35.07", 200)
    finally:
        event.remove(engine, "before_cursor_execute", recorder)
    assert len(recorder.seen) > 50, "the pages sent fewer statements than expected"
    failures = []
    with engine.connect() as conn:
        explained: set[tuple[str, str]] = set()
        for page, statement, parameters in recorder.seen:
            key = (statement, repr(parameters))
            if key in explained:
                continue
            explained.add(key)
            scanned, text = _scanned(conn, statement, parameters)
            if scanned:
                failures.append(f"{page}: scans {', '.join(sorted(scanned))}\n{statement}\n"
                                f"{parameters}\n{text}")
        conn.rollback()
    engine.dispose()
    assert not failures, f"{len(failures)} statements scan a growing table:\n\n" + \
        "\n\n".join(failures)
