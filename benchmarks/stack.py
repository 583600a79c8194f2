"""Simpul as it runs in production, on this machine: gunicorn (several processes) and the job
worker against one database, started and killed as real processes.

The load benchmark (benchmarks/load.py) and the crash test (tests/test_crash.py) use it. The
database holds ``desks`` kabupaten, each with its own coordinator and supervisor (region scope
keeps every desk's work to itself), the shipped diagrams, and optionally the benchmark's own.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "kopi-tubruk-pagi-hari"
PROVINCE = "35"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], seconds: float = 60,
                       path: str = "/health") -> None:
    """Until ``GET /health`` answers 200: the master listens at once, but a request waits for a
    worker process to finish loading the app."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the server on {port} is not healthy after {seconds} s")


def desk_region(desk: int) -> str:
    return f"{PROVINCE}.{desk + 1:02d}"


def seed(url: str, desks: int, extra: Iterable[Path] = (), mail: bool = False) -> None:
    """An empty database made ready: regions, one coordinator and one supervisor per desk
    (``koordinator<n>`` and ``supervisor<n>``, all with ``PASSWORD``), the shipped diagrams and
    ``extra`` ones."""
    sys.path.insert(0, str(ROOT))
    from webapp import engine
    from webapp.db import make_engine, make_session_factory
    from webapp.migrate import upgrade_database
    from webapp.services.accounts import regions, users
    from webapp.services.areas import plug_in_areas
    from webapp.services.diagrams import deployment

    upgrade_database(url)
    database = make_engine(url)
    plug_in_areas(database)  # as create_app does
    session = make_session_factory(database)()
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, [("Koordinator", ""), ("Supervisor", ""),
                                  ("Kepala Bidang", "")])
    rows = [{"kode": PROVINCE, "nama": "Jawa Timur", "tingkat": "provinsi", "induk": ""}]
    for desk in range(desks):
        code = desk_region(desk)
        rows += [{"kode": code, "nama": f"Kabupaten {desk + 1}", "tingkat": "kabupaten_kota",
                  "induk": PROVINCE},
                 {"kode": f"{code}.01", "nama": f"Kecamatan {desk + 1}", "tingkat": "kecamatan",
                  "induk": code}]
    regions.load_regions(session, rows)
    admin = users.create_user(session, "admin", PASSWORD, ["Koordinator"], role="admin")
    for desk in range(desks):
        for name, group, role in (("koordinator", "Koordinator", "coordinator"),
                                  ("supervisor", "Supervisor", "supervisor")):
            users.create_user(session, f"{name}{desk}", PASSWORD, [group], role=role,
                              region_code=desk_region(desk),
                              email=f"{name}{desk}@contoh.go.id" if mail else "")
    deployment.deploy_shipped(session, ROOT / "workflows", admin)
    files = [engine.SourceFile(path.name, path.read_bytes()) for path in extra]
    if files:
        deployment.deploy_definitions(session, files, admin, comment="bench", origin="upload")
    session.close()
    database.dispose()


@dataclass
class Stack:
    """gunicorn and a job worker on ``url``; each its own process group, so a kill takes the
    gunicorn master and all its workers at once."""

    url: str
    folder: Path
    target: str = "webapp:create_app()"
    health: str = "/health"
    workers: int = 2
    threads: int = 4
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        return dict(os.environ, SIMPUL_ENV="production", SIMPUL_SECRET_KEY="s" * 48,
                    SIMPUL_PASSWORD_HASH_PROFILE="CHEAPEST", SIMPUL_SESSION_COOKIE_SECURE="false",
                    SIMPUL_DATABASE_URL=self.url, **self.env)

    def start_server(self) -> None:
        env = dict(self.environment(), SIMPUL_BIND=f"127.0.0.1:{self.port}",
                   SIMPUL_WORKERS=str(self.workers), SIMPUL_THREADS=str(self.threads),
                   SIMPUL_ACCESS_LOG="/dev/null")
        with open(self.folder / "server.log", "ab") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                 self.target], cwd=ROOT, env=env, stdout=log, stderr=log,
                start_new_session=True)
        try:
            wait_until_healthy(self.port, self.server, path=self.health)
        except RuntimeError:
            self.kill_server()
            raise

    def start_worker(self, interval: float = 0.2) -> None:
        with open(self.folder / "worker.log", "ab") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "webapp", "worker",
                 "--interval", str(interval)], cwd=ROOT, env=self.environment(),
                stdout=log, stderr=log, start_new_session=True)

    def start(self) -> Stack:
        self.start_server()
        self.start_worker()
        return self

    @staticmethod
    def _kill(process: subprocess.Popen[bytes] | None, sig: int) -> None:
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)

    def kill_server(self) -> None:
        """SIGKILL to the gunicorn master and every worker process: nothing gets to clean up."""
        self._kill(self.server, signal.SIGKILL)

    def kill_worker(self) -> None:
        self._kill(self.worker, signal.SIGKILL)

    def stop(self) -> None:
        self._kill(self.server, signal.SIGTERM)
        self._kill(self.worker, signal.SIGTERM)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        try:
            self.stop()
        finally:
            self.kill_server()
            self.kill_worker()
