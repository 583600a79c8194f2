"""Load: 1, 4, 16 and 50 people working at once on the production server (gunicorn with its
default processes and threads, and the job worker), on SQLite and on PostgreSQL.

Each simulated person is a kabupaten desk (benchmarks/desk.py) taking real programs
(``program_cycle``: assessment, plan, approval, two distribution rounds, supervision visit,
evaluation, approval) from start to end, with a pause of 0.5–1.5 s before each form is sent
and between pieces of work (``SIMPUL_LOAD_THINK``): far quicker than anyone fills in a form.
locust drives them, headless, on 127.0.0.1 only, for a bounded time. A last run at 50 desks
with no pause at all shows what the machine can do flat out.

``python -m benchmarks.load`` prints ``name: value`` lines; ``make bench`` includes it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.inbox import postgres_database
from benchmarks.stack import ROOT, Stack, seed

PEOPLE = (1, 4, 16, 50)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] \
        if ordered else 0.0


def completed_programs(url: str) -> int:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from webapp.db import make_engine
    from webapp.models import Instance

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Instance)
                                    .where(Instance.status == "completed")).scalar_one())
    finally:
        engine.dispose()


def run_once(url: str, folder: Path, people: int, seconds: float,
             think: str = "0.5,1.5") -> dict[str, Any]:
    """Seed, serve, run ``people`` desks for ``seconds``; the figures of that run."""
    seed(url, max(people, 1))
    with Stack(url, folder) as stack:
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.locust_desks", "--host",
             f"http://127.0.0.1:{stack.port}", "--users", str(people),
             "--seconds", str(seconds)],
            cwd=ROOT, env=dict(os.environ, SIMPUL_LOAD_THINK=think), capture_output=True,
            text=True, timeout=seconds + 120)
        wall = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"locust failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    timings: dict[str, list[float]] = result["timings"]
    everything = [t for values in timings.values() for t in values]
    errors = sum(result["failures"].values()) + len(result["exceptions"])
    return {
        "submit_p95_ms": percentile(timings.get("submit", []), 0.95),
        "submit_p50_ms": percentile(timings.get("submit", []), 0.50),
        "task_page_p95_ms": percentile(timings.get("task page", []), 0.95),
        "inbox_p95_ms": percentile(timings.get("inbox", []), 0.95),
        "requests_per_s": len(everything) / result["seconds"],
        "instances_per_s": completed_programs(url) / result["seconds"],
        "errors": errors,
        "exceptions": result["exceptions"],
        "wall_s": wall,
    }


def database(backend: str, folder: Path, server: str, people: int) -> str | None:
    if backend == "sqlite":
        return f"sqlite:///{folder / f'load-{people}.sqlite3'}"
    return postgres_database(server, "simpul_load")


def main(server: str, seconds: float = 30, backends: tuple[str, ...] = ("sqlite", "postgres"),
         people: tuple[int, ...] = PEOPLE, flat_out: bool = True) -> dict[str, float]:
    figures: dict[str, float] = {}
    runs = [(n, "0.5,1.5", "") for n in people]
    if flat_out:
        runs.append((max(people), "0,0", "_flat_out"))
    for backend in backends:
        for count, think, suffix in runs:
            with tempfile.TemporaryDirectory() as folder:
                url = database(backend, Path(folder), server, count)
                if url is None:
                    print(f"load_{count}{suffix}_{backend}: skipped (no PostgreSQL reachable)")
                    break
                result = run_once(url, Path(folder), count, seconds, think)
            name = f"load_{count}{suffix}"
            for key in ("submit_p95_ms", "submit_p50_ms", "task_page_p95_ms", "inbox_p95_ms",
                        "requests_per_s", "instances_per_s", "errors"):
                figures[f"{name}_{key}_{backend}"] = float(result[key])
            for line in result["exceptions"][:5]:
                print(f"# {name} {backend}: {line}", file=sys.stderr)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--people", default=",".join(map(str, PEOPLE)))
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-flat-out", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get(
        "SIMPUL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    found = main(args.postgres, args.seconds, tuple(args.backends.split(",")),
                 tuple(int(n) for n in args.people.split(",")), not args.no_flat_out)
    for key, value in found.items():
        print(f"{key}: {value:.1f}")
