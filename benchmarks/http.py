"""What a person's request costs on the production server: the inbox, a task page, a form
submit and starting a program over HTTP, each against a bare Flask route served the same way in
the same run, on a database holding a region table of national size (91,597 regions).

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

from benchmarks.desk import CSRF, HttpPerson, Reply, sign_in
from benchmarks.stack import HERE, PASSWORD, Stack, desk_region, seed

TASK_LINK = re.compile(r'href="/tasks/(\d+)" class="task-name"')


def prepare(url: str, programs: int) -> None:
    """The national region table, users, the handoff diagram and ``programs`` programs of
    desk 0 waiting at their first step."""
    from sqlalchemy import select

    from webapp.db import make_engine, make_session_factory
    from webapp.migrate import upgrade_database
    from webapp.models import User
    from webapp.services.accounts import regions
    from webapp.services.areas import plug_in_areas
    from webapp.services.workflow import programs

    upgrade_database(url)
    database = make_engine(url)
    plug_in_areas(database)  # as create_app does
    session = make_session_factory(database)()
    regions.load_region_file(session)  # the national table shipped in webapp/data/
    session.close()
    seed(url, 1, extra=[HERE / "handoff.bpmn"])
    session = make_session_factory(database)()
    coordinator = session.scalars(select(User).where(User.username == "koordinator0")).one()
    for n in range(programs):
        programs.start_instance(session, coordinator, "handoff", f"Program {n}",
                                 desk_region(0) + ".01")
    session.close()
    database.dispose()


def measure(url: str, folder: Path, mode: str, programs: int = 20) -> dict[str, float]:
    """Median time of the inbox, a task page, a submit, the start page and a start, and of a
    bare route asked right after each (so a noisy neighbour slows both alike), in ms."""
    prepare(url, programs)
    warm = mode == "warm"
    workers = 1 if warm else 3
    app = Stack(url, folder, workers=workers, threads=1)
    hello = Stack("", folder, target="benchmarks.hello:app", health="/", workers=workers,
                  threads=1)
    timed: dict[str, list[float]] = {name: [] for name in (
        "inbox", "task_page", "submit", "start_page", "start", "hello")}
    try:
        app.start_server()
        hello.start_server()
        bare = HttpPerson("", hello.port, keep_alive=warm)

        def timed_request(name: str, who: HttpPerson, method: str, path: str,
                          form: dict[str, str] | None = None) -> Reply:
            began = time.perf_counter()
            reply = who.request(method, path, form)
            timed[name].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            bare.request("GET", "/")
            timed["hello"].append((time.perf_counter() - began) * 1000)
            return reply

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
                page = timed_request("task_page", who, "GET", f"/tasks/{task_id}")
                assert page.status == 200, page.status
                token = CSRF.search(page.text)
                assert token, "no CSRF token on the task page"
                done = timed_request("submit", who, "POST", f"/tasks/{task_id}",
                                     {"csrf_token": token.group(1), "note": "baik"})
                assert done.status == 303, done.status
                # where a submit leads: back to the inbox, with its counts
                shown = timed_request("inbox", who, "GET", "/")
                assert shown.status == 200, shown.status
        coordinator = people["koordinator0"]
        for n in range(2 * programs):  # new programs in one of the desk's kecamatan
            page = timed_request("start_page", coordinator, "GET", "/programs/new")
            token = CSRF.search(page.text)
            assert page.status == 200 and token, page.status
            started = timed_request("start", coordinator, "POST", "/programs/new", {
                "csrf_token": token.group(1), "process_key": "handoff",
                "title": f"Program baru nomor {n}", "region": desk_region(0) + ".01"})
            assert started.status == 303, (started.status, started.text[:300])
    finally:
        app.stop()
        hello.stop()
    suffix = "" if warm else "_cold"
    figures = {f"http_{name}_ms{suffix}": statistics.median(times)
               for name, times in timed.items()}
    figures[f"http_requests{suffix}"] = float(sum(len(t) for n, t in timed.items()
                                                  if n != "hello"))
    return figures


def main(folder: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    for mode in ("warm", "cold"):
        found = measure(f"sqlite:///{folder / f'http-{mode}.sqlite3'}", folder, mode)
        suffix = "" if mode == "warm" else "_cold"
        hello = found[f"http_hello_ms{suffix}"]
        for name in ("inbox", "task_page", "submit", "start_page", "start"):
            found[f"http_{name}_over_hello{suffix}"] = found[f"http_{name}_ms{suffix}"] / hello
        figures.update(found)
    return figures


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        for key, value in main(Path(where)).items():
            print(f"{key}: {value:.2f}")
