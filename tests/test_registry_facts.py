"""The registry's facts for eligibility: the desil only an import writes (with its quarter),
the national schemes imported once each, a pregnancy that counts ten months, a severity only
with a disability, and a death or a move that puts the family's running programs under review
(SQLite and PostgreSQL, no mocks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import fresh, program_at
from tests.test_registry_import import preview, user, work
from webapp import clock
from webapp.db import unit_of_work
from webapp.models import (
    Enrolment,
    EnrolmentChange,
    Household,
    HouseholdBenefit,
    ImportRow,
    Instance,
    Person,
    RegistryEvent,
    RegistryImport,
    User,
)
from webapp.services.errors import Conflict, InvalidInput
from webapp.services.registry import entry, facts, family_rules, importing, whereabouts

KK = "3507011506200003"
HEAD = {"nik": "3507011203850001", "full_name": "Slamet Riyadi", "sex": "L",
        "birth_date": "1985-03-12"}
WIFE = {"nik": "3507015708900002", "full_name": "Siti Aminah", "sex": "P",
        "birth_date": "1990-08-17", "relation": "wife"}
COLUMNS = ["No. KK", "NIK", "Nama Lengkap", "L/P", "Tgl Lahir", "SHDK", "Desa"]
SLAMET = [KK, HEAD["nik"], "Slamet Riyadi", "L", "12-03-1985", "Kepala Keluarga", "Tulungrejo"]
SITI = [KK, WIFE["nik"], "Siti Aminah", "P", "17-08-1990", "Istri", "Tulungrejo"]


@pytest.fixture(autouse=True)
def in_the_app(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """As the worker and the pages run: in the app, messages in Indonesian (not around a test
    client's requests: they bring their own)."""
    if "client" in request.fixturenames:
        yield
        return
    with app.app_context():
        yield


def at(day: dt.date) -> None:
    """Set the app's clock to mid-morning of ``day`` in Indonesia."""
    clock.set_time(dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC))


def family(session: Session, koordinator: User) -> Household:
    made = entry.create_household(session, koordinator,
                                  {"kk_number": KK, "region_code": "35.07.01.2001"}, HEAD,
                                  confirmed=True)
    entry.save_member(session, koordinator, made.id, None, WIFE, confirmed=True)
    return made


