"""`make serve` runs gunicorn and one job worker, and however it is stopped, nothing of it is
left running: a server started again never finds an old worker beside its new one.

Real processes: `make serve` in a process group of its own, on an SQLite file. Each way of
stopping it is followed by waiting (with a generous deadline) until the group is empty.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_serving import ROOT, free_port

DEADLINE = 120.0


def members(group: int) -> dict[int, str]:
    """The processes of a process group, with their command lines (from /proc)."""
    return {pid: command for pid, (_parent, command) in processes(group).items()}


def processes(group: int) -> dict[int, tuple[int, str]]:
    """The processes of a process group: their parent and command line (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group and fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), command)
    return found


def until(condition: object, what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {deadline:.0f} s: {what}")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, int]]]:
    """`make serve` up and answering, with its gunicorn master and job worker."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("reads processes from /proc (Linux)")
    port = free_port()
    env = dict(os.environ, SIMPUL_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
               SIMPUL_SECRET_KEY="s" * 48, SIMPUL_BIND=f"127.0.0.1:{port}",
               SIMPUL_WORKERS="1", SIMPUL_THREADS="1", SIMPUL_ACCESS_LOG="/dev/null")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:  # set-up is done already: -o setup does not redo it
        make = subprocess.Popen(["make", "--no-print-directory", "-o", "setup", "serve"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        until(lambda: healthy(port) and "worker" in log.read_text()
              and " started" in log.read_text(), "the server answers and the worker runs")
        found = processes(make.pid)
        gunicorn = {p for p, (_, c) in found.items()
                    if "gunicorn -c" in c and not c.startswith("/bin/sh")}
        parts = {"worker": next(p for p, (_, c) in found.items()
                                if c.endswith("webapp worker ")),
                 # the master: the gunicorn whose parent is no gunicorn
                 "gunicorn": next(p for p in gunicorn if found[p][0] not in gunicorn)}
        yield make, parts
    finally:
        if members(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=DEADLINE)
        print(log.read_text()[-3000:])


def stopped_together(make: subprocess.Popen[bytes]) -> None:
    until(lambda: not members(make.pid), f"everything of make serve stops ({members(make.pid)})")
    make.wait(timeout=DEADLINE)


def test_sigterm_to_make_stops_server_and_worker(served: tuple[subprocess.Popen[bytes],
                                                               dict[str, int]]) -> None:
    make, _parts = served
    make.send_signal(signal.SIGTERM)  # systemd, a script, `kill <pid of make>`
    stopped_together(make)


def test_ctrl_c_stops_server_and_worker(served: tuple[subprocess.Popen[bytes],
                                                      dict[str, int]]) -> None:
    make, _parts = served
    os.killpg(make.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    stopped_together(make)


def test_the_worker_stops_when_the_server_does(served: tuple[subprocess.Popen[bytes],
                                                             dict[str, int]]) -> None:
    make, parts = served
    os.kill(parts["gunicorn"], signal.SIGTERM)
    stopped_together(make)


def test_the_server_stops_when_the_worker_dies(served: tuple[subprocess.Popen[bytes],
                                                             dict[str, int]]) -> None:
    make, parts = served
    os.kill(parts["worker"], signal.SIGKILL)
    stopped_together(make)
    assert make.returncode != 0  # the service failed: whatever runs it may start it again


def test_killing_the_supervisor_takes_both_along(served: tuple[subprocess.Popen[bytes],
                                                               dict[str, int]]) -> None:
    """SIGKILL leaves no time to clean up: the children are told by the kernel."""
    make, _parts = served
    (supervisor,) = (p for p, c in members(make.pid).items() if c.endswith("webapp serve "))
    os.kill(supervisor, signal.SIGKILL)
    stopped_together(make)
