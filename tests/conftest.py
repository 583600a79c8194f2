"""Fixtures: an app on a clean database per test, on SQLite and (when configured) PostgreSQL.

Set SIMPUL_TEST_POSTGRES_URL to run every database test on PostgreSQL too; CI sets it together
with SIMPUL_REQUIRE_POSTGRES=1 so a missing server fails instead of skipping.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.db import Base, make_engine, make_session_factory
from webapp.migrate import upgrade_database
from webapp.models import User
from webapp.services.accounts import regions, users
from webapp.services.diagrams import deployment

pytest_plugins = ["tests.browser"]

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("SIMPUL_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("SIMPUL_REQUIRE_POSTGRES") == "1"
PASSWORD = "rahasia-sekali-123"
# (username, role, groups, region)
TEST_USERS = [
    ("koordinator", "coordinator", ["Koordinator"], "35.07"),
    ("koordinator2", "coordinator", ["Koordinator"], "35.07"),
    ("supervisor", "supervisor", ["Supervisor"], "35.07"),
    ("supervisor2", "supervisor", ["Supervisor"], "35.07"),
    ("kota", "coordinator", ["Koordinator"], "35.73"),
    ("mitra", "coordinator", ["Mitra"], "35.07"),
    ("kabid", "supervisor", ["Kepala Bidang"], "35.07"),
    ("admin", "admin", ["Admin"], None),
]
GROUPS = [("Koordinator", ""), ("Supervisor", ""), ("Kepala Bidang", ""), ("Admin", ""),
          ("Mitra", "")]


def _backends() -> list[Any]:
    params: list[Any] = ["sqlite"]
    if POSTGRES_URL:
        params.append("postgresql")
    elif REQUIRE_POSTGRES:
        raise RuntimeError("SIMPUL_REQUIRE_POSTGRES=1 but SIMPUL_TEST_POSTGRES_URL is not set")
    return params


@pytest.fixture(scope="session", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for the whole session (one per backend), holding the shipped national
    region table: loaded once here, kept by ``wipe``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'simpul.sqlite3'}"
    else:
        url = POSTGRES_URL
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    upgrade_database(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    regions.load_region_file(session)
    session.close()
    engine.dispose()
    return url


def wipe(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "region"]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")
    engine.dispose()


def make_test_app(url: str, **extra: Any) -> Flask:
    config = {"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "PASSWORD_HASH_PROFILE": "CHEAPEST",
              "LOGIN_FAILURES_PER_ACCOUNT": "1000 per minute",
              "LOGIN_FAILURES_PER_ADDRESS": "1000 per minute"}
    config.update(extra)
    return create_app(config)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on a database holding base groups, every region, users and shipped diagrams."""
    wipe(database_url)
    application = make_test_app(database_url)
    session = application.extensions["simpul_sessions"]()
    users.ensure_groups(session, GROUPS)
    for username, role, groups, region in TEST_USERS:
        users.create_user(session, username, PASSWORD, groups, role=role,
                          full_name=username.title(), region_code=region)
    deployment.deploy_shipped(session, ROOT / "workflows")
    session.close()
    yield application
    application.extensions["simpul_engine"].dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    factory = make_session_factory(app.extensions["simpul_engine"])
    s = factory()
    yield s
    s.close()


@pytest.fixture
def people(session: sa.orm.Session) -> dict[str, User]:
    return {u.username: u for u in session.scalars(sa.select(User))}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def signed_in_opener(base: str, username: str) -> Any:
    """A urllib opener signed in to a live server (with its cookies), as a browser would be."""
    import urllib.parse
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(f"{base}/login").read().decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=body).read()
    return opener


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    """Log the test client in as one of the test users."""

    def _login(username: str) -> FlaskClient:
        login(client, username)
        return client

    return _login


@pytest.fixture(autouse=True)
def real_clock() -> Iterator[None]:
    """Every test starts and ends on the real clock (some set it to test deadlines)."""
    from webapp import clock

    clock.reset()
    yield
    clock.reset()