def table(columns: list[str], rows: list[list[str]]) -> bytes:
    lines = ["\t".join(columns)] + ["\t".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def imported(session: Session, columns: list[str], rows: list[list[str]]) -> RegistryImport:
    """A list read, checked and applied, as a coordinator confirms its preview."""
    found = preview(session, table(columns, rows))
    assert found.status == "ready", found.error
    importing.confirm(session, user(session, "koordinator"), found.id)
    work(session)
    return found


def rows_of(session: Session, found: RegistryImport) -> dict[int, ImportRow]:
    return {r.line: r for r in session.scalars(sa.select(ImportRow).where(
        ImportRow.import_id == found.id))}


# -- the desil: only an import ----------------------------------------------------------------
def test_no_form_or_post_changes_the_desil(client: FlaskClient, session: Session) -> None:
    login(client, "koordinator")
    token = csrf_token(client, "/registry/households/new")
    desil = {"desil": "1", "desil_source": "musdes", "desil_date": "2026-01-01",
             "desil_period": "2026-Q1"}
    made = client.post("/registry/households/new", data={
        "csrf_token": token, "kk_number": KK, "region_code": "35.07.01.2001", **desil,
        **{f"head-{k}": v for k, v in HEAD.items()}})
    assert made.status_code == 303
    household = session.scalars(sa.select(Household)).one()
    assert (household.desil, household.desil_source, household.desil_period) == (None, "", "")
    with unit_of_work(session):  # what a DTSEN import recorded
        facts.record_desil(household, 3, "2025-Q3")
    page = client.get(f"/registry/households/{household.id}/edit").get_data(as_text=True)
    assert 'name="desil' not in page and "Desil 3" in page
    edited = client.post(f"/registry/households/{household.id}/edit", data={
        "csrf_token": token, "region_code": "35.07.01.2001", "address": "Dusun Krajan",
        "status": "active", **desil})
    assert edited.status_code == 303
    fresh(session)
    koordinator = user(session, "koordinator")
    entry.update_household(session, koordinator, household.id,
                           {"kk_number": KK, "region_code": "35.07.01.2001", **desil})
    fresh(session)
    kept = session.get(Household, household.id)
    assert kept is not None and kept.address == ""  # the service call came last
    assert (kept.desil, kept.desil_source, kept.desil_period) == (3, "DTSEN", "2025-Q3")
    shown = client.get(f"/registry/households/{household.id}").get_data(as_text=True)
    assert "Desil 3" in shown and "DTSEN 2025-Q3" in shown


def test_an_import_sets_the_desil_with_its_period(session: Session) -> None:
    columns = [*COLUMNS, "Desil", "Periode Desil", "ID DTSEN"]
    imported(session, columns, [[*SLAMET, "4", "Triwulan III 2025", "DT-0001"],
                                [*SITI, "4", "2025-Q3", "DT-0001"]])
    household = session.scalars(sa.select(Household)).one()
    assert (household.desil, household.desil_period, household.desil_source,
            household.dtsen_id) == (4, "2025-Q3", "DTSEN", "DT-0001")
    second = imported(session, columns, [[*SLAMET, "2", "2025 Q4", "DT-0001"]])
    row = rows_of(session, second)[2]
    assert row.outcome == "update" and row.changes == ["desil", "desil_period"]
    fresh(session)
    household = session.scalars(sa.select(Household)).one()
    assert (household.desil, household.desil_period) == (2, "2025-Q4")


def test_a_desil_without_its_period_is_not_recorded(session: Session) -> None:
    found = imported(session, [*COLUMNS, "Desil"], [[*SLAMET, "2"]])
    row = rows_of(session, found)[2]
    assert row.outcome == "new" and any("2025-Q3" in w for w in row.warnings), row.warnings
    assert session.scalars(sa.select(Household.desil)).one() is None
    bad = preview(session, table([*COLUMNS, "Desil", "Periode"], [[*SLAMET, "2", "kemarin"]]))
    refused = rows_of(session, bad)[2]
    assert refused.outcome == "rejected" and any("2025-Q3" in p for p in refused.problems)


def test_quarters_however_written() -> None:
    assert [facts.read_period(v) for v in ("2025-Q3", "Q3 2025", "2025/3", "TW IV 2025",
                                           "triwulan 1 2026", "2025", "2025-Q5", "")] == [
        "2025-Q3", "2025-Q3", "2025-Q3", "2025-Q4", "2026-Q1", None, None, None]


# -- national schemes --------------------------------------------------------------------------
def test_benefits_are_imported_once_and_shown(session: Session, client: FlaskClient) -> None:
    columns = [*COLUMNS, "Bansos", "PBI"]
    rows = [[*SLAMET, "PKH; BPNT", "Ya"], [*SITI, "", ""]]
    first = imported(session, columns, rows)
    household = session.scalars(sa.select(Household)).one()
    benefits = session.scalars(sa.select(HouseholdBenefit).order_by(HouseholdBenefit.id)).all()
    assert [(b.scheme, b.to_date, b.import_id) for b in benefits] == [
        ("pkh", None, first.id), ("sembako", None, first.id), ("pbi_jk", None, first.id)]
    again = preview(session, table(columns, rows))  # nothing to apply: the same file
    assert {r.outcome for r in rows_of(session, again).values()} == {"same"}
    assert session.scalar(sa.select(sa.func.count(HouseholdBenefit.id))) == 3
    login(client, "koordinator")
    page = client.get(f"/registry/households/{household.id}").get_data(as_text=True)
    assert "PKH, Sembako, PBI-JK" in page
    # a later list: PKH and PBI only (Sembako ends), then PBI said no by its flag
    later = imported(session, columns, [[*SLAMET, "PKH, PBI-JK", "Tidak"]])
    assert rows_of(session, later)[2].changes == ["benefits"]
    fresh(session)
    open_now = session.scalars(sa.select(HouseholdBenefit.scheme).where(
        HouseholdBenefit.to_date.is_(None)).order_by(HouseholdBenefit.id)).all()
    assert open_now == ["pkh"]  # the PBI flag's "Tidak" wins over the list's PBI-JK
    assert session.scalar(sa.select(sa.func.count(HouseholdBenefit.id))) == 3


# -- pregnancy ---------------------------------------------------------------------------------
def test_a_pregnancy_counts_ten_months_from_its_day(session: Session,
                                                    people: dict[str, User]) -> None:
    koordinator = people["koordinator"]
    at(dt.date(2026, 3, 12))
    made = family(session, koordinator)
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    entry.save_member(session, koordinator, made.id, siti.id, {**WIFE, "pregnant": True})
    assert siti.pregnancy_recorded_on == dt.date(2026, 3, 12)
    at(dt.date(2026, 5, 1))  # saved again with the box still ticked: the same day
    entry.save_member(session, koordinator, made.id, siti.id,
                      {**WIFE, "pregnant": True, "occupation": "Petani"})
    assert siti.pregnancy_recorded_on == dt.date(2026, 3, 12)
    for day, counts in ((dt.date(2026, 3, 11), False), (dt.date(2026, 3, 12), True),
                        (dt.date(2027, 1, 11), True), (dt.date(2027, 1, 12), False)):
        assert facts.pregnant_on(siti, day) is counts, day
        counted = session.scalar(sa.select(sa.func.count(Person.id)).where(
            facts.pregnant_clause(day)))
        assert counted == int(counts), day
    with unit_of_work(session):
        siti.died_on, siti.presence = dt.date(2026, 6, 1), "died"
    assert facts.pregnant_on(siti, dt.date(2026, 5, 31))
    assert not facts.pregnant_on(siti, dt.date(2026, 6, 1))
    assert session.scalar(sa.select(sa.func.count(Person.id)).where(
        facts.pregnant_clause(dt.date(2026, 6, 1)))) == 0
    with unit_of_work(session):
        siti.died_on, siti.presence = None, "found"
    entry.save_member(session, koordinator, made.id, siti.id, {**WIFE, "pregnant": False})
    assert siti.pregnancy_recorded_on is None


def test_the_clause_and_the_function_agree_at_month_ends(session: Session,
                                                         people: dict[str, User]) -> None:
    made = family(session, people["koordinator"])
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    for recorded in (dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2025, 5, 29)):
        with unit_of_work(session):
            siti.pregnancy_recorded_on = recorded
        for offset in range(295, 315):
            day = recorded + dt.timedelta(days=offset)
            counted = session.scalar(sa.select(sa.func.count(Person.id)).where(
                Person.household_id == made.id, facts.pregnant_clause(day)))
            assert counted == int(facts.pregnant_on(siti, day)), (recorded, day)


