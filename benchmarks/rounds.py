"""Opening a distribution round: the families due are fixed in one statement.

``round_open_ms_5000`` opens round 1 of a program whose list holds 5,000 enrolled families
(one unticked line each, with its entitled amount); the baseline inserts the same 5,000 rows
in one bulk insert from Python. Both are repeated on a fresh round and the median is kept.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from benchmarks.registry import program_with_list


def round_open_figures(url: str, label: str, families: int = 5000,
                       repeat: int = 5) -> dict[str, float]:
    from webapp.models import DistributionLine, DistributionRound, Enrolment, Program
    from webapp.services.assistance import rounds

    session, coordinator, program = program_with_list(url, families)
    row_id = session.scalar(select(DistributionRound.id).join(Program).where(
        Program.instance_id == program.id, DistributionRound.number == 1))
    enrolled = list(session.scalars(select(Enrolment.id).where(
        Enrolment.instance_id == program.id, Enrolment.status == "enrolled")
        .order_by(Enrolment.id)))
    session.execute(update(Enrolment).where(Enrolment.id.in_(enrolled[families:]))
                    .values(status="exited"))  # exactly ``families`` due
    session.commit()
    enrolled = enrolled[:families]

    def reset() -> None:
        session.execute(delete(DistributionLine).where(DistributionLine.round_id == row_id))
        session.execute(update(DistributionRound).where(DistributionRound.id == row_id)
                        .values(opened_at=None, opened_by_id=None))
        session.commit()

    opened: list[float] = []
    bulk: list[float] = []
    for _ in range(repeat):
        reset()
        begin = time.perf_counter()
        due = rounds.open_round(session, coordinator, program.id, 1)
        opened.append((time.perf_counter() - begin) * 1000)
        assert due == len(enrolled)
        reset()
        rows = [{"round_id": row_id, "enrolment_id": e, "entitled_amount": 150_000}
                for e in enrolled]
        begin = time.perf_counter()
        session.execute(insert(DistributionLine), rows)
        session.commit()
        bulk.append((time.perf_counter() - begin) * 1000)
    session.close()
    measured, base = statistics.median(opened), statistics.median(bulk)
    return {f"round_open_families_{label}": float(len(enrolled)),
            f"round_open_ms_5000_{label}": measured,
            f"round_open_bulk_insert_baseline_ms_{label}": base,
            f"round_open_over_baseline_{label}": measured / base}


def main(folder: Path, postgres: str | None) -> dict[str, float]:
    figures = round_open_figures(f"sqlite:///{folder / 'rounds.sqlite3'}", "sqlite")
    if postgres:
        base = postgres.rsplit("/", 1)[0]
        try:
            figures.update(round_open_figures(f"{base}/simpul_bench_rounds", "postgres"))
        except Exception as err:  # noqa: BLE001 - no server: the SQLite figures stand
            print(f"round postgres figures skipped: {type(err).__name__}: {err}")
    return figures
