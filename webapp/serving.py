"""gunicorn and one job worker as one service (``flask serve``, what ``make serve`` runs): both
start together and stop together.

A stop request (Ctrl-C, SIGTERM to ``make`` or to this process, SIGHUP) is passed to both;
when either stops on its own, the other is stopped too, so a server started again never finds
an old worker still running beside its new one. On Linux each child also gets SIGTERM if this
process dies without cleaning up (SIGKILL).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
GRACE_SECONDS = 30.0  # gunicorn's graceful_timeout (20 s) and some
PR_SET_PDEATHSIG = 1


def _dies_with(parent: int) -> Callable[[], None] | None:
    """For a child: receive SIGTERM when ``parent`` dies (Linux), and stop at once if it has
    died already."""
    if not sys.platform.startswith("linux"):
        return None

    def setup() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)

    return setup


def _start(command: list[str], root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=root, preexec_fn=_dies_with(os.getpid()))


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serve(root: Path) -> int:
    """Run gunicorn (``gunicorn.conf.py``) and a job worker until either stops or a stop is
    asked for; returns the exit status (0 after a stop request)."""
    worker = _start([sys.executable, "-m", "flask", "--app", "webapp", "worker"], root)
    server = _start([sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"),
                     "webapp:create_app()"], root)
    children = [server, worker]
    # Signals are taken one at a time (none lost between a check and a wait); the children
    # were started before, so they keep the ordinary signal mask.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS | {signal.SIGCHLD})
    asked = False
    try:
        while not asked and all(child.poll() is None for child in children):
            received = signal.sigtimedwait(STOP_SIGNALS | {signal.SIGCHLD}, 1.0)
            asked = received is not None and received.si_signo in STOP_SIGNALS
        first = next((child for child in children if child.poll() is not None), None)
        _stop(children)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS | {signal.SIGCHLD})
    if asked or first is None:
        return 0
    code = first.returncode  # the one that stopped first: its status, 128 + N if killed by N
    return code if code >= 0 else 128 - code
