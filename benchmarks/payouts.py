"""Payout-file benchmark: a bank's realisation file for a round of 100,000 families.

* ``payout_import_seconds_100k_<backend>``: a CSV of 100,000 rows (No. KK, name, amount,
  status, reason, date; 90 % paid, 8 % returned with a reason, 2 % collected by a proxy) read,
  matched to the round's lines and applied, as the worker does it (target: 30 s or less).
  Baseline, same run, same database: one bulk ``UPDATE`` setting the same lines as received
  (the least any way of filling them can do).

The round is made as a program reaches it (deployed diagrams, plan, approval, the round
opened); its 100,000 families go straight into the tables (a village list's import of that
size is ``registry.import_figures``'s).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from benchmarks.registry import _coordinator, _fresh, program_at_plan
from webapp.models import DistributionLine, Household, Instance
from webapp.services.assistance import payouts, rounds

REASONS = ("Rekening pasif", "Meninggal dunia", "Pindah domisili", "KPM tidak ditemukan",
           "Data ganda", "Sudah mampu")


def _families(session: Session, program: Instance, count: int) -> list[str]:
    """``count`` families of the program's kecamatan on its draft list; their KK numbers."""
    rng = random.Random(17)
    now = dt.datetime.now(dt.UTC)
    kks: list[str] = []
    used: set[str] = set()
    while len(kks) < count:
        issued = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))
        kk = f"350701{issued:%d%m%y}{rng.randint(1, 9999):04d}"
        if kk not in used:
            used.add(kk)
            kks.append(kk)
    connection = session.connection()
    for start in range(0, count, 20_000):
        connection.execute(Household.__table__.insert(), [
            {"kk_number": kk, "kk_reversed": kk[::-1], "region_code": "35.07.01.2001",
             "address": "", "rt": "001", "rw": "001", "status": "active", "created_at": now,
             "updated_at": now} for kk in kks[start:start + 20_000]])
    connection.execute(text(
        "INSERT INTO enrolment (instance_id, household_id, status, created_at, changed_at) "
        "SELECT :program, id, 'draft', :now, :now FROM household"),
        {"program": program.id, "now": now})
    session.commit()
    return kks


def payout_csv(kks: list[str]) -> bytes:
    rng = random.Random(5)
    lines = ["No;No. KK;Nama KPM;Nominal;Status;Keterangan;Tanggal Salur;Diwakilkan;"
             "Nama Penerima Kuasa;Hubungan"]
    for n, kk in enumerate(kks, start=1):
        luck = rng.random()
        if luck < 0.08:
            lines.append(f"{n};{kk};KPM {n};;RETUR;{rng.choice(REASONS)};;;;")
        elif luck < 0.10:
            lines.append(f"{n};{kk};KPM {n};600.000;Sukses;;15-01-2027;Ya;Wakil {n};Anak")
        else:
            lines.append(f"{n};{kk};KPM {n};600.000;Sukses;;15-01-2027;;;")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def payout_figures(url: str, backend: str, count: int = 100_000,
                   schema_only: bool = False) -> dict[str, float]:
    from tests.program_data import APPROVE, STEP_DATA

    session = _fresh(url, schema_only)
    coordinator = _coordinator(session)
    supervisor, program, step = program_at_plan(session, coordinator)
    kks = _families(session, program, count)
    step(coordinator, dict(STEP_DATA["program_plan"], rounds=1))
    step(supervisor, dict(APPROVE))
    rounds.open_round(session, coordinator, program.id, 1)
    if backend == "postgres":
        with session.get_bind().connect().execution_options(  # type: ignore[union-attr]
                isolation_level="AUTOCOMMIT") as raw:
            raw.exec_driver_sql("VACUUM ANALYZE distribution_line")
            raw.exec_driver_sql("VACUUM ANALYZE household")
    round_id = session.scalar(select(DistributionLine.round_id).limit(1))
    lines = update(DistributionLine).where(DistributionLine.round_id == round_id)
    started = time.perf_counter()  # the baseline: the same lines set received at once
    session.execute(lines.values(received=True, amount=DistributionLine.entitled_amount,
                                 received_by="recipient", source="import"))
    session.commit()
    baseline = time.perf_counter() - started
    session.execute(lines.values(received=None, amount=None, received_by="", source=""))
    session.commit()
    started = time.perf_counter()
    made = payouts.start(session, coordinator, program.id, 1, "realisasi.csv", payout_csv(kks))
    payouts.read(session, made.id, lambda: None)
    payouts.confirm(session, coordinator, program.id, 1, made.id)
    payouts.apply(session, made.id, lambda: None)
    elapsed = time.perf_counter() - started
    figures = rounds.figures(session, program.id, 1)
    assert figures.received + figures.not_received == count, figures
    session.close()
    label = f"{backend}_{count // 1000}k"
    return {f"payout_import_seconds_{label}": elapsed,
            f"payout_rows_per_s_{backend}": count / elapsed,
            f"payout_baseline_update_seconds_{label}": baseline,
            f"payout_over_baseline_{backend}": elapsed / baseline}


def main(folder: Path, postgres: str | None, small: bool = False) -> dict[str, float]:
    count = 20_000 if small else 100_000
    figures = payout_figures(f"sqlite:///{folder / 'payout.sqlite3'}", "sqlite", count)
    if postgres:
        base = postgres.rsplit("/", 1)[0]
        try:
            figures.update(payout_figures(f"{base}/simpul_bench_payout", "postgres", count))
        except Exception as err:  # noqa: BLE001 - no server: the SQLite figures stand
            print(f"payout postgres figures skipped: {type(err).__name__}: {err}")
    return figures


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--postgres-db", default="", help="a database of yours to use as it "
                        "is (its tables are dropped), instead of simpul_bench_payout")
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        results = main(Path(where), None if args.postgres_db else args.postgres or None,
                       args.small)
        if args.postgres_db:
            results.update(payout_figures(args.postgres_db, "postgres",
                                          20_000 if args.small else 100_000, True))
        for key, value in results.items():
            print(f"{key}: {value:.2f}")
