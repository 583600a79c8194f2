"""Migration 0016 turns programs recorded before it (only engine state, step history and lines
numbered by round) into ``program`` and ``distribution_round`` rows whose figures equal what the
pages showed before.

``tests/data/programs_0015.json`` was made by the code of revision 0015 (commit 3108c38): three
programs (a list of 24 families over four rounds with rounds 1 and 2 closed, round 3 open and
partly ticked, one family paused after round 2; a program with typed figures at its evaluation;
a plan with a list waiting for approval), every table's rows, and the figures that code
computed for each program and round.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from benchmarks.inbox import postgres_database
from tests.conftest import POSTGRES_URL, _backends
from webapp.db import make_engine, make_session_factory
from webapp.migrate import upgrade_database
from webapp.models import DistributionLine, DistributionRound, Instance, Program
from webapp.services.assistance import rounds

FIXTURE = Path(__file__).parent / "data" / "programs_0015.json"


def _value(column: sa.Column[Any], value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, str) and isinstance(column.type, sa.DateTime):
        stamp = dt.datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and isinstance(column.type, sa.Date):
        return dt.date.fromisoformat(value)
    return value


def _load(url: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            rows = tables.get(table.name, [])
            if rows:
                conn.execute(table.insert(), [
                    {k: _value(table.c[k], v) for k, v in row.items()} for row in rows])
            if rows and conn.dialect.name == "postgresql" and "id" in table.c:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                     f"'id'), (SELECT MAX(id) FROM {table.name}))"))
    engine.dispose()


@pytest.fixture(params=_backends())
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Session, Any]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        name = POSTGRES_URL.rsplit("/", 1)[1] + "_0016"
        found = postgres_database(POSTGRES_URL, name)
        assert found is not None
        url = found
    fixture = json.loads(FIXTURE.read_text())
    upgrade_database(url, "0015")
    _load(url, fixture["tables"])
    upgrade_database(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    yield session, fixture
    session.close()
    engine.dispose()


def _figures(found: rounds.Figures) -> dict[str, Any]:
    return {"enrolled": found.enrolled, "received": found.received,
            "not_received": found.not_received, "amount": found.amount,
            "reached": found.reached, "reasons": found.reasons,
            "coverage_pct": found.coverage_pct}


def _steps(fixture: dict[str, Any], instance_id: int, form: str) -> list[dict[str, Any]]:
    events = [e for e in fixture["tables"]["event"] if e["instance_id"] == instance_id
              and e["action"] == "task.completed"]
    datas = [e["data"] if isinstance(e["data"], dict) else json.loads(e["data"])
             for e in sorted(events, key=lambda e: e["id"])]
    return [d["data"] for d in datas if d.get("form") == form]


def test_existing_programs_become_records_with_the_figures_the_pages_showed(
        migrated: tuple[Session, Any]) -> None:
    session, fixture = migrated
    ids = {i.title: i.id for i in session.scalars(sa.select(Instance))}
    programs = {p.instance_id: p for p in session.scalars(sa.select(Program))}
    assert set(programs) == set(ids.values())  # every program whose plan was written

    listed = programs[ids["Sembako Lansia"]]
    plan = _steps(fixture, listed.instance_id, "program_plan")[-1]
    assert (listed.budget, listed.rounds_planned, listed.kind) == (20_000_000, 4, "local")
    assert listed.target_kpm == plan["target_households"]
    assert listed.start_date == dt.date.fromisoformat(plan["start_date"])
    states = [r.state for r in session.scalars(sa.select(DistributionRound).where(
        DistributionRound.program_id == listed.id).order_by(DistributionRound.number))]
    assert states == ["closed", "closed", "open", "planned"]
    expected = fixture["expected"]["Sembako Lansia"]
    assert _figures(rounds.figures(session, listed.instance_id)) == {
        k: v for k, v in expected["program"].items() if k != "unticked"}
    closed = _steps(fixture, listed.instance_id, "distribution_record")
    for number in (1, 2, 3):
        found = rounds.figures(session, listed.instance_id, number)
        old = expected[str(number)]
        assert _figures(found) == {k: v for k, v in old.items() if k != "unticked"}
        if number < 3:  # a closed round keeps the families it had due when it closed
            assert found.unticked == closed[number - 1]["households_unticked"]
            assert found.received == closed[number - 1]["households_served"]
        else:  # the open round: as its page showed it
            assert found.unticked == old["unticked"]
        assert found.due == found.received + found.not_received + found.unticked
    # round 1's unticked count no longer drifts with the family paused after it closed (the
    # old pages had come to show one family fewer than the round had due)
    assert closed[0]["households_unticked"] == expected["1"]["unticked"] + 1

    typed = programs[ids["Bantuan Pendidikan"]]
    typed_rounds = list(session.scalars(sa.select(DistributionRound).where(
        DistributionRound.program_id == typed.id).order_by(DistributionRound.number)))
    recorded = _steps(fixture, typed.instance_id, "distribution_record")
    assert [(r.typed_served, r.typed_amount, r.typed_on_time, r.state) for r in typed_rounds] \
        == [(d["households_served"], d["amount_disbursed_rupiah"], d["on_time"], "closed")
            for d in recorded]
    assert typed_rounds[0].distributed_on == dt.date.fromisoformat(
        recorded[0]["distribution_date"])

    waiting = programs[ids["Bantuan Disabilitas"]]
    assert [r.state for r in waiting.rounds] == ["planned", "planned"]
    assert session.scalar(sa.select(sa.func.count(DistributionLine.id)).where(
        DistributionLine.round_id.is_(None))) == 0
