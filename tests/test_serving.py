"""Serving in production: gunicorn with the health endpoint and timed request logs, the
client's address behind a reverse proxy, and sign-in counters shared by several hosts."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD, csrf_token, make_test_app

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SIMPUL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_health_answers_without_a_session(client: Any) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_health_says_when_the_database_is_down(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path}/missing/folder/simpul.sqlite3")
    response = app.test_client().get("/health")
    assert response.status_code == 503 and response.get_json()["database"] == "down"


def test_a_page_says_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    """Not a 500: a translated 503 that says what happened and to send again later."""
    app = make_test_app(f"sqlite:///{tmp_path}/missing/folder/simpul.sqlite3")
    client = app.test_client()
    response = client.post("/login", data={"username": "koordinator", "password": "x" * 12,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Basis data tidak dapat dijangkau" in response.get_data(as_text=True)


def sign_in(client: Any, username: str, password: str, address: str) -> int:
    headers = {"X-Forwarded-For": address}
    token = csrf_token(client)
    return int(client.post("/login", data={"username": username, "password": password,
                                            "csrf_token": token}, headers=headers).status_code)


def test_behind_a_proxy_each_client_address_is_counted_apart(database_url: str, app: Flask
                                                              ) -> None:
    proxied = make_test_app(database_url, PROXY_FIX=1, LOGIN_FAILURES_PER_ADDRESS="2 per hour",
                            LOGIN_FAILURES_PER_ACCOUNT="100 per hour")
    client = proxied.test_client()
    assert [sign_in(client, f"x{n}", "salah-salah-1", "10.0.0.7") for n in range(3)] == \
        [401, 401, 429]
    assert sign_in(client, "koordinator", PASSWORD, "10.0.0.8") == 303  # another office
    proxied.extensions["simpul_engine"].dispose()


def redis_or_skip() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis here
        if os.environ.get("SIMPUL_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip("Redis is not running")
    return REDIS_URL


def test_two_hosts_share_the_sign_in_counters_through_redis(database_url: str, app: Flask
                                                            ) -> None:
    url = redis_or_skip()
    settings = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": secrets.token_hex(6),
                "LOGIN_FAILURES_PER_ACCOUNT": "3 per hour",
                "LOGIN_FAILURES_PER_ADDRESS": "100 per hour"}
    first, second = (make_test_app(database_url, **settings) for _ in range(2))
    one, two = first.test_client(), second.test_client()
    assert sign_in(one, "koordinator", "salah-salah-1", "?") == 401
    assert sign_in(two, "koordinator", "salah-salah-1", "?") == 401
    assert sign_in(one, "koordinator", "salah-salah-1", "?") == 401
    assert sign_in(two, "koordinator", PASSWORD, "?") == 429  # counted on both hosts
    for served in (first, second):
        served.extensions["simpul_engine"].dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch_until_answered(server: subprocess.Popen[str], url: str, seconds: float,
                         headers: bool = False) -> str:
    """The body (or the headers) of a 200 answer, retrying failed requests until the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        assert server.poll() is None, "the server stopped"
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                assert response.status == 200
                return str(response.headers) if headers else str(response.read().decode())
        except OSError:  # URLError, ConnectionError, TimeoutError
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_serves_the_app_with_health_and_timed_logs(database_url: str, app: Flask
                                                             ) -> None:
    port = free_port()
    env = dict(os.environ, SIMPUL_DATABASE_URL=database_url, SIMPUL_SECRET_KEY="s" * 48,
               SIMPUL_BIND=f"127.0.0.1:{port}", SIMPUL_WORKERS="2", SIMPUL_THREADS="2")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "webapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        # gunicorn and its workers may take long to start on a busy machine: retry any refused,
        # reset or timed-out request (all OSError) until a generous deadline
        health = fetch_until_answered(server, f"http://127.0.0.1:{port}/health", seconds=120)
        assert '"status":"ok"' in health.replace(" ", "")
        page = fetch_until_answered(server, f"http://127.0.0.1:{port}/login?q=3507011203850001",
                                    seconds=60, headers=True)
        assert "Server-Timing" in page
    finally:
        server.send_signal(signal.SIGTERM)
        log, _ = server.communicate(timeout=30)
    assert server.returncode == 0, log
    assert '"GET /health HTTP/1.1" 200' in log and "ms" in log
    assert "3507********0001" in log and "3507011203850001" not in log
