"""Killing every process mid-load loses nothing acknowledged.

Desks work programs over HTTP on gunicorn with the job worker running (a step, a one-second
timer the worker fires, a review; every new step mailed to a real local SMTP server). Meanwhile
the test SIGKILLs the gunicorn master with all its workers, then the worker, then both at once,
and, with PostgreSQL, crashes the database server (one of the test's own, so no other
database on the machine is disturbed); each time it starts them again. Afterwards
SQL proves that every step the server acknowledged is stored exactly once, that each program's
open tasks and waiting timers are what its engine state says, and that every job ran once.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from benchmarks.desk import Desk, HttpPerson, sign_in
from benchmarks.inbox import postgres_database
from benchmarks.stack import PASSWORD, Stack, desk_region, free_port, seed
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from webapp.db import make_engine, make_session_factory
from webapp.models import DefinitionVersion, Event, HumanTask, Instance, Job
from webapp.services.workflow.steps import read_workflow

RELAY = Path(__file__).resolve().parent / "data/relay.bpmn"
DESKS = 4


class Mailbox:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class PrivatePostgres:
    """A PostgreSQL server of this test's own: a cluster made with ``initdb`` in a temporary
    folder, on a free port. The test crashes it (``pg_ctl -m immediate``: no shutdown, as a
    power cut) without disturbing any other database on the machine (another suite's)."""

    def __init__(self) -> None:
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.folder = Path(tempfile.mkdtemp(prefix="simpul-crash-pg-"))
        shutil.chown(self.folder, "postgres")  # the server refuses to run as root
        self.data, self.port = self.folder / "data", free_port()
        self._as_postgres("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args],
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "log"),
                          "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
                          "start")

    def crash_and_start(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def remove(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                        str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


def can_crash_postgres() -> bool:
    return (bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) and os.geteuid() == 0
            and shutil.which("runuser") is not None)


def backends() -> list[str]:
    found = ["sqlite"]
    if POSTGRES_URL:
        if can_crash_postgres():
            found.append("postgresql")
        elif REQUIRE_POSTGRES:
            raise RuntimeError("the crash test runs a PostgreSQL server of its own: run it as "
                               "root where Debian's PostgreSQL binaries are installed")
    return found


def work(desk: Desk, stopping: threading.Event, failures: Counter[str]) -> None:
    """A desk keeps working; a dead server costs it the request in hand, nothing more."""
    signed_in = False
    while not stopping.is_set():
        try:
            if not signed_in:
                sign_in(desk.coordinator, PASSWORD)
                sign_in(desk.supervisor, PASSWORD)
                signed_in = True
            if desk.work() == "idle":
                time.sleep(0.1)
        except Exception as err:  # noqa: BLE001 - the server was killed under this request
            failures[type(err).__name__] += 1
            time.sleep(0.2)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


@pytest.mark.parametrize("backend", backends())
def test_killing_every_process_mid_load_loses_nothing_acknowledged(
        backend: str, tmp_path: Path, mailbox: tuple[Mailbox, int],
        request: pytest.FixtureRequest) -> None:
    box, smtp_port = mailbox
    server = PrivatePostgres() if backend == "postgresql" else None
    if server is not None:
        request.addfinalizer(server.remove)
    if server is None:
        url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    else:
        found = postgres_database(server.url, "simpul_crash")
        assert found, "the test's own PostgreSQL server did not start"
        url = found
    seed(url, DESKS, extra=[RELAY], mail=True)
    stack = Stack(url, tmp_path, env={"SIMPUL_MAIL_SERVER": "127.0.0.1",
                                      "SIMPUL_MAIL_PORT": str(smtp_port)})
    stopping, failures = threading.Event(), Counter[str]()
    desks = [Desk(n, HttpPerson(f"koordinator{n}", stack.port, timeout=10),
                  HttpPerson(f"supervisor{n}", stack.port, timeout=10), desk_region(n),
                  process="relay", in_flight=3) for n in range(DESKS)]
    threads = [threading.Thread(target=work, args=(desk, stopping, failures), daemon=True)
               for desk in desks]
    kills = Counter[str]()
    try:
        stack.start()
        for thread in threads:
            thread.start()

        def acknowledged() -> int:
            return sum(len(desk.acknowledged) for desk in desks)

        def crash(what: str) -> None:
            """Wait until more steps went through, then kill, then start again."""
            before = acknowledged()
            assert wait_for(lambda: acknowledged() >= before + 15, 60), \
                f"no progress before killing {what}: {failures}"
            if what in ("server", "both"):
                stack.kill_server()
            if what in ("worker", "both"):
                stack.kill_worker()
            if what == "database" and server is not None:
                server.crash_and_start()
            kills[what] += 1
            time.sleep(0.5)
            if what in ("server", "both"):
                stack.start_server()
            if what in ("worker", "both"):
                stack.start_worker()

        plan = ("server", "worker", "both", "server") + (
            ("database", "both") if backend == "postgresql" else ())
        for what in plan:
            crash(what)
        before = acknowledged()
        assert wait_for(lambda: acknowledged() >= before + 15, 60), f"no progress: {failures}"
        stopping.set()
        for thread in threads:
            thread.join(timeout=30)
        database = make_engine(url)

        def mails_left() -> int:
            with database.connect() as conn:
                return int(conn.execute(sa.select(sa.func.count()).select_from(Job).where(
                    Job.status == "pending", Job.kind == "mail")).scalar_one())

        # Jobs the killed worker held are taken over when their lease runs out: shorten the
        # wait by ending the leases of workers that no longer exist (as after 5 minutes).
        with database.begin() as conn:
            conn.execute(sa.update(Job).where(Job.status == "pending")
                         .values(locked_until=None))
        assert wait_for(lambda: mails_left() == 0 and _timers_due(database) == 0, 90)
        stack.stop()
        counts = verify(database, desks, box)
        database.dispose()
    finally:
        stopping.set()
        stack.stop()
        stack.kill_server()
        stack.kill_worker()
    print(f"\ncrash test ({backend}): kills {dict(kills)}; requests lost to the kills "
          f"{dict(failures)}; " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    assert counts["lost"] == 0 and counts["doubled"] == 0
    assert counts["acknowledged"] >= 15 * (len(plan) + 1)
    assert counts["programs out of step"] == 0
    assert counts["timers fired twice"] == 0 and counts["timers not fired"] == 0
    assert counts["mails lost"] == 0
    # a mail is sent again only when the worker died between sending it and marking it sent;
    # its Message-ID is the same, so the reader's mail program shows it once
    assert counts["mails sent again"] <= kills["worker"] + kills["both"]


def _timers_due(database: sa.Engine) -> int:
    with database.connect() as conn:
        due = conn.execute(sa.select(Job.due_at).where(Job.status == "pending",
                                                       Job.kind == "timer")).scalars().all()
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return sum(1 for when in due
               if (when if when.tzinfo else when.replace(tzinfo=dt.UTC)) <= now)


def verify(database: sa.Engine, desks: list[Desk], box: Mailbox) -> dict[str, int]:
    """The counts the test asserts on, read with SQL from what the processes left."""
    acknowledged = [task_id for desk in desks for task_id in desk.acknowledged]
    session = make_session_factory(database)()
    try:
        completions = Counter(session.scalars(
            sa.select(Event.human_task_id).where(Event.action == "task.completed")))
        status = {row[0]: row[1] for row in session.execute(
            sa.select(HumanTask.id, HumanTask.status))}
        stored = [t for t in acknowledged if status.get(t) == "completed"
                  and completions[t] >= 1]
        out_of_step = 0
        for instance in session.scalars(sa.select(Instance)):
            version = session.get(DefinitionVersion, instance.definition_version_id)
            assert version is not None
            handle = read_workflow(session, instance.id, version.id, version.sha256)
            ready = {t.task_id for t in handle.ready_user_tasks()}
            open_rows = list(session.scalars(sa.select(HumanTask.task_id).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "open")))
            waiting = {t.task_id for t in handle.waiting_timers()}
            pending = set(session.scalars(sa.select(Job.task_id).where(
                Job.instance_id == instance.id, Job.kind == "timer",
                Job.status == "pending")))
            if (ready != set(open_rows) or len(open_rows) != len(set(open_rows))
                    or waiting != pending
                    or (instance.status == "completed") != handle.is_completed):
                out_of_step += 1
        fired = Counter(session.scalars(
            sa.select(Event.instance_id).where(Event.action == "timer.fired")))
        timer_jobs = Counter(session.scalars(sa.select(Job.instance_id).where(
            Job.kind == "timer", Job.status == "done")))
        passed_timer = set(session.scalars(sa.select(HumanTask.instance_id).where(
            HumanTask.bpmn_id == "periksa")))
        mail_keys = [f"{job_id}." for job_id in session.scalars(
            sa.select(Job.id).where(Job.kind == "mail", Job.status == "done"))]
        received = Counter(box.ids)
        failed_jobs = session.scalar(sa.select(sa.func.count()).select_from(Job).where(
            Job.status == "failed")) or 0
    finally:
        session.close()
    sent_ids = {i.split("simpul.job.", 1)[-1] for i in received}
    return {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(acknowledged) - len(stored),
        "doubled": sum(1 for n in completions.values() if n > 1),
        "programs": len(passed_timer),
        "programs out of step": out_of_step,
        "timers fired": sum(fired.values()),
        "timers fired twice": sum(1 for n in fired.values() if n > 1),
        "timers not fired": len(passed_timer - set(fired)) + len(set(fired) - set(timer_jobs)),
        "jobs failed": int(failed_jobs),
        "mails": len(mail_keys),
        "mails lost": sum(1 for key in mail_keys
                          if not any(sent.startswith(key) for sent in sent_ids)),
        "mails sent again": sum(n - 1 for n in received.values() if n > 1),
    }
