"""Where a program can be started: a kabupaten coordinator chooses among its kabupaten and
kecamatan in one list; a user of a wide region (a province, or every region) chooses the
kabupaten/kota first and then it or one of its kecamatan, with htmx or without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token, login
from webapp.models import Instance
from webapp.services.accounts import users

OPTION = re.compile(r'<option[^>]*value="([^"]*)"')
# Kabupaten Malang and its 33 kecamatan, Kota Malang and its 5 (Kepmendagri 2025)
MALANG = ["35.07"] + [f"35.07.{n:02d}" for n in range(1, 34)]
KOTA_MALANG = ["35.73"] + [f"35.73.{n:02d}" for n in range(1, 6)]


def options(page: str, name: str) -> list[str]:
    """The values of the named drop-down's options."""
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no drop-down {name}"
    return OPTION.findall(found.group(1))


def test_a_kabupaten_coordinator_chooses_from_one_list(login_as: Any) -> None:
    page = login_as("koordinator").get("/programs/new").get_data(as_text=True)
    assert options(page, "region") == MALANG
    assert 'name="area"' not in page


def test_a_kecamatan_coordinator_starts_in_their_kecamatan(session: Session,
                                                          client: FlaskClient) -> None:
    users.create_user(session, "camat", PASSWORD, ["Koordinator"], region_code="35.07.02")
    login(client, "camat")
    page = client.get("/programs/new").get_data(as_text=True)
    assert options(page, "region") == ["35.07.02"]


def test_a_province_user_chooses_the_kabupaten_first(session: Session,
                                                     client: FlaskClient) -> None:
    users.create_user(session, "provinsi", PASSWORD, ["Koordinator"], role="supervisor",
                      region_code="35")
    login(client, "provinsi")
    page = client.get("/programs/new").get_data(as_text=True)
    areas = options(page, "area")
    assert areas[0] == "" and len(areas) == 1 + 38  # the 38 of Jawa Timur
    assert all(a.startswith("35.") for a in areas[1:]) and {"35.07", "35.73"} <= set(areas)
    assert options(page, "region") == [""]  # choose the kabupaten/kota first
    assert "<optgroup" not in page  # one province: nothing to group by


def test_without_a_region_the_kabupaten_comes_first_and_htmx_loads_its_kecamatan(
        login_as: Any, session: Session) -> None:
    client = login_as("admin")
    page = client.get("/programs/new").get_data(as_text=True)
    areas = options(page, "area")
    assert areas[0] == "" and len(areas) == 1 + 514 and "<optgroup" in page  # by province
    assert 'hx-get="/programs/new"' in page and 'hx-target="#region-field"' in page
    fragment = client.get("/programs/new?area=35.73",
                          headers={"HX-Request": "true", "HX-Target": "region-field"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert 'id="region-field"' in body and options(body, "region") == KOTA_MALANG
    token = csrf_token(client, "/programs/new")
    started = client.post("/programs/new", data={
        "csrf_token": token, "process_key": "program_cycle", "title": "Bantuan Blimbing 2027",
        "area": "35.73", "region": "35.73.01"})
    assert started.status_code == 303
    assert session.scalars(sa.select(Instance.region_code)).all() == ["35.73.01"]


def test_without_javascript_a_button_shows_the_kecamatan_and_starts_nothing(
        login_as: Any, session: Session) -> None:
    client = login_as("admin")
    page = client.get("/programs/new").get_data(as_text=True)
    assert '<noscript><button type="submit" name="show_places"' in page
    token = csrf_token(client, "/programs/new")
    shown = client.post("/programs/new", data={
        "csrf_token": token, "process_key": "program_cycle", "title": "Bantuan Pagak 2027",
        "area": "35.07", "show_places": "1"})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'class="error-summary' not in body
    assert options(body, "region") == MALANG
    assert 'value="Bantuan Pagak 2027"' in body  # what was typed stays
    assert session.scalar(sa.select(sa.func.count(Instance.id))) == 0


def test_a_kecamatan_of_another_kabupaten_than_the_chosen_one_is_refused(
        login_as: Any, session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/programs/new")
    refused = client.post("/programs/new", data={
        "csrf_token": token, "process_key": "program_cycle", "title": "Bantuan Pagak 2027",
        "area": "35.73", "region": "35.07.02"})
    assert refused.status_code == 422
    assert options(refused.get_data(as_text=True), "region") == KOTA_MALANG
    assert session.scalar(sa.select(sa.func.count(Instance.id))) == 0


def test_a_kecamatan_alone_is_enough_for_a_wide_region(login_as: Any, session: Session
                                                       ) -> None:
    """A client that sends the kecamatan without the kabupaten (as before this form had two
    steps) still starts the program there."""
    client = login_as("admin")
    token = csrf_token(client, "/programs/new")
    started = client.post("/programs/new", data={
        "csrf_token": token, "process_key": "program_cycle", "title": "Bantuan Pagak 2027",
        "region": "35.07.02"})
    assert started.status_code == 303
    assert session.scalars(sa.select(Instance.region_code)).all() == ["35.07.02"]


def test_a_coordinator_cannot_start_outside_their_kabupaten(login_as: Any,
                                                            session: Session) -> None:
    client = login_as("koordinator")
    token = csrf_token(client, "/programs/new")
    for region in ("35.73.01", "35.73", "35", "35.07.01.2001"):
        refused = client.post("/programs/new", data={
            "csrf_token": token, "process_key": "program_cycle", "title": "Bantuan di luar",
            "region": region, "area": "35.73"})
        assert refused.status_code == 422, region
    assert session.scalar(sa.select(sa.func.count(Instance.id))) == 0
