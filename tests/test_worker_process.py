"""The worker as a real process: it outlives a database it cannot reach and goes on once the
database is back."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from webapp.db import make_engine
from webapp.migrate import upgrade_database
from webapp.models import Job

ROOT = Path(__file__).resolve().parent.parent


def read_lines(stream: IO[str]) -> tuple[list[str], threading.Thread]:
    """Collect a process's output lines as they come (a thread; the list grows)."""
    lines: list[str] = []

    def read() -> None:
        for line in stream:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll until the condition holds or the deadline passes (generous: the machine may be busy)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_worker_backs_off_while_the_database_is_down_and_goes_on(tmp_path: Path) -> None:
    database = tmp_path / "not-yet" / "simpul.sqlite3"  # the folder is missing: cannot open
    url = f"sqlite:///{database}"
    env = dict(os.environ, SIMPUL_ENV="development", SIMPUL_DATABASE_URL=url,
               SIMPUL_SECRET_KEY="w" * 40)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "worker", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert worker.stdout is not None
    output, reader = read_lines(worker.stdout)
    try:
        # it failed twice (it backs off and tries again), and it is still running
        assert wait_for(lambda: sum("trying again" in line for line in output) >= 2, 120), output
        assert worker.poll() is None, output
        database.parent.mkdir()
        upgrade_database(url)
        engine = make_engine(url)
        with engine.begin() as conn:  # a timer of a program that no longer exists: cancelled
            conn.execute(sa.insert(Job).values(
                kind="timer", status="pending", task_id="x", payload={}, attempts=0,
                max_attempts=5, last_error="", due_at=dt.datetime.now(dt.UTC),
                created_at=dt.datetime.now(dt.UTC)))

        def job_status() -> str:
            with engine.connect() as conn:
                return str(conn.execute(sa.select(Job.status).where(Job.kind == "timer"))
                           .scalar_one())

        # the pause after a failure doubles up to a minute: wait longer than that
        wait_for(lambda: job_status() != "pending", 150)
        assert job_status() == "cancelled"
        with engine.connect() as conn:  # the periodic job, queued once the database answered
            assert conn.execute(sa.select(sa.func.count(Job.id)).where(
                Job.kind == "import_retention", Job.status == "pending")).scalar_one() == 1
        engine.dispose()
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        reader.join(timeout=30)
    text = "".join(output)
    assert worker.returncode == 0, text
    assert "OperationalError" in text and "trying again" in text
    assert "stopped" in text
