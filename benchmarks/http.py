"""What a person's request costs on the production server: a form submit and a task page over
HTTP, each against a bare Flask route served the same way in the same run.

The handoff process (benchmarks/handoff.bpmn) passes work between a coordinator and a
supervisor, so membership, duties and notifications run on every step. Two ways of serving:

* ``warm``: gunicorn with one process and one thread (each figure is one request's own time,
  nothing queued behind another) and a kept-alive connection per person, as a browser keeps;
* ``cold``: three processes, and a new connection for every request, so a request lands on
  whichever process accepts it, usually not the one that served that program's last step:
  the per-process caches (the engine's live workflow, the step's data, the signed-in person)
  miss as often as they would behind a load balancer.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from benchmarks.desk import CSRF, HttpPerson, sign_in
from benchmarks.stack import HERE, PASSWORD, Stack, desk_region, seed

TASK_LINK = re.compile(r'href="/tasks/(\d+)" class="task-name"')


def prepare(url: str, programs: int) -> None:
    """Users, the handoff diagram and ``programs`` programs of desk 0 waiting at their first
    step."""
    seed(url, 1, extra=[HERE / "handoff.bpmn"])
    from sqlalchemy import select

    from webapp.db import make_engine, make_session_factory
    from webapp.models import User
    from webapp.services import instances

    database = make_engine(url)
    session = make_session_factory(database)()
    coordinator = session.scalars(select(User).where(User.username == "koordinator0")).one()
    for n in range(programs):
        instances.start_instance(session, coordinator, "handoff", f"Program {n}",
                                 desk_region(0) + ".01")
    session.close()
    database.dispose()


def measure(url: str, folder: Path, mode: str, programs: int = 20) -> dict[str, float]:
    """Median time of a task page and of a submit, and of a bare route asked right after each
    (so a noisy neighbour slows both alike), in ms."""
    prepare(url, programs)
    warm = mode == "warm"
    workers = 1 if warm else 3
    app = Stack(url, folder, workers=workers, threads=1)
    hello = Stack("", folder, target="benchmarks.hello:app", health="/", workers=workers,
                  threads=1)
    page_ms: list[float] = []
    submit_ms: list[float] = []
    hello_ms: list[float] = []
    try:
        app.start_server()
        hello.start_server()
        bare = HttpPerson("", hello.port, keep_alive=warm)
        people = {name: HttpPerson(name, app.port, keep_alive=warm)
                  for name in ("koordinator0", "supervisor0")}
        for person in people.values():
            sign_in(person, PASSWORD)
        for round_ in range(6):  # the six steps of every program, in turns of the two lanes
            name = "koordinator0" if round_ % 2 == 0 else "supervisor0"
            who = people[name]
            tab = "mine" if round_ % 2 == 0 else "group"
            inbox = who.request("GET", f"/?tab={tab}&process=handoff")
            ids = sorted({int(i) for i in TASK_LINK.findall(inbox.text)})
            assert len(ids) >= min(programs, 20), f"{name} sees {len(ids)} tasks"
            for task_id in ids[:programs]:
                began = time.perf_counter()
                page = who.request("GET", f"/tasks/{task_id}")
                page_ms.append((time.perf_counter() - began) * 1000)
                assert page.status == 200, page.status
                token = CSRF.search(page.text)
                assert token, "no CSRF token on the task page"
                began = time.perf_counter()
                done = who.request("POST", f"/tasks/{task_id}",
                                   {"csrf_token": token.group(1), "note": "baik"})
                submit_ms.append((time.perf_counter() - began) * 1000)
                assert done.status == 303, done.status
                for _ in range(2):
                    began = time.perf_counter()
                    bare.request("GET", "/")
                    hello_ms.append((time.perf_counter() - began) * 1000)
    finally:
        app.stop()
        hello.stop()
    suffix = "" if warm else "_cold"
    return {f"http_hello_ms{suffix}": statistics.median(hello_ms),
            f"http_task_page_ms{suffix}": statistics.median(page_ms),
            f"http_submit_ms{suffix}": statistics.median(submit_ms),
            f"http_requests{suffix}": float(len(page_ms) + len(submit_ms))}


def main(folder: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    for mode in ("warm", "cold"):
        found = measure(f"sqlite:///{folder / f'http-{mode}.sqlite3'}", folder, mode)
        suffix = "" if mode == "warm" else "_cold"
        hello = found[f"http_hello_ms{suffix}"]
        found[f"http_submit_over_hello{suffix}"] = found[f"http_submit_ms{suffix}"] / hello
        found[f"http_task_page_over_hello{suffix}"] = found[f"http_task_page_ms{suffix}"] / hello
        figures.update(found)
    return figures


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        for key, value in main(Path(where)).items():
            print(f"{key}: {value:.2f}")
