"""Households through their forms in chromium (Indonesian, a phone's width), as a coordinator
enters and corrects them: the desa chosen from its kecamatan's group, the head of family, then
a correction of the desa (the desil is shown, never typed: only a DTSEN import sets it); a
member's death recorded with its own small form."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser import screenshot, sign_in
from webapp.models import Household

pytestmark = pytest.mark.browser

KK = "3507011506200003"
HEAD_NIK = "3507011203850001"


def phone(browser: Any, base: str, username: str, width: int = 390) -> Page:
    page: Page = sign_in(browser, base, username, width, 800)
    return page


def choose_desa(page: Page, select: str, kecamatan: str, desa: str) -> None:
    """Pick a desa the way a person does: under its kecamatan's heading, by its name."""
    option = page.locator(f"{select} optgroup[label='Kec. {kecamatan}'] option",
                          has_text=desa)
    expect(option).to_have_count(1)
    page.select_option(select, element=option.element_handle())


def test_a_household_is_added_and_corrected_through_its_forms(
        browser: Any, live_server: str, session: Any) -> None:
    base = live_server
    page = phone(browser, base, "koordinator")
    page.goto(f"{base}/registry/")
    page.click("text=Keluarga baru")
    expect(page.locator("h1")).to_have_text("Keluarga baru")
    desa = page.locator("#region_code")
    # every option's value is a desa code, its label the desa's name, grouped by kecamatan
    values = desa.locator("option").evaluate_all("(os) => os.map(o => o.value)")
    assert values[0] == "" and all(v.count(".") == 3 for v in values[1:]), values
    labels = desa.locator("optgroup").evaluate_all("(gs) => gs.map(g => g.label)")
    assert labels[:2] == ["Kec. Donomulyo", "Kec. Pagak"] and len(labels) == 33  # Kab. Malang
    assert "[" not in desa.inner_text()
    page.fill("#kk_number", KK)
    choose_desa(page, "#region_code", "Donomulyo", "Tulungrejo")
    page.fill("#address", "Dusun Krajan")
    page.fill("#rt", "3")
    page.fill("#rw", "1")
    expect(page.locator("#desil")).to_have_count(0)  # only a DTSEN import sets it
    page.fill("#dtsen_id", "3507010001234")
    page.fill("#head-nik", HEAD_NIK)
    page.fill("#head-full_name", "Slamet Riyadi")
    page.check("input[name=head-sex][value=L]")
    page.fill("#head-birth_place", "Malang")
    page.fill("#head-birth_date", "1985-03-12")
    screenshot(page, "household-new-phone")
    page.click("#household-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Slamet Riyadi")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".review")).to_contain_text("Tulungrejo")

    # the correction: the family lives in the Tulungrejo of Ngantang
    page.click("text=Ubah data keluarga")
    expect(page.locator("#region_code")).to_have_value("35.07.01.2001")
    expect(page.locator("#desil-note")).to_contain_text("DTSEN")
    choose_desa(page, "#region_code", "Ngantang", "Tulungrejo")
    page.click("#household-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Slamet Riyadi")
    expect(page.locator(".review")).to_contain_text("35.07.27.2011")
    screenshot(page, "household-edited-phone")
    session.rollback()
    household = session.scalars(sa.select(Household)).one()
    assert (household.kk_number, household.region_code, household.desil,
            household.dtsen_id) == (KK, "35.07.27.2011", None, "3507010001234")


