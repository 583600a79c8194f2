"""The needs assessment from the registry (issue 15, point 6): per desa of the program's area,
the families by desil, with an elderly member, a member with a disability, a child out of
school, a pregnant member, and their shares, counted from families entered through the
registry's own services (SQLite and PostgreSQL, no mocks); the priority decided on shares, so
a big village and a small one with the same shares get the same; the step's page shows the
figures beside the form, on a phone too."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.browser import screenshot, sign_in
from tests.conftest import PASSWORD, csrf_token, login
from tests.program_data import fresh, program_at
from tests.test_registry_facts import at
from webapp.db import unit_of_work
from webapp.models import Event, Household, Instance, User
from webapp.services.accounts import users
from webapp.services.registry import entry, facts, needs, whereabouts
from webapp.services.workflow import completion, programs
from webapp.services.workflow.task_page import task_data, task_head

DAY = dt.date(2026, 11, 2)  # the assessment's day
TULUNGREJO, BANJAREJO, TEMPURSARI = "35.07.01.2001", "35.07.01.2002", "35.07.01.2005"
PAGAK_DESA = "35.07.02.2001"  # another kecamatan of the same kabupaten


@pytest.fixture(autouse=True)
def in_the_app(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """The services in the app, as the worker runs them (pages bring their own context)."""
    serving = {"client", "live_server"} & set(request.fixturenames)
    with contextlib.nullcontext() if serving else app.app_context():
        yield


class Registry:
    """Families entered as a coordinator enters them, with NIK and KK made up to fit."""

    def __init__(self, session: Session, user: User) -> None:
        self.session, self.user, self.serial = session, user, 0

    def nik(self, desa: str, born: str, sex: str) -> str:
        self.serial += 1
        day = dt.date.fromisoformat(born)
        area = desa.replace(".", "")[:6]
        return f"{area}{day.day + (40 if sex == 'P' else 0):02d}{day:%m%y}{self.serial:04d}"

    def person(self, desa: str, born: str, sex: str = "L", **facts_: Any) -> dict[str, Any]:
        return {"nik": self.nik(desa, born, sex), "full_name": f"Warga {self.serial}",
                "sex": sex, "birth_date": born, **facts_}

    def family(self, desa: str, desil: int | None, head: dict[str, Any],
               *members: dict[str, Any], period: str = "2025-Q3") -> Household:
        self.serial += 1
        kk = f"{desa.replace('.', '')[:6]}150620{self.serial:04d}"
        made = entry.create_household(self.session, self.user,
                                      {"kk_number": kk, "region_code": desa}, head,
                                      confirmed=True)
        for member in members:
            entry.save_member(self.session, self.user, made.id, None, member, confirmed=True)
        with unit_of_work(self.session):  # as the DTSEN import records it
            facts.record_desil(made, desil, period)
        return made


def hand_counted(session: Session, koordinator: User) -> None:
    """Five families of Tulungrejo that count (and one moved away), two of Banjarejo, one
    of Pagak (another kecamatan)."""
    r = Registry(session, koordinator)
    a = TULUNGREJO
    at(dt.date(2025, 12, 1))  # a pregnancy recorded eleven months before the day: over
    r.family(a, None, r.person(a, "1990-02-03"),
             r.person(a, "1992-04-05", "P", relation="wife", pregnant=True),
             r.person(a, "2019-06-01", relation="child", school="attending",
                      school_level="sd_mi"))
    at(dt.date(2026, 8, 1))  # three months before: counts
    r.family(a, 2, r.person(a, "1980-01-01"),
             r.person(a, "1985-07-07", "P", relation="wife", pregnant=True),
             r.person(a, "2012-03-01", relation="child", school="not_attending"))
    at(dt.date(2026, 10, 1))
    r.family(BANJAREJO, 4, r.person(BANJAREJO, "1990-09-09", "P", pregnant=True))
    at(DAY)
    r.family(a, 1, r.person(a, "1960-05-01"), r.person(a, "1965-05-01", "P", relation="wife"))
    r.family(a, 3, r.person(a, "1975-01-01", disability="physical", disability_severity="berat"),
             r.person(a, "2010-01-10", relation="child", school="finished",
                      school_level="smp_mts"))  # sixteen, not going on: out of school
    fifth = r.family(a, 5, r.person(a, "1950-01-01"),
                     r.person(a, "1970-01-01", "P", relation="wife", disability="sensory_sight",
                              disability_severity="ringan"),
                     r.person(a, "2009-03-03", relation="child", school="finished",
                              school_level="sma_smk_ma"), period="2025-Q2")
    head = next(m for m in fifth.members if m.relation == "head")
    whereabouts.record_death(session, koordinator, head.id, "2026-01-01")  # 76, but dead
    moved = r.family(a, 2, r.person(a, "1955-01-01"))
    entry.update_household(session, koordinator, moved.id, {
        "kk_number": moved.kk_number, "region_code": a, "status": "moved"})
    r.family(BANJAREJO, 2, r.person(BANJAREJO, "1985-01-01"),
             r.person(BANJAREJO, "1955-02-02", relation="parent", presence="moved"),
             r.person(BANJAREJO, "2015-01-01", relation="child"))  # school unknown
    r.family(PAGAK_DESA, 1, r.person(PAGAK_DESA, "1940-01-01"))


def figures(desa: needs.DesaNeeds) -> tuple[Any, ...]:
    return (desa.code, desa.families, desa.desil, desa.desil_period, desa.elderly,
            desa.disability, desa.severe_disability, desa.out_of_school, desa.pregnant)


def test_the_figures_per_desa_are_the_hand_counted_ones(
        session: Session, people: dict[str, User]) -> None:
    koordinator = people["koordinator"]
    hand_counted(session, koordinator)
    fresh(session)
    found = needs.needs_by_desa(session, koordinator, "35.07.01", day=DAY)
    bands = dict.fromkeys(needs.DESIL_BANDS, 0)
    assert [figures(d) for d in found] == [
        (TULUNGREJO, 5, {**bands, "1": 1, "2": 1, "3": 1, "5+": 1, "unknown": 1},
         "2025-Q2 – 2025-Q3", 1, 2, 1, 2, 1),
        (BANJAREJO, 2, {**bands, "2": 1, "4": 1}, "2025-Q3", 0, 0, 0, 0, 1),
    ]
    assert [d.name for d in found] == ["Tulungrejo", "Banjarejo"]
    assert found[0].shares() == {
        "share_desil_1_2_pct": 40.0, "share_elderly_pct": 20.0, "share_disability_pct": 40.0,
        "share_severe_disability_pct": 20.0, "share_out_of_school_pct": 40.0,
        "share_pregnant_pct": 20.0}
    assert found[1].share("desil_1_2") == 50.0 and found[1].share("pregnant") == 50.0
    # the chosen desa only (one without families too); a code outside the area is dropped
    chosen = needs.needs_by_desa(session, koordinator, "35.07.01",
                                 [TEMPURSARI, BANJAREJO, PAGAK_DESA], day=DAY)
    assert [(d.code, d.name, d.families) for d in chosen] == [
        (BANJAREJO, "Banjarejo", 2), (TEMPURSARI, "Tempursari", 0)]
    # the kabupaten holds Pagak's family too; a user of the kecamatan does not see it
    kabupaten = needs.needs_by_desa(session, koordinator, "35.07", day=DAY)
    assert [d.code for d in kabupaten] == [TULUNGREJO, BANJAREJO, PAGAK_DESA]
    assert kabupaten[-1].elderly == 1
    donomulyo = users.create_user(session, "donomulyo", PASSWORD, ["Koordinator"],
                                  full_name="Koordinator Donomulyo", region_code="35.07.01")
    seen = needs.needs_by_desa(session, donomulyo, "35.07", day=DAY)
    assert [d.code for d in seen] == [TULUNGREJO, BANJAREJO]
    assert needs.needs_by_desa(session, people["kota"], "35.07", day=DAY) == []
    # a day before the pregnancy of August was recorded, and before the death
    earlier = needs.needs_by_desa(session, koordinator, "35.07.01", [TULUNGREJO],
                                  day=dt.date(2025, 12, 15))
    assert (earlier[0].pregnant, earlier[0].elderly) == (1, 2)


def take_assessment(session: Session, people: dict[str, User], program: Instance,
                    villages: list[str], in_need: int) -> dict[str, Any]:
    """The assessment taken with the registry's count of families; the data the plan
    step then holds (the priority decided)."""
    (task,) = programs.open_tasks(session, program)
    completion.complete_task(session, people["koordinator"], task.id, {
        "assessment_date": DAY.isoformat(), "villages": villages, "households_total": None,
        "hh_in_need": in_need, "hh_food_insecure": 0, "notes": ""})
    fresh(session)
    (plan,) = programs.open_tasks(session, program)
    return task_data(session, task_head(session, people["koordinator"], plan.id))


def test_a_big_village_and_a_small_one_with_the_same_shares_get_the_same_priority(
        session: Session, people: dict[str, User]) -> None:
    r = Registry(session, people["koordinator"])
    at(DAY)
    for desa, families in ((TULUNGREJO, 5), (BANJAREJO, 50)):
        for n in range(families):  # two in five in desil 1-2, the others in desil 7
            r.family(desa, 2 if n % 5 < 2 else 7, r.person(desa, "1980-01-01"))
    small = program_at(session, people, "needs_assessment", "Desa kecil")
    big = program_at(session, people, "needs_assessment", "Desa besar")
    decided = [take_assessment(session, people, small, [TULUNGREJO], 1),
               take_assessment(session, people, big, [BANJAREJO], 10)]
    for data, families in zip(decided, (5, 50), strict=True):
        assert data["registry_families"] == data["households_total"] == families
        assert (data["share_desil_1_2_pct"], data["need_rate_pct"]) == (40.0, 20.0)
    assert decided[0]["priority"] == decided[1]["priority"] == "tinggi"
    assert decided[0]["priority_reason"] == decided[1]["priority_reason"]
    assert "desil 1–2" in decided[0]["priority_reason"]
    assert decided[0]["village_names"] == "Tulungrejo"


def test_the_step_page_shows_the_figures_and_takes_them_on_submit(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    with client.application.app_context():
        hand_counted(session, people["koordinator"])
    at(DAY)
    program = program_at(session, people, "needs_assessment")
    (task,) = programs.open_tasks(session, program)
    login(client, "koordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="needs-panel"' in page and "Tulungrejo" in page and "Banjarejo" in page
    assert f'value="{TEMPURSARI}"' in page  # every desa of the area may be chosen
    assert PAGAK_DESA not in page  # another kecamatan: neither counted nor offered
    token = csrf_token(client, f"/tasks/{task.id}")
    typed = {"csrf_token": token, "assessment_date": DAY.isoformat(), "households_total": "",
             "hh_in_need": "3", "hh_food_insecure": "1", "notes": "Gagal panen di Krajan."}
    outside = client.post(f"/tasks/{task.id}", data={**typed, "villages": [PAGAK_DESA]})
    assert outside.status_code == 422
    done = client.post(f"/tasks/{task.id}", data={**typed,
                                                  "villages": [TULUNGREJO, BANJAREJO]})
    assert done.status_code == 303
    fresh(session)
    event = session.scalars(sa.select(Event).where(Event.action == "task.completed",
                                                   Event.human_task_id == task.id)).one()
    data = event.data["data"]
    assert data["villages"] == [TULUNGREJO, BANJAREJO]
    assert data["village_names"] == "Tulungrejo, Banjarejo"
    assert (data["registry_families"], data["households_total"]) == (7, 7)
    assert (data["families_desil_1"], data["families_desil_2"]) == (1, 2)
    assert data["share_desil_1_2_pct"] == round(100 * 3 / 7, 1)
    assert data["share_pregnant_pct"] == round(100 * 2 / 7, 1)
    assert (data["need_rate_pct"], data["food_insecure_pct"]) == (42.9, 14.3)
    assert data["registry_as_of"] == DAY.isoformat()


@pytest.mark.browser
def test_the_panel_reads_on_a_phone(browser: Any, live_server: str, app: Flask,
                                    session: Session, people: dict[str, User]) -> None:
    with app.app_context():
        hand_counted(session, people["koordinator"])
    at(DAY)
    program = program_at(session, people, "needs_assessment")
    (task,) = programs.open_tasks(session, program)
    page = sign_in(browser, live_server, "koordinator", 390, 800)
    page.goto(f"{live_server}/tasks/{task.id}")
    panel = page.locator("#needs-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("tbody tr")).to_have_count(2)
    expect(panel).to_contain_text("Tulungrejo")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391  # no sideways page
    box = page.locator(".needs-scroll")
    assert box.evaluate("(e) => e.scrollWidth > e.clientWidth")  # the table scrolls inside
    page.check(f"input[name=villages][value='{TULUNGREJO}']")
    screenshot(page, "needs-assessment-phone")
