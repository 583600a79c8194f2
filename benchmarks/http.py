"""What a person's request costs on the production server: a form submit and a task page over
HTTP, each against a bare Flask route served the same way in the same run.

gunicorn serves Simpul with one process and one thread (so each figure is one request's own
time, with no queueing), on an SQLite file; the handoff process (benchmarks/handoff.bpmn) passes
work between a coordinator and a supervisor, so membership, duties and notifications run on
every step. The client keeps its connection open, as a browser does.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "kopi-tubruk-pagi-hari"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One process, one thread: a request's own time, nothing queued behind another."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
        cwd=ROOT, env=dict(os.environ, **env, SIMPUL_BIND=f"127.0.0.1:{port}",
                           SIMPUL_WORKERS="1", SIMPUL_THREADS="1", SIMPUL_ACCESS_LOG="/dev/null"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
    raise RuntimeError(f"{target} did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


class Browser:
    """One person's connection: keep-alive, the session cookie, CSRF tokens from pages."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(form) if form is not None else None
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = self.cookie
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def sign_in(self, username: str) -> None:
        _, page = self.request("GET", "/login")
        token = CSRF.search(page)
        assert token, "no CSRF token on /login"
        status, _ = self.request("POST", "/login", {"username": username, "password": PASSWORD,
                                                    "csrf_token": token.group(1)})
        assert status == 303, f"sign-in of {username} answered {status}"


def prepare(url: str, programs: int) -> list[list[tuple[str, int]]]:
    """Users, the handoff diagram and ``programs`` programs; their steps as (who, task id)."""
    sys.path.insert(0, str(ROOT))
    from webapp import engine
    from webapp.db import make_engine, make_session_factory
    from webapp.migrate import upgrade_database
    from webapp.services import deployment, instances, regions, users

    upgrade_database(url)
    session = make_session_factory(make_engine(url))()
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, [("Koordinator", ""), ("Supervisor", "")])
    regions.load_regions(session, [{"kode": "35", "nama": "Jawa Timur", "tingkat": "provinsi",
                                    "induk": ""}])
    coordinator = users.create_user(session, "koordinator", PASSWORD, ["Koordinator"],
                                    region_code="35")
    users.create_user(session, "supervisor", PASSWORD, ["Supervisor"], region_code="35")
    source = HERE / "handoff.bpmn"
    admin = users.create_user(session, "admin", PASSWORD, ["Koordinator"], role="admin")
    deployment.deploy_definitions(session, [engine.SourceFile(source.name,
                                                              source.read_bytes())],
                                  admin, comment="bench", origin="upload")
    started = [instances.start_instance(session, coordinator, "handoff", f"Program {n}", "35")
               for n in range(programs)]
    session.close()
    return [[] for _ in started]


def measure(url: str, env: dict[str, str], programs: int = 20) -> dict[str, float]:
    """Median time of a task page and of a submit, and of a bare route asked right after each
    (so a noisy neighbour slows both alike), in ms."""
    prepare(url, programs)
    port, hello_port = free_port(), free_port()
    server = gunicorn("webapp:create_app()", port, dict(env, SIMPUL_DATABASE_URL=url))
    hello = gunicorn("benchmarks.hello:app", hello_port, {})
    page_ms: list[float] = []
    submit_ms: list[float] = []
    hello_ms: list[float] = []
    try:
        bare = Browser(hello_port)
        people = {name: Browser(port) for name in ("koordinator", "supervisor")}
        for name, browser in people.items():
            browser.sign_in(name)
        for round_ in range(6):  # the six steps of every program, in turns of the two lanes
            name = "koordinator" if round_ % 2 == 0 else "supervisor"
            who = people[name]
            tab = "mine" if name == "koordinator" else "group"
            _, inbox = who.request("GET", f"/?tab={tab}&process=handoff")
            ids = [int(i) for i in re.findall(r'href="/tasks/(\d+)" class="task-name"', inbox)]
            for task_id in sorted(set(ids))[:programs]:
                began = time.perf_counter()
                status, body = who.request("GET", f"/tasks/{task_id}")
                page_ms.append((time.perf_counter() - began) * 1000)
                assert status == 200, status
                token = CSRF.search(body)
                assert token, "no CSRF token on the task page"
                began = time.perf_counter()
                status, _ = who.request("POST", f"/tasks/{task_id}",
                                        {"csrf_token": token.group(1), "note": "baik"})
                submit_ms.append((time.perf_counter() - began) * 1000)
                assert status == 303, status
                for _ in range(2):
                    began = time.perf_counter()
                    bare.request("GET", "/")
                    hello_ms.append((time.perf_counter() - began) * 1000)
    finally:
        stop(server)
        stop(hello)
    return {"http_hello_ms": statistics.median(hello_ms),
            "http_task_page_ms": statistics.median(page_ms),
            "http_submit_ms": statistics.median(submit_ms),
            "http_requests": float(len(page_ms) + len(submit_ms))}


def main(folder: Path) -> dict[str, float]:
    env = {"SIMPUL_ENV": "production", "SIMPUL_SECRET_KEY": "b" * 48,
           "SIMPUL_PASSWORD_HASH_PROFILE": "CHEAPEST",
           "SIMPUL_SESSION_COOKIE_SECURE": "false"}
    figures = measure(f"sqlite:///{folder / 'http.sqlite3'}", env)
    figures["http_submit_over_hello"] = figures["http_submit_ms"] / figures["http_hello_ms"]
    figures["http_task_page_over_hello"] = figures["http_task_page_ms"] / figures["http_hello_ms"]
    return figures
