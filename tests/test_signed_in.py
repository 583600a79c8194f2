"""The signed-in user is kept between requests (no query for them when nobody changed), and
revocation still works at once, in every process of a real gunicorn."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, login
from tests.test_serving import free_port
from webapp.models import User
from webapp.services.accounts import people

ROOT = Path(__file__).resolve().parent.parent


def statements(app: Flask) -> list[str]:
    seen: list[str] = []
    sa.event.listen(app.extensions["simpul_engine"], "before_cursor_execute",
                    lambda *args: seen.append(str(args[2])))
    return seen


def test_a_page_asks_nothing_about_the_signed_in_user_when_nobody_changed(
        app: Flask, client: Any) -> None:
    login(client, "koordinator")
    client.get("/")
    seen = statements(app)
    assert client.get("/").status_code == 200
    asked = [s for s in seen if "FROM user_account" in s and "WHERE user_account.id" in s]
    assert seen and asked == []


def test_a_change_to_a_person_is_seen_by_the_next_request(
        app: Flask, client: Any, session: Session) -> None:
    login(client, "koordinator")
    assert client.get("/").status_code == 200
    admin = session.scalars(sa.select(User).where(User.username == "admin")).one()
    target = session.scalars(sa.select(User).where(User.username == "koordinator")).one()
    people.update_user(session, admin, target.id, full_name="Koordinator Baru", email="",
                       role="coordinator", groups=["Koordinator"], region_code="35.07",
                       is_active=False)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_display_names_follow_a_change_made_elsewhere(
        app: Flask, client: Any, session: Session) -> None:
    login(client, "koordinator")
    assert "Koordinator" in client.get("/").get_data(as_text=True)
    session.execute(sa.update(User).where(User.username == "koordinator")  # not through ORM
                    .values(full_name="Ibu Sari"))
    session.commit()
    target = session.scalars(sa.select(User).where(User.username == "koordinator")).one()
    target.email = "sari@contoh.go.id"  # an ORM change announces it
    session.commit()
    assert "Ibu Sari" in client.get("/").get_data(as_text=True)


def serve(database_url: str, workers: int) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = dict(os.environ, SIMPUL_DATABASE_URL=database_url, SIMPUL_SECRET_KEY="s" * 48,
               SIMPUL_BIND=f"127.0.0.1:{port}", SIMPUL_WORKERS=str(workers),
               SIMPUL_THREADS="1", SIMPUL_PASSWORD_HASH_PROFILE="CHEAPEST",
               SIMPUL_SESSION_COOKIE_SECURE="false", SIMPUL_ACCESS_LOG="/dev/null")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "webapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server, port
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
    raise AssertionError(server.communicate()[0])


def fetch(port: int, path: str, cookie: str, form: str | None = None) -> tuple[int, str, str]:
    """A request on a new connection (so it may reach any of gunicorn's processes)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request("POST" if form is not None else "GET", path, body=form, headers=headers)
    response = connection.getresponse()
    body = response.read().decode()
    new_cookie = next((v.split(";", 1)[0] for k, v in response.getheaders()
                       if k.lower() == "set-cookie" and v.startswith("session=")), cookie)
    connection.close()
    return response.status, body, new_cookie


def test_signing_out_ends_the_session_in_every_process_of_gunicorn(
        database_url: str, app: Flask) -> None:
    server, port = serve(database_url, workers=3)
    try:
        _, page, cookie = fetch(port, "/login", "")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token
        status, _, cookie = fetch(port, "/login", cookie, f"username=koordinator&password="
                                  f"{PASSWORD}&csrf_token={token.group(1)}")
        assert status == 303
        for _ in range(30):  # every process has read the user and keeps them
            assert fetch(port, "/", cookie)[0] == 200
        _, page, cookie = fetch(port, "/", cookie)
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page)
        assert token
        assert fetch(port, "/logout", cookie, f"csrf_token={token.group(1)}")[0] == 303
        replayed = [fetch(port, "/", cookie)[0] for _ in range(30)]
        assert replayed == [302] * 30, replayed
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)


def test_a_refused_write_does_not_break_the_kept_signed_in_user(
        app: Flask, client: Any, session: Session, people: dict[str, User]) -> None:
    """The kept user's groups stay readable after a request rolled a refused write back (they
    were expunged with the user: a rollback once expired them, and every later page of that
    person failed until someone's record changed)."""
    from tests.conftest import csrf_token
    from tests.program_data import program_at
    from webapp.services.workflow import programs

    (task,) = programs.open_tasks(session, program_at(session, people, "needs_assessment"))
    login(client, "koordinator")
    token = csrf_token(client, "/account/password")
    people["koordinator2"].full_name = "Koordinator Dua"  # someone changed: read users again
    session.commit()
    refused = client.post("/account/password", data={  # the user is read in this request
        "current": "not the password", "new": "kata sandi baru sekali", "again":
        "kata sandi baru sekali", "csrf_token": token})
    assert refused.status_code == 422
    assert client.get(f"/tasks/{task.id}").status_code == 200  # reads the user's groups
    assert client.get("/").status_code == 200
