"""A kabupaten's desk as people work it over HTTP: the coordinator starts programs and fills in
their steps, the supervisor approves them, each finding their work in the inbox.

One ``Desk`` makes one request at a time (one person at the keyboard). The load benchmark drives
desks through locust, the crash test through plain threads; both see the same requests: the
inbox (with its counts), the task page, the submit, and starting a program.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.program_data import APPROVE, STEP_DATA

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)" class="task-name"')
TASK_PATH = re.compile(r"^/tasks/(\d+)$")
NOTE = {"note": "baik"}


@dataclass
class Reply:
    status: int
    location: str
    text: str


class Person(Protocol):
    name: str

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                label: str = "") -> Reply: ...


def sign_in(person: Person, password: str) -> None:
    page = person.request("GET", "/login", label="sign-in page")
    token = CSRF.search(page.text)
    assert token, "no CSRF token on /login"
    reply = person.request("POST", "/login", {"username": person.name, "password": password,
                                              "csrf_token": token.group(1)}, label="sign in")
    assert reply.status == 303, f"sign-in of {person.name} answered {reply.status}"


def form_for(page: str) -> dict[str, str]:
    """What the person types into the task page's form (a step of program_cycle, an approval,
    or a benchmark diagram's note)."""
    if 'name="decision"' in page:
        values: dict[str, Any] = APPROVE
    else:
        values = next((data for data in STEP_DATA.values()
                       if f'name="{next(iter(data))}"' in page), NOTE)
    form = {}
    for key, value in values.items():
        if value is True:
            form[key] = "y"
        elif value is False or value is None:
            continue
        elif isinstance(value, float):
            form[key] = f"{value}".replace(".", ",")  # typed the Indonesian way
        else:
            form[key] = str(value)
    return form


class HttpPerson:
    """One person's browser over a kept-alive connection (http.client), for plain threads."""

    def __init__(self, name: str, port: int, timeout: float = 30, keep_alive: bool = True):
        self.name = name
        self.port = port
        self.timeout = timeout
        self.keep_alive = keep_alive  # False: a new connection (maybe another process) each time
        self.cookie = ""
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                label: str = "") -> Reply:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                         timeout=self.timeout)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if not self.keep_alive:
            headers["Connection"] = "close"
        body = urllib.parse.urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the server went away: the next request reconnects
            self.connection = None
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if not self.keep_alive:
            self.connection.close()
            self.connection = None
        return Reply(response.status, response.getheader("Location") or "", text)


@dataclass
class Desk:
    """A coordinator and a supervisor of one kabupaten. ``acknowledged`` records each step the
    server acknowledged (a 303 after a submit): the task id and who did it."""

    number: int
    coordinator: Person
    supervisor: Person
    region: str
    process: str = "program_cycle"
    think: Callable[[], None] = lambda: None
    in_flight: int = 1  # programs a desk keeps going at once before starting another
    acknowledged: list[int] = field(default_factory=list)
    started: int = 0

    def work(self) -> str:
        """One piece of work: a step from an inbox (the supervisor's first), or a new program
        when there is nothing to do. Returns what was done."""
        for person, tab in ((self.supervisor, "group"), (self.coordinator, "mine")):
            found = self.inbox(person, tab)
            if found:
                self.step(person, found[0])
                return "step"
        if self.open_programs() < self.in_flight:
            self.start()
            return "start"
        return "idle"

    def inbox(self, person: Person, tab: str) -> list[int]:
        reply = person.request("GET", f"/?tab={tab}&process={self.process}", label="inbox")
        if reply.status != 200:
            raise RuntimeError(f"inbox answered {reply.status}")
        return sorted({int(found) for found in TASK_LINK.findall(reply.text)})

    def open_programs(self) -> int:
        reply = self.coordinator.request("GET", "/programs/", label="programs")
        if reply.status != 200:
            raise RuntimeError(f"the program list answered {reply.status}")
        return reply.text.count('class="status status-running"')

    def start(self) -> None:
        page = self.coordinator.request("GET", "/programs/new", label="start page")
        token = CSRF.search(page.text)
        assert token, f"no CSRF token on the start page ({page.status})"
        self.think()
        self.started += 1
        reply = self.coordinator.request("POST", "/programs/new", {
            "csrf_token": token.group(1), "process_key": self.process,
            "title": f"Program meja {self.number} nomor {self.started}",
            "region": f"{self.region}.01"}, label="start")
        if reply.status != 303:
            raise RuntimeError(f"start answered {reply.status}")
        self.follow(self.coordinator, reply.location)

    def step(self, person: Person, task_id: int) -> None:
        """Open the task page, fill in the form, submit; go on to the person's own next step
        when the server leads there."""
        page = person.request("GET", f"/tasks/{task_id}", label="task page")
        if page.status != 200:
            return  # done by someone else meanwhile, or gone: the inbox will say
        token = CSRF.search(page.text)
        if token is None:
            return  # a read-only view (the step is closed)
        self.think()
        reply = person.request("POST", f"/tasks/{task_id}",
                               dict(form_for(page.text), csrf_token=token.group(1)),
                               label="submit")
        if reply.status != 303:
            raise RuntimeError(f"submit of task {task_id} answered {reply.status}: "
                               f"{reply.text[:300]}")
        self.acknowledged.append(task_id)
        self.follow(person, reply.location)

    def follow(self, person: Person, location: str) -> None:
        path = urllib.parse.urlsplit(location).path
        found = TASK_PATH.match(path)
        if found:
            self.think()
            self.step(person, int(found.group(1)))
