"""A role or duty refusal is a 403 with the translated error page saying why, on every route:
never a redirect with a flash (303) or a form error (422). Each route is requested as someone
without the right, with data good enough to pass the form, so the role is what refuses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token, login
from tests.program_data import fresh, own_plan_at_approval
from tests.test_registry_import import GOOD, imported_plan_at_approval
from webapp.models import Enrolment, Group, Household, Person, RegistryImport, User
from webapp.services.accounts import users

NOT_ALLOWED = "Anda tidak berwenang melakukan ini."  # "You may not do this."
OVERSEERS_ONLY = "Hanya supervisor dan administrator yang boleh melakukan ini."
EDITORS_ONLY = "Hanya koordinator dan supervisor yang dapat mengubah registri."


@dataclass
class Desk:
    """Real objects for every id a route takes."""

    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def desk(session: Session, people: dict[str, User]) -> Desk:
    _made, program, _plan, approval = imported_plan_at_approval(
        session, people, [list(r) for r in GOOD])
    household = session.scalars(sa.select(Household.id).order_by(Household.id)).first()
    person = session.scalars(sa.select(Person.id).order_by(Person.id)).first()
    enrolment = session.scalars(sa.select(Enrolment.id).where(
        Enrolment.instance_id == program.id)).first()
    group = session.scalars(sa.select(Group.id)).first()
    imported = session.scalars(sa.select(RegistryImport.id)).first()
    assert None not in (household, person, enrolment, group, imported)
    return Desk({"instance_id": program.id, "task_id": approval.id, "household_id": household,
                 "person_id": person, "enrolment_id": enrolment, "group_id": group,
                 "import_id": imported, "user_id": people["koordinator2"].id,
                 "partner_id": 1, "incident_id": 1, "number": 1, "attachment_id": 1,
                 "filter_id": 1, "notification_id": 1})  # type: ignore[dict-item]


def fill(rule: str, desk: Desk) -> str:
    path = re.sub(r"<int:(\w+)>", lambda m: str(desk.ids[m.group(1)]), rule)
    return re.sub(r"<(\w+)>", lambda m: {"key": "program_cycle", "kind": "bpmn",
                                         "fmt": "csv"}[m.group(1)], path)


def refused(response: Any, reason: str) -> None:
    """A 403 whose page says why, in Indonesian."""
    body = response.get_data(as_text=True)
    assert response.status_code == 403, (response.status_code, body[:300])
    assert f"<h1>{reason}</h1>" in body, body[:2000]


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/admin")
                  for method in rule.methods or () if method in ("GET", "POST"))


def test_every_admin_route_refuses_coordinators_and_supervisors(
        app: Flask, desk: Desk) -> None:
    routes = admin_routes(app)
    assert len(routes) > 30  # every page and action of the admin area, taken from the app
    for who in ("koordinator", "supervisor"):
        client = app.test_client()
        login(client, who)
        token = csrf_token(client, "/")
        for method, rule in routes:
            path = fill(rule, desk)
            data = {"csrf_token": token, "comment": "uji", "action": "suspend",
                    "reason": "Pemeriksaan lapangan", "name": "Kelompok Baru"}
            response = client.open(path, method=method, data=data if method == "POST" else None)
            refused(response, NOT_ALLOWED)


@pytest.mark.parametrize("form", [
    {"action": "reassign", "person": "koordinator2"},
    {"action": "priority", "priority": "2"},
    {"action": "reassign"},  # nothing ticked and nobody chosen: still the role that refuses
])
def test_a_coordinator_cannot_reassign_or_prioritise(
        login_as: Any, desk: Desk, people: dict[str, User], form: dict[str, str]) -> None:
    client = login_as("koordinator")
    data: dict[str, Any] = {"csrf_token": csrf_token(client, "/"), **form}
    if form.get("person"):
        data["person"] = str(people[form["person"]].id)
        data["task"] = [str(desk.ids["task_id"])]
    refused(client.post("/inbox/bulk", data=data), OVERSEERS_ONLY)


def test_an_admin_who_cannot_edit_the_registry_is_refused_on_every_edit_route(
        login_as: Any, desk: Desk) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/")
    household, person = desk.ids["household_id"], desk.ids["person_id"]
    for path in ("/registry/households/new", f"/registry/households/{household}/edit",
                 f"/registry/households/{household}/members/new",
                 f"/registry/households/{household}/members/{person}"):
        refused(client.get(path), NOT_ALLOWED)
        refused(client.post(path, data={"csrf_token": token}), NOT_ALLOWED)
    refused(client.post("/registry/imports", data={"csrf_token": token}), NOT_ALLOWED)
    # the service's refusal, a flash and a 303 before, is a 403 that says why
    for step in ("mapping", "confirm", "cancel"):
        refused(client.post(f"/registry/imports/{desk.ids['import_id']}/{step}",
                            data={"csrf_token": token}), EDITORS_ONLY)
    for sent in ({"target": "3507010101190001", "relation": "child", "reason": "Pindah"},
                 {}):  # a full form or an empty one: the role refuses either
        refused(client.post(f"/registry/people/{person}/move",
                            data={"csrf_token": token, **sent}), EDITORS_ONLY)
    for reveal in (f"/registry/people/{person}/reveal",
                   f"/registry/households/{household}/reveal"):
        refused(client.post(reveal, data={"csrf_token": token}),
                "Peran Anda tidak dapat melihat NIK dan nomor KK lengkap.")


def test_an_admin_cannot_change_a_recipient_list(login_as: Any, desk: Desk) -> None:
    client = login_as("admin")
    token = csrf_token(client, "/")
    base = f"/programs/{desk.ids['instance_id']}/recipients"
    enrolment = desk.ids["enrolment_id"]
    for path, data in ((f"{base}/add", {}), (f"{base}/{enrolment}/remove", {}),
                       (f"{base}/{enrolment}/status", {"status": "excluded",
                                                       "reason": "Pindah domisili"}),
                       (f"{base}/clear", {})):
        response = client.post(path, data={"csrf_token": token, **data})
        refused(response, EDITORS_ONLY)


def test_the_author_of_a_step_cannot_claim_its_approval(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    dual, approval = own_plan_at_approval(session)
    login(client, "dual")
    token = csrf_token(client, f"/tasks/{approval.id}")
    response = client.post(f"/tasks/{approval.id}/claim", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Perencanaan Program" in response.get_data(as_text=True)
    # asked by htmx (a boosted form), the page's main part takes the refusal's place
    boosted = client.post(f"/tasks/{approval.id}/claim", data={"csrf_token": token},
                          headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 403
    assert (boosted.headers["HX-Retarget"], boosted.headers["HX-Reselect"]) == ("#main", "#main")


def test_a_regional_admin_cannot_create_a_user_outside_the_region(
        client: FlaskClient, session: Session) -> None:
    users.create_user(session, "admin.kota", PASSWORD, ["Admin"], role="admin",
                      full_name="Admin Kota", region_code="35.73")
    login(client, "admin.kota")
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_token(client, "/admin/users/new"), "username": "baru",
        "full_name": "Pengguna Baru", "email": "", "role": "coordinator",
        "groups": ["Koordinator"], "region": "35.07", "is_active": "y"})
    refused(response, "Wilayah ini di luar cakupan Anda.")
    fresh(session)
    assert session.scalar(sa.select(User).where(User.username == "baru")) is None