def test_the_page_says_when_a_pregnancy_no_longer_counts(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    at(dt.date(2026, 3, 12))
    made = family(session, people["koordinator"])
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    entry.save_member(session, people["koordinator"], made.id, siti.id,
                      {**WIFE, "pregnant": True})
    login(client, "koordinator")
    page = client.get(f"/registry/households/{made.id}").get_data(as_text=True)
    assert "12 Mar 2026" in page and "tidak dihitung lagi" not in page
    at(dt.date(2027, 2, 1))
    page = client.get(f"/registry/households/{made.id}").get_data(as_text=True)
    assert "12 Mar 2026" in page and "tidak dihitung lagi" in page
    form = client.get(f"/registry/households/{made.id}/members/{siti.id}")
    assert 'id="pregnant" name="pregnant" type="checkbox" value="y">' in form.get_data(
        as_text=True)  # not ticked: ticking it records a new pregnancy today


# -- disability --------------------------------------------------------------------------------
def test_a_severity_needs_a_disability(session: Session, people: dict[str, User]) -> None:
    made = family(session, people["koordinator"])
    child = {"full_name": "Ahmad Dani", "sex": "L", "birth_date": "2015-01-05",
             "relation": "child", "disability_severity": "berat"}
    with pytest.raises(family_rules.RegistryProblems) as refused:
        entry.save_member(session, people["koordinator"], made.id, None, child)
    session.rollback()
    assert set(refused.value.checked.errors) == {"disability_severity"}
    saved = entry.save_member(session, people["koordinator"], made.id, None,
                              {**child, "disability": ["physical"], "chronic_illness": True,
                               "school_level": "sd_mi", "school": "attending"})
    assert (saved.disability, saved.disability_severity, saved.chronic_illness,
            saved.school_level) == ("physical", "berat", True, "sd_mi")
    found = preview(session, table([*COLUMNS, "Tingkat Disabilitas", "Jenjang Pendidikan"],
                                   [[*SLAMET, "Berat", "SMP"]]))
    row = rows_of(session, found)[2]
    assert row.outcome == "rejected" and len(row.problems) == 1


# -- deaths and moves --------------------------------------------------------------------------
@pytest.fixture
def enrolled(session: Session, people: dict[str, User]) -> tuple[Household, list[Enrolment]]:
    """The family enrolled in a running program and in one that has closed."""
    made = family(session, people["koordinator"])
    running = program_at(session, people, "program_plan")
    closed = program_at(session, people, "program_plan", title="BLT Sembako 2025")
    with unit_of_work(session):
        session.execute(sa.update(Instance).where(Instance.id == closed.id)
                        .values(status="completed"))
        enrolments = [Enrolment(instance_id=p.id, household_id=made.id, status="enrolled")
                      for p in (running, closed)]
        session.add_all(enrolments)
    return made, enrolments


def statuses(session: Session, enrolments: list[Enrolment]) -> list[str]:
    fresh(session)
    return [session.get(Enrolment, e.id).status for e in enrolments]  # type: ignore[union-attr]


def test_a_death_pauses_the_running_programs_with_the_reason(
        client: FlaskClient, session: Session, enrolled: Any) -> None:
    made, enrolments = enrolled
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    login(client, "koordinator")
    token = csrf_token(client, f"/registry/households/{made.id}")
    for day in ("2999-01-01", "1980-01-01"):  # in the future, before her birth
        answer = client.post(f"/registry/people/{siti.id}/death",
                             data={"csrf_token": token, "died_on": day}, follow_redirects=True)
        assert answer.status_code == 200
    assert statuses(session, enrolments) == ["enrolled", "enrolled"]
    day = facts.add_months(dt.date.today(), -1)
    done = client.post(f"/registry/people/{siti.id}/death",
                       data={"csrf_token": token, "died_on": day.isoformat(),
                             "note": "Surat keterangan kematian dari desa"})
    assert done.status_code == 303
    assert statuses(session, enrolments) == ["paused", "enrolled"]  # the closed one stays
    change = session.scalars(sa.select(EnrolmentChange)).one()
    assert change.enrolment_id == enrolments[0].id and change.to_status == "paused"
    assert "Siti Aminah" in change.reason and str(day.year) in change.reason
    died = session.get(Person, siti.id)
    assert died is not None and (died.died_on, died.presence) == (day, "died")
    event = session.scalars(sa.select(RegistryEvent).where(RegistryEvent.kind == "died")).one()
    assert event.detail["date"] == day.isoformat()
    page = client.get(f"/registry/households/{made.id}").get_data(as_text=True)
    assert "Surat keterangan kematian dari desa" in page
    with pytest.raises(Conflict):
        whereabouts.record_death(session, user(session, "koordinator"), siti.id, day)
    session.rollback()


def test_a_death_date_is_checked(session: Session, people: dict[str, User]) -> None:
    family(session, people["koordinator"])
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    for day in (dt.date.today() + dt.timedelta(days=2), dt.date(1990, 8, 16), "kemarin"):
        with pytest.raises(InvalidInput):
            whereabouts.record_death(session, people["koordinator"], siti.id, day)
        session.rollback()
    with pytest.raises(family_rules.RegistryProblems) as refused:  # not by the member form
        entry.save_member(session, people["koordinator"], siti.household_id or 0, siti.id,
                          {**WIFE, "presence": "died"})
    session.rollback()
    assert set(refused.value.checked.errors) == {"presence"}


def test_a_family_that_moved_is_put_under_review(session: Session, enrolled: Any) -> None:
    made, enrolments = enrolled
    koordinator = user(session, "koordinator")
    entry.update_household(session, koordinator, made.id,
                           {"kk_number": KK, "region_code": "35.07.01.2001", "status": "moved"})
    assert statuses(session, enrolments) == ["paused", "enrolled"]
    assert "pindah" in session.scalars(sa.select(EnrolmentChange.reason)).one() or \
        "moved" in session.scalars(sa.select(EnrolmentChange.reason)).one()


def test_a_head_found_moved_is_put_under_review(session: Session, enrolled: Any) -> None:
    made, enrolments = enrolled
    head = session.scalars(sa.select(Person).where(Person.relation == "head")).one()
    entry.save_member(session, user(session, "koordinator"), made.id, head.id,
                      {**HEAD, "relation": "head", "presence": "moved"})
    assert statuses(session, enrolments) == ["paused", "enrolled"]
    assert "Slamet Riyadi" in session.scalars(sa.select(EnrolmentChange.reason)).one()


def test_an_import_that_records_a_death_pauses_the_programs(session: Session,
                                                            enrolled: Any) -> None:
    made, enrolments = enrolled
    columns = [*COLUMNS, "Status Keberadaan", "Penyakit Kronis"]
    found = imported(session, columns, [[*SLAMET, "Ditemukan", "Hipertensi"],
                                        [*SITI, "Meninggal Dunia", "Tidak"]])
    seen = rows_of(session, found)
    assert seen[2].changes == ["chronic_illness"] and seen[3].changes == ["presence"]
    assert statuses(session, enrolments) == ["paused", "enrolled"]
    assert "Siti Aminah" in session.scalars(sa.select(EnrolmentChange.reason)).one()
    siti = session.scalars(sa.select(Person).where(Person.relation == "wife")).one()
    head = session.scalars(sa.select(Person).where(Person.relation == "head")).one()
    assert (siti.presence, head.chronic_illness) == ("died", True)
    assert session.scalar(sa.select(sa.func.count(RegistryEvent.id)).where(
        RegistryEvent.kind == "died", RegistryEvent.household_id == made.id)) == 1
