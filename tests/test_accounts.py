"""Sessions, sign-in limits, passwords, secret keys and partners: what people and attackers hit."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token, login, make_test_app
from webapp import create_app
from webapp.models import Partner, User
from webapp.services.accounts import users


def sign_in(client: FlaskClient, username: str, password: str) -> Any:
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def test_signing_out_makes_the_old_cookie_useless(client: FlaskClient) -> None:
    login(client, "koordinator")
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get("/").status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.set_cookie("session", cookie.value)  # replayed, as a thief would
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def strict(database_url: str) -> Any:
    app = make_test_app(database_url, LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes",
                        LOGIN_FAILURES_PER_ADDRESS="8 per 15 minutes")
    yield app
    app.extensions["simpul_engine"].dispose()


def test_one_persons_wrong_passwords_do_not_lock_out_the_office(
        app: Flask, strict: Flask) -> None:
    client = strict.test_client()
    codes = [sign_in(client, "koordinator", "salah-salah-salah").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    locked = sign_in(client, "Koordinator ", PASSWORD)  # even the right password waits now
    page = locked.get_data(as_text=True)
    assert locked.status_code == 429 and "Coba lagi dalam" in page
    assert 'value="Koordinator "' in page or 'value="Koordinator"' in page  # the form is kept
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    colleague = strict.test_client()  # same office address, another person
    assert sign_in(colleague, "supervisor", PASSWORD).status_code == 303


def test_many_accounts_tried_from_one_address_are_stopped(app: Flask, strict: Flask) -> None:
    client = strict.test_client()
    for number in range(8):
        assert sign_in(client, f"tebak{number}", "salah-salah-salah").status_code == 401
    assert sign_in(client, "supervisor", PASSWORD).status_code == 429


def test_signing_in_clears_the_accounts_earlier_failures(app: Flask, strict: Flask) -> None:
    client = strict.test_client()
    for _ in range(2):
        assert sign_in(client, "koordinator", "salah-salah-salah").status_code == 401
    assert sign_in(client, "koordinator", PASSWORD).status_code == 303
    other = strict.test_client()
    for _ in range(2):
        assert sign_in(other, "koordinator", "salah-salah-salah").status_code == 401
    assert sign_in(other, "koordinator", PASSWORD).status_code == 303


@pytest.mark.parametrize("weak", ["1234567890", "password12", "qwertyuiop", "koordinator2026",
                                  "indonesia1945"])
def test_weak_passwords_are_refused(session: Session, weak: str) -> None:
    with pytest.raises(users.InvalidInput, match="too easy"):
        users.create_user(session, "baru", weak, ["Koordinator"])
    session.rollback()


@pytest.mark.parametrize("own", ["WatiSusanti2026", "Wati Susanti 2026!", "susanti.wati.1990"])
def test_a_password_made_of_the_persons_name_is_refused(session: Session, own: str) -> None:
    with pytest.raises(users.InvalidInput, match="too easy"):
        users.create_user(session, "wati", own, ["Koordinator"], full_name="Wati Susanti")
    session.rollback()
    assert users.create_user(session, "wati", "wati-suka-kopi-tubruk", ["Koordinator"],
                             full_name="Wati Susanti").username == "wati"


def test_people_change_their_own_password(app: Flask, client: FlaskClient) -> None:
    login(client, "koordinator")
    elsewhere = app.test_client()
    login(elsewhere, "koordinator")
    page = client.get("/account/password")
    assert page.status_code == 200 and "Ganti kata sandi" in page.get_data(as_text=True)

    def change(current: str, new: str, again: str | None = None) -> Any:
        return client.post("/account/password", data={
            "current": current, "new": new, "again": new if again is None else again,
            "csrf_token": csrf_token(client, "/account/password")})

    wrong = change("bukan-sandi-saya", "kopi-tubruk-pagi-hari")
    assert wrong.status_code == 422 and "salah" in wrong.get_data(as_text=True)
    weak = change(PASSWORD, "password12")
    assert weak.status_code == 422 and "mudah ditebak" in weak.get_data(as_text=True)
    differ = change(PASSWORD, "kopi-tubruk-pagi-hari", "kopi-tubruk-sore-hari")
    assert differ.status_code == 422 and "berbeda" in differ.get_data(as_text=True)
    done = change(PASSWORD, "kopi-tubruk-pagi-hari")
    assert done.status_code == 303
    assert client.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one ended
    fresh = app.test_client()
    assert sign_in(fresh, "koordinator", PASSWORD).status_code == 401
    assert sign_in(fresh, "koordinator", "kopi-tubruk-pagi-hari").status_code == 303


@pytest.mark.parametrize("secret", ["test-secret", "simpul-development-only", "pendek",
                                    "changeme"])
def test_production_refuses_short_or_known_secret_keys(database_url: str, secret: str) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": secret})


def test_a_testing_environment_cannot_be_chosen_from_outside(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMPUL_ENV", "testing")
    with pytest.raises(RuntimeError, match="test suite"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.setenv("SIMPUL_ENV", "staging")
    with pytest.raises(RuntimeError, match="SIMPUL_ENV"):
        create_app({"DATABASE_URL": database_url})


def partner_form(client: FlaskClient, **values: str) -> dict[str, str]:
    data = {"name": "Karang Taruna Tulungrejo", "kind": "community", "region": "35.07.01",
            "contact_name": "Pak Darto", "phone": "0812-3456-7890",
            "email": "kt.tulungrejo@contoh.id", "notes": "", "is_active": "y",
            "csrf_token": csrf_token(client, "/admin/partners")}
    data.update(values)
    return data


def test_a_new_partner_is_active_and_listed(
        login_as: Any, session: Session) -> None:
    client = login_as("admin")
    page = client.get("/admin/partners").get_data(as_text=True)
    (box,) = re.findall(r'<input[^>]*name="is_active"[^>]*>', page)
    assert "checked" in box  # a new partner is active unless unticked
    response = client.post("/admin/partners", data=partner_form(client))
    assert response.status_code == 303
    partner = session.scalars(sa.select(Partner)).one()
    assert partner.is_active and partner.phone == "+62 812-3456-7890"
    assert "Karang Taruna Tulungrejo" in client.get("/admin/partners").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "bukan surel", "alamat surel"),
    ("email", "a@b", "alamat surel"),
    ("phone", "12345", "nomor telepon"),
    ("phone", "<script>alert(1)</script>", "nomor telepon"),
])
def test_partner_contacts_are_checked(login_as: Any, session: Session, field: str, value: str,
                                      message: str) -> None:
    client = login_as("admin")
    response = client.post("/admin/partners", data=partner_form(client, **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).lower()
    assert session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 0


def test_a_regional_admin_cannot_open_another_regions_partner(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    users.create_user(session, "admin_kota", PASSWORD, ["Admin"], role="admin",
                      region_code="35.73")
    elsewhere = Partner(name="Yayasan Kabupaten", kind="ngo", region_code="35.07.01")
    session.add(elsewhere)
    session.commit()
    client = app.test_client()
    login(client, "admin_kota")
    assert client.get(f"/admin/partners/{elsewhere.id}").status_code == 404
    token = csrf_token(client, "/admin/partners")
    changed = client.post(f"/admin/partners/{elsewhere.id}", data={
        "name": "Diubah", "kind": "ngo", "region": "35.73", "csrf_token": token})
    assert changed.status_code == 404
    session.expire_all()
    assert session.get(Partner, elsewhere.id).name == "Yayasan Kabupaten"  # type: ignore[union-attr]


def test_user_mail_addresses_are_checked(login_as: Any) -> None:
    client = login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "baru", "full_name": "Orang Baru", "email": "tidak-valid", "role":
        "coordinator", "groups": "Koordinator", "region": "35.07",
        "csrf_token": csrf_token(client, "/admin/users/new")})
    assert response.status_code == 422 and "alamat surel" in response.get_data(as_text=True)
