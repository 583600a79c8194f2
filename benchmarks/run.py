"""Simpul benchmarks: `make bench` prints one `name: value` line per figure.

Every ratio compares two figures measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from benchmarks import http, load, payouts, registry, rounds  # noqa: E402
from benchmarks import inbox as inbox_benchmark
from webapp import engine
from webapp.db import make_engine, make_session_factory
from webapp.migrate import upgrade_database
from webapp.models import User
from webapp.services.accounts import users
from webapp.services.areas import plug_in_areas
from webapp.services.diagrams import deployment
from webapp.services.workflow import completion, programs

HERE = Path(__file__).resolve().parent
LINEAR = HERE / "linear5.bpmn"
LOOP = HERE.parent / "tests/data/loop.bpmn"


def bare_instances_per_s(count: int) -> float:
    """SpiffWorkflow alone, in memory: start and finish ``count`` linear 5-task instances."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(LINEAR))
    spec = parser.get_spec("linear5")
    started = time.perf_counter()
    for _ in range(count):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        while not workflow.is_completed():
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                task.data["note"] = "ok"
                task.run()
            workflow.do_engine_steps()
    return count / (time.perf_counter() - started)


def _database(folder: Path) -> tuple[Session, User]:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade_database(url)
    database = make_engine(url)
    plug_in_areas(database)  # as create_app does
    session = make_session_factory(database)()
    users.configure_hashing("CHEAPEST")
    users.ensure_groups(session, [("Koordinator", "")])
    user = users.create_user(session, "bench", "bench-password-1", ["Koordinator"])
    for path in (LINEAR, LOOP):
        deployment.deploy_definitions(session, [engine.SourceFile(path.name, path.read_bytes())],
                                       user, origin="shipped")
    return session, user


def simpul_instances_per_s(session: Session, user: User, count: int) -> float:
    """The same process through Simpul's services, each step its own transaction."""
    started = time.perf_counter()
    for n in range(count):
        instance = programs.start_instance(session, user, "linear5", f"bench {n}", None)
        open_ids = programs.open_task_ids(session, instance.id)
        while open_ids:  # each step says which tasks it opened, as the task page uses it
            open_ids = [t.id for task_id in open_ids
                        for t in completion.complete_task(session, user, task_id, {"note": "ok"})]
    return count / (time.perf_counter() - started)


def loop_step_ms(session: Session, user: User, loops: int, window: int = 21
                 ) -> tuple[float, float, int]:
    """Step cost around the 10th iteration and at the ``loops``-th, and the state size there.

    Each figure is the median of ``window`` consecutive steps, so one WAL checkpoint or GC pause
    does not decide it.
    """
    instance = programs.start_instance(session, user, "loop", "bench loop", None)
    timings: list[float] = []
    for _ in range(loops):
        (task_id,) = programs.open_task_ids(session, instance.id)
        begin = time.perf_counter()
        completion.complete_task(session, user, task_id, {"value": 1, "done": False})
        timings.append(time.perf_counter() - begin)
    session.refresh(instance)
    first = statistics.median(timings[:window]) * 1000
    last = statistics.median(timings[-window:]) * 1000
    return first, last, len(instance.state.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--loops", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get(
        "SIMPUL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="server for the 1M-task inbox figure (a database simpul_bench is made there)")
    parser.add_argument("--inbox", choices=("full", "small", "skip"), default="full")
    parser.add_argument("--http", choices=("run", "skip"), default="run")
    parser.add_argument("--registry", choices=("full", "small", "skip"), default="full",
                        help="import, search and tick figures (small: 20k rows, 200k people)")
    parser.add_argument("--load-seconds", type=float, default=30,
                        help="length of each load run (0 skips the load runs)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python "
          f"{platform.python_version()}".strip())
    # Best of three runs each, interleaved, so a noisy neighbour hurts both sides alike.
    bare, persisted = 0.0, 0.0
    with tempfile.TemporaryDirectory() as folder:
        session, user = _database(Path(folder))
        for _ in range(args.repeat):
            bare = max(bare, bare_instances_per_s(args.instances))
            persisted = max(persisted, simpul_instances_per_s(session, user, args.instances))
        first, last, size = loop_step_ms(session, user, args.loops)
        session.close()
    print(f"bare_instances_per_s: {bare:.0f}")
    print(f"simpul_instances_per_s: {persisted:.0f}")
    print(f"persisted_over_bare: {persisted / bare:.3f}")
    print(f"step_ms_loop_10: {first:.2f}")
    print(f"step_ms_loop_{args.loops}: {last:.2f}")
    print(f"step_cost_{args.loops}_over_10: {last / first:.2f}")
    print(f"state_bytes_loop_{args.loops}: {size}")
    if args.http == "run":
        with tempfile.TemporaryDirectory() as folder:
            for name, value in http.main(Path(folder)).items():
                print(f"{name}: {value:.2f}")
    if args.registry != "skip":
        with tempfile.TemporaryDirectory() as folder:
            for name, value in registry.main(Path(folder), args.postgres,
                                             small=args.registry == "small").items():
                print(f"{name}: {value:.2f}", flush=True)
            for name, value in rounds.main(Path(folder), args.postgres).items():
                print(f"{name}: {value:.2f}", flush=True)
            for name, value in payouts.main(Path(folder), args.postgres,
                                            small=args.registry == "small").items():
                print(f"{name}: {value:.2f}", flush=True)
    if args.load_seconds > 0:
        for name, value in load.main(args.postgres, args.load_seconds).items():
            print(f"{name}: {value:.1f}")
    if args.inbox == "skip":
        return
    with tempfile.TemporaryDirectory() as folder:
        figures = inbox_benchmark.main(f"sqlite:///{Path(folder) / 'inbox.sqlite3'}", args.postgres,
                             small=args.inbox == "small")
    for name, value in figures.items():
        print(f"{name}: {value:.1f}")
    for backend in ("sqlite", "postgres"):
        base = figures.get(f"inbox_baseline_p95_ms_{backend}")
        measured = next((v for k, v in figures.items()
                         if k.startswith(f"inbox_p95_ms_{backend}")), None)
        if base and measured is not None:
            print(f"inbox_over_baseline_{backend}: {measured / base:.1f}")
    if "inbox_p95_ms_postgres_1m" not in figures:
        print("inbox_p95_ms_postgres_1m: skipped (no PostgreSQL reachable)")


if __name__ == "__main__":
    main()
