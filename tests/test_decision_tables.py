"""Decision tables are checked the same way alone as with their process; a process is never made
current on a table it cannot run; a start that cannot run says why."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import fresh, posted, program_at
from webapp import engine
from webapp.models import DefinitionVersion, Instance, User
from webapp.services.diagrams import definitions, deployment
from webapp.services.errors import InvalidInput, StepFailed
from webapp.services.workflow import programs

ROOT = Path(__file__).resolve().parent.parent
PRIORITY = (ROOT / "workflows/program_priority.dmn").read_text()
FIRST_OUTPUT = "<text>\"tinggi\"</text>"


def dmn(text: str) -> engine.SourceFile:
    return engine.SourceFile("program_priority.dmn", text.encode())


def head(session: Session, key: str) -> int:
    session.rollback()
    version = definitions.current_version(session, key)
    assert version is not None
    return version.version


def refused_alone(session: Session, admin: User, text: str) -> str:
    cycle, table = head(session, "program_cycle"), head(session, "program_priority")
    with pytest.raises(InvalidInput) as caught:
        deployment.deploy_definitions(session, [dmn(text)], admin, comment="uji",
                                       origin="upload")
    assert (head(session, "program_cycle"), head(session, "program_priority")) == (cycle, table)
    return "; ".join(str(p) for p in caught.value.details["problems"])


def test_a_hostile_table_uploaded_alone_is_refused_and_starts_still_work(
        session: Session, people: dict[str, User]) -> None:
    hostile = PRIORITY.replace(FIRST_OUTPUT, "<text>__import__('os').system('id')</text>", 1)
    reasons = refused_alone(session, people["admin"], hostile)
    assert "Rule_1" in reasons and "__import__" in reasons
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "Masih berjalan", "35.07.01")
    assert program.status == "running"


@pytest.mark.parametrize(("cell", "hint"), [
    ("[1..5]", "1 <= ? <= 5"),
    ("]10..20[", "10 < ? < 20"),
    ('not("kota")', '? not in ("kota")'),
    ('"desa","kota"', '? in ("desa","kota")'),
])
def test_feel_cells_are_refused_with_the_way_to_write_them(
        session: Session, people: dict[str, User], cell: str, hint: str) -> None:
    text = PRIORITY.replace("<text>&gt;= 40</text>", f"<text>{cell}</text>", 1)
    reasons = refused_alone(session, people["admin"], text)
    assert hint in reasons and "FEEL" in reasons


@pytest.mark.parametrize("policy", ["PRIORITY", "RULE ORDER", "OUTPUT ORDER"])
def test_hit_policies_the_engine_cannot_run_are_refused(
        session: Session, people: dict[str, User], policy: str) -> None:
    text = PRIORITY.replace('hitPolicy="FIRST"', f'hitPolicy="{policy}"')
    assert policy in refused_alone(session, people["admin"], text)


def test_collect_with_an_aggregation_is_refused_but_unique_is_accepted(
        session: Session, people: dict[str, User]) -> None:
    summed = PRIORITY.replace('hitPolicy="FIRST"', 'hitPolicy="COLLECT" aggregation="SUM"')
    assert "SUM" in refused_alone(session, people["admin"], summed)
    unique = PRIORITY.replace('hitPolicy="FIRST"', 'hitPolicy="UNIQUE"')  # the shipped: FIRST
    done = deployment.deploy_definitions(session, [dmn(unique)], people["admin"],
                                          comment="UNIQUE", origin="upload")
    assert done.labels == ["program_priority v2", "program_cycle v2"]  # the process re-pinned


def old_bad_table(session: Session) -> DefinitionVersion:
    """A table stored by an older Simpul that checked less (written straight to the database)."""
    bad = PRIORITY.replace(FIRST_OUTPUT, "<text>__import__('os')</text>", 1)
    version = DefinitionVersion(key="program_priority", kind="dmn", version=9, name="lama",
                                filename="program_priority.dmn", xml=bad,
                                sha256=deployment.sha256(bad.encode()), dependencies=[],
                                origin="upload")
    session.add(version)
    session.commit()
    return version


def test_a_rollback_to_a_table_the_process_cannot_run_is_refused(
        session: Session, people: dict[str, User]) -> None:
    old_bad_table(session)
    with pytest.raises(InvalidInput) as caught:
        deployment.make_current(session, people["admin"], "program_priority", 9)
    assert "Siklus Program" in str(caught.value.message)
    assert head(session, "program_priority") == 1 and head(session, "program_cycle") == 1


def test_a_start_on_a_version_that_no_longer_parses_says_why(
        session: Session, people: dict[str, User], client: FlaskClient) -> None:
    bad = old_bad_table(session)
    cycle = definitions.current_version(session, "program_cycle")
    assert cycle is not None
    cycle.dependencies = [bad.id]
    session.commit()
    definitions.SPEC_CACHE.of(session).clear()
    with pytest.raises(StepFailed) as caught:
        programs.start_instance(session, people["koordinator"], "program_cycle", "Program",
                                 "35.07.01")
    assert "__import__" in str(caught.value.message)
    session.rollback()
    login(client, "koordinator")
    response = client.post("/programs/new", data={
        "process_key": "program_cycle", "title": "Program Donomulyo", "region": "35.07.01",
        "csrf_token": csrf_token(client, "/programs/new")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "__import__" in page  # the reason, escaped, not a server error page
    assert session.scalar(sa.select(sa.func.count()).select_from(Instance)) == 0


def test_an_output_that_would_build_a_huge_text_is_refused_at_deploy(
        session: Session, people: dict[str, User]) -> None:
    huge = PRIORITY.replace(FIRST_OUTPUT, '<text>"tinggi" * 10**9</text>', 1)
    reasons = refused_alone(session, people["admin"], huge)
    assert "Rule_1" in reasons and "cannot be computed" in reasons and "too large" in reasons
    # nothing reached a program: new programs take the decision as before
    program = program_at(session, people, "approve_plan")
    assert program.status == "running"


def test_an_output_that_grows_huge_from_the_data_stops_the_step_in_words(
        session: Session, people: dict[str, User], client: FlaskClient) -> None:
    # the size depends on the data, so the check cannot see it: the run time bound stops it
    grows = PRIORITY.replace(FIRST_OUTPUT, '<text>"tinggi" * hh_in_need * 10**4</text>', 1)
    deployment.deploy_definitions(session, [dmn(grows)], people["admin"], comment="uji",
                                  origin="upload")
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "BPNT Donomulyo", "35.07.01")
    (task,) = programs.open_tasks(session, program)
    login(client, "koordinator")
    data = posted("needs_assessment")
    response = client.post(f"/tasks/{task.id}", data=dict(
        data, csrf_token=csrf_token(client, f"/tasks/{task.id}")), follow_redirects=True)
    page = response.get_data(as_text=True)
    with client.application.test_request_context():
        words = engine.Message(
            "step '%(step)s': %(reason)s", step="Tentukan Prioritas Program",
            reason=engine.Message("the value would grow too large (more than 100,000 "
                                  "characters or items)")).translate(gettext)
    assert str(escape(words)) in page
    for english in ("Sorry", "Error evaluating", "Business Rule Task", "IterableTooLong"):
        assert english not in page
    fresh(session)
    assert [t.status for t in programs.open_tasks(session, program)] == ["open"]