def test_a_member_moves_to_a_household_found_by_name(
        browser: Any, live_server: str, session: Any, people: dict[str, Any]) -> None:
    from webapp.models import Person
    from webapp.services.registry import entry

    koordinator = people["koordinator"]
    first = entry.create_household(
        session, koordinator, {"kk_number": KK, "region_code": "35.07.01.2001"},
        {"nik": HEAD_NIK, "full_name": "Slamet Riyadi", "sex": "L",
         "birth_date": "1985-03-12"}, confirmed=True)
    siti = entry.save_member(session, koordinator, first.id, None, {
        "nik": "3507015708900002", "full_name": "Siti Aminah", "sex": "P",
        "birth_date": "1990-08-17", "relation": "child"}, confirmed=True)
    entry.create_household(
        session, koordinator, {"kk_number": "3507012001210001", "region_code": "35.07.01.2002"},
        {"nik": "3507012002800001", "full_name": "Paijo Wiryo", "sex": "L",
         "birth_date": "1980-02-20"}, confirmed=True)
    page = phone(browser, live_server, "koordinator")
    page.goto(f"{live_server}/registry/households/{first.id}")
    row = page.locator(".members .task-row", has_text="Siti Aminah")
    row.locator("details.move summary").click()
    row = row.locator("form.move-form")
    row.locator("input[name=target]").fill("paijo")
    choice = row.locator("input[name=to_household]")
    expect(choice).to_have_count(1)
    expect(row.locator(".move-choices")).to_contain_text("Paijo Wiryo")
    expect(row.locator(".move-choices")).to_contain_text("3507********0001")
    row.locator("select[name=relation]").select_option("wife")
    row.locator("input[name=reason]").fill("menikah dengan kepala keluarga")
    screenshot(page, "household-move-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Paijo Wiryo")
    expect(page.locator(".timeline")).to_contain_text("Siti Aminah")
    page.goto(f"{live_server}/registry/households/{first.id}")
    screenshot(page, "household-after-move-phone")
    moved_out = page.locator(".timeline li", has_text="Anggota pindah keluar")
    expect(moved_out).to_contain_text("Siti Aminah")
    expect(moved_out).to_contain_text("Paijo Wiryo")
    session.rollback()
    moved = session.get(Person, siti.id, populate_existing=True)
    assert moved is not None and moved.relation == "wife" and moved.household_id != first.id


def test_the_household_page_shows_its_facts_and_records_a_death(
        browser: Any, live_server: str, session: Any, people: dict[str, Any]) -> None:
    import datetime as dt

    from webapp.db import unit_of_work
    from webapp.models import HouseholdBenefit, Person
    from webapp.services.registry import entry, facts

    koordinator = people["koordinator"]
    family = entry.create_household(
        session, koordinator, {"kk_number": KK, "region_code": "35.07.01.2001"},
        {"nik": HEAD_NIK, "full_name": "Slamet Riyadi", "sex": "L",
         "birth_date": "1985-03-12", "disability": ["physical"], "disability_severity": "berat",
         "chronic_illness": True}, confirmed=True)
    siti = entry.save_member(session, koordinator, family.id, None, {
        "nik": "3507015708900002", "full_name": "Siti Aminah", "sex": "P",
        "birth_date": "1990-08-17", "relation": "wife", "pregnant": True}, confirmed=True)
    entry.save_member(session, koordinator, family.id, None, {
        "full_name": "Ahmad Dani", "sex": "L", "birth_date": "2015-01-05", "relation": "child",
        "school": "attending", "school_level": "sd_mi"}, confirmed=True)
    with unit_of_work(session):  # as a DTSEN import records them
        facts.record_desil(family, 3, "2025-Q3")
        for scheme in ("pkh", "sembako"):
            session.add(HouseholdBenefit(household_id=family.id, scheme=scheme,
                                         from_date=dt.date(2025, 7, 1), source="SIKS-NG"))
    page = phone(browser, live_server, "koordinator")
    page.goto(f"{live_server}/registry/households/{family.id}")
    expect(page.locator("#desil")).to_contain_text("Desil 3")
    expect(page.locator("#desil")).to_contain_text("DTSEN 2025-Q3")
    expect(page.locator("#benefits")).to_contain_text("PKH, Sembako")
    row = page.locator(".members .task-row", has_text="Siti Aminah")
    expect(row.locator(".pregnancy")).to_have_count(1)  # recorded today: counted
    screenshot(page, "household-facts-phone")
    row.locator("details.death summary").click()
    form = row.locator("form.death-form")
    form.locator("input[name=died_on]").fill(dt.date.today().isoformat())
    form.locator("input[name=note]").fill("Surat keterangan desa")
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".members .task-row", has_text="Siti Aminah")
           .locator("details.death")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("Surat keterangan desa")
    screenshot(page, "household-death-phone")
    session.rollback()
    died = session.get(Person, siti.id, populate_existing=True)
    assert died is not None and died.presence == "died" and died.died_on == dt.date.today()
