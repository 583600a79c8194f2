"""Simulated people for locust: each locust user is one kabupaten desk (benchmarks/desk.py),
a coordinator and a supervisor taking programs from start to end in turns, one request at a
time, with a pause before each form is sent and between pieces of work.

Run by benchmarks/load.py (``python -m benchmarks.locust_desks``, which prints JSON), or by hand:
``locust -f benchmarks/locust_desks.py --headless -u 16 -r 16 -t 60s --host http://127.0.0.1:8000``
against a database made by ``benchmarks.stack.seed``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from collections import defaultdict
from typing import Any

import gevent
from locust import User, between, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from benchmarks.desk import Desk, Reply
from benchmarks.stack import PASSWORD, desk_region

THINK = tuple(float(v) for v in os.environ.get("SIMPUL_LOAD_THINK", "0.5,1.5").split(","))
_NUMBERS = itertools.count()
_SIGNED_IN: list[int] = []


class LocustPerson:
    """A person's browser in locust: its own cookie jar, no redirects followed (the desk
    follows them as a person's browser would, so each request is timed on its own)."""

    def __init__(self, name: str, session: FastHttpSession):
        self.name = name
        self.session = session

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                label: str = "") -> Reply:
        with self.session.request(method, path, data=form, allow_redirects=False,
                                  name=label or path, catch_response=True) as response:
            status = response.status_code or 0
            if status == 0 or status >= 400:
                response.failure(f"{method} {path}: {status}")
            else:
                response.success()
            return Reply(status, response.headers.get("Location", "") if response.headers
                         else "", response.text or "")


def _think() -> None:
    if THINK[1] > 0:
        gevent.sleep(random.uniform(*THINK))


class DeskUser(User):
    wait_time = between(*THINK) if THINK[1] > 0 else (lambda self: 0)  # type: ignore[assignment]

    def __init__(self, environment: Environment):
        super().__init__(environment)
        number = next(_NUMBERS)
        people = {}
        for role in ("koordinator", "supervisor"):
            session = FastHttpSession(self.host, environment.events.request, user=self)
            people[role] = LocustPerson(f"{role}{number}", session)
        self.desk = Desk(number, people["koordinator"], people["supervisor"],
                         desk_region(number), think=_think)

    def on_start(self) -> None:
        from benchmarks.desk import sign_in

        sign_in(self.desk.coordinator, PASSWORD)
        sign_in(self.desk.supervisor, PASSWORD)
        _SIGNED_IN.append(self.desk.number)
        while len(_SIGNED_IN) < self.environment.runner.target_user_count:
            gevent.sleep(0.05)  # everyone at their desk; then each begins when they begin
        gevent.sleep(random.uniform(0, 2 * THINK[1]))

    @task
    def work(self) -> None:
        self.desk.work()


def run(host: str, users: int, seconds: float) -> dict[str, Any]:
    """Run ``users`` desks for ``seconds`` (all started within the first second); every
    request's time by its label, failures and exceptions."""
    DeskUser.host = host
    timings: dict[str, list[float]] = defaultdict(list)
    moments: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    began: list[float] = []

    def on_request(name: str, response_time: float, exception: Exception | None,
                   **_: Any) -> None:
        if not began:
            return  # sign-in while the desks start is not part of the figures
        timings[name].append(response_time)
        moments[name].append(time.perf_counter() - began[0])
        if exception is not None:
            failures[name] += 1

    events.request.add_listener(on_request)
    environment = Environment(user_classes=[DeskUser], events=events)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(users, 1))
    for _ in range(600):  # until every desk has signed in (each server process is up)
        if len(_SIGNED_IN) >= users:
            break
        gevent.sleep(0.1)
    began.append(time.perf_counter())
    gevent.sleep(seconds)
    elapsed = time.perf_counter() - began[0]
    runner.quit()
    errors = [f"{e['count']}× {e['msg']}" for e in runner.exceptions.values()]
    return {"seconds": elapsed, "timings": dict(timings), "moments": dict(moments),
            "failures": dict(failures),
            "exceptions": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    json.dump(run(args.host, args.users, args.seconds), sys.stdout)


if __name__ == "__main__":
    main()
