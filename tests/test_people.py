"""The admin's people pages: users, groups, partners, regions."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token, login
from tests.program_data import fresh
from webapp.models import Group, Partner, User
from webapp.services.accounts import people as people_admin
from webapp.services.accounts import users
from webapp.services.errors import Conflict, Forbidden

PASSWORD_RE = re.compile(r'id="new-password">([^<]+)<')


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/groups",
                                  "/admin/partners", "/admin/regions?q=35"])
def test_people_pages_are_for_admins_only(login_as: Any, path: str) -> None:
    assert login_as("supervisor").get(path).status_code == 403


def test_an_admin_creates_a_user_who_can_then_sign_in(app: Flask, login_as: Any,
                                                      session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "Siti.Rahma", "full_name": "Siti Rahma",
        "email": "siti@example.org", "role": "coordinator", "groups": ["Koordinator"],
        "region": "35.07.01"})
    assert response.status_code == 200
    password = PASSWORD_RE.search(response.get_data(as_text=True))
    assert password is not None
    fresh(session)
    created = session.scalars(sa.select(User).where(User.username == "siti.rahma")).one()
    assert created.region_code == "35.07.01" and created.group_names == {"Koordinator"}
    newcomer = app.test_client()
    login(newcomer, "siti.rahma", password.group(1))
    assert newcomer.get("/").status_code == 200


def test_deactivating_or_regrouping_a_user_ends_their_sessions(
        app: Flask, login_as: Any, session: Session, people: dict[str, User]) -> None:
    coordinator = app.test_client()
    login(coordinator, "koordinator")
    assert coordinator.get("/").status_code == 200
    admin = login_as("admin")
    target = people["koordinator"]
    token = csrf_token(admin, f"/admin/users/{target.id}")
    response = admin.post(f"/admin/users/{target.id}", data={
        "csrf_token": token, "full_name": "Koordinator", "email": "", "role": "coordinator",
        "groups": ["Koordinator", "Mitra"], "region": "35.07", "is_active": "y"})
    assert response.status_code == 303
    assert coordinator.get("/").status_code == 302  # signed out: back to the login page
    login(coordinator, "koordinator")
    response = admin.post(f"/admin/users/{target.id}", data={
        "csrf_token": token, "full_name": "Koordinator", "email": "", "role": "coordinator",
        "groups": ["Koordinator"], "region": "35.07"})  # is_active unticked
    assert response.status_code == 303
    assert coordinator.get("/").status_code == 302
    fresh(session)
    assert users.authenticate(session, "koordinator", PASSWORD) is None


def test_admins_cannot_lock_themselves_out_or_reach_beyond_their_region(
        session: Session, people: dict[str, User]) -> None:
    admin = people["admin"]
    with pytest.raises(Conflict):
        people_admin.update_user(session, admin, admin.id, full_name="A", email="", role="admin",
                           groups=["Admin"], region_code=None, is_active=False)
    fresh(session)
    regional = users.create_user(session, "admin.malang", PASSWORD, ["Admin"], role="admin",
                                 region_code="35.07")
    with pytest.raises(Forbidden):
        people_admin.update_user(session, regional, people_id(session, "koordinator"),
                           full_name="K", email="", role="coordinator", groups=["Koordinator"],
                           region_code="35.73", is_active=True)
    fresh(session)
    listed = {u.username for u in people_admin.list_users(session, regional).items}
    assert "koordinator" in listed and "kota" not in listed and "admin" not in listed


def people_id(session: Session, username: str) -> int:
    return int(session.scalars(sa.select(User.id).where(User.username == username)).one())


def test_groups_are_created_once_with_a_clean_name(login_as: Any, session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/groups")
    assert client.post("/admin/groups", data={"csrf_token": token, "name": "Pendamping PKH",
                                              "description": "Pendamping lapangan"}
                       ).status_code == 303
    again = client.post("/admin/groups", data={"csrf_token": token, "name": "pendamping pkh"})
    assert again.status_code == 422
    bad = client.post("/admin/groups", data={"csrf_token": token, "name": "<b>x</b>"})
    assert bad.status_code == 422
    fresh(session)
    names = set(session.scalars(sa.select(Group.name)))
    assert "Pendamping PKH" in names and "<b>x</b>" not in names


def test_partners_are_listed_escaped_and_can_be_deactivated(login_as: Any,
                                                            session: Session) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/admin/partners")
    response = client.post("/admin/partners", data={
        "csrf_token": token, "name": "Yayasan <script>alert(1)</script>", "kind": "ngo",
        "region": "35.07", "contact_name": "Bu Ani", "phone": "0812-3456-7890", "email": "",
        "notes": "", "is_active": "y"})
    assert response.status_code == 303
    page = client.get("/admin/partners").get_data(as_text=True)
    assert "Yayasan &lt;script&gt;" in page and "<script>alert(1)" not in page
    fresh(session)
    partner = session.scalars(sa.select(Partner)).one()
    client.post(f"/admin/partners/{partner.id}", data={
        "csrf_token": token, "name": partner.name, "kind": "ngo", "region": "35.07",
        "contact_name": "", "phone": "", "email": "", "notes": ""})
    listing = client.get("/admin/partners").get_data(as_text=True)
    assert 'id="partners"' not in listing  # the only partner is inactive now
    listing = client.get("/admin/partners?inactive=1").get_data(as_text=True)
    assert 'class="inactive"' in listing and "Yayasan &lt;script&gt;" in listing
    refused = client.post("/admin/partners", data={
        "csrf_token": token, "name": "Dinas X", "kind": "ngo", "region": "99.99"})
    assert refused.status_code == 422


def test_regions_are_found_by_name_or_code(login_as: Any) -> None:
    client = login_as("admin")
    assert "35.07.01" in client.get("/admin/regions?q=donomulyo").get_data(as_text=True)
    assert "Pagak" in client.get("/admin/regions?q=35.07").get_data(as_text=True)
