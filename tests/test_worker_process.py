"""The worker as a real process: it outlives a database it cannot reach and goes on once the
database is back."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from webapp.db import make_engine
from webapp.migrate import upgrade_database
from webapp.models import Job

ROOT = Path(__file__).resolve().parent.parent


def test_the_worker_backs_off_while_the_database_is_down_and_goes_on(tmp_path: Path) -> None:
    database = tmp_path / "not-yet" / "simpul.sqlite3"  # the folder is missing: cannot open
    url = f"sqlite:///{database}"
    env = dict(os.environ, SIMPUL_ENV="development", SIMPUL_DATABASE_URL=url,
               SIMPUL_SECRET_KEY="w" * 40)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "worker", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert worker.poll() is None, worker.communicate()
        database.parent.mkdir()
        upgrade_database(url)
        engine = make_engine(url)
        with engine.begin() as conn:  # a timer of a program that no longer exists: cancelled
            conn.execute(sa.insert(Job).values(
                kind="timer", status="pending", task_id="x", payload={}, attempts=0,
                max_attempts=5, last_error="", due_at=dt.datetime.now(dt.UTC),
                created_at=dt.datetime.now(dt.UTC)))
        status = "pending"
        for _ in range(100):
            with engine.connect() as conn:
                status = conn.execute(sa.select(Job.status)).scalar_one()
            if status != "pending":
                break
            time.sleep(0.2)
        engine.dispose()
        assert status == "cancelled"
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err
    assert "OperationalError" in err and "trying again" in err
    assert "stopped" in out
