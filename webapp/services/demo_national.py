"""The second demo program: PKH, a national program the office monitors. Kemensos fixed its
list: it is imported from a SIKS-NG export, the first round's realisation comes from the
bank's payout file, and the desk records what it verifies. Generated from the demo registry
through the same use cases and worker jobs a person's uploads take."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Household, Job, Person, User
from .assistance import national, payouts, rounds
from .workflow import completion, jobs, programs

TITLE = "PKH Kecamatan Donomulyo 2026 (pemantauan)"
# PKH components per round (Rp): the amounts families are entitled to differ
COMPONENTS = (750_000, 900_000, 600_000, 1_125_000)
RETURNS = ("Rekening pasif", "KPM meninggal dunia", "Tidak ditemukan di alamat", "Pindah")


def _run_jobs(session: Session, kind: str) -> None:
    """Run the worker's pending jobs of ``kind`` now, as the worker would."""
    for job_id in session.scalars(select(Job.id).where(Job.kind == kind,
                                                       Job.status == "pending")):
        jobs.run_now(session, job_id, "demo-seed")


def _csv(headers: list[str], rows: list[list[str]], title: str) -> bytes:
    lines = [title, ";".join(headers)]
    lines += [";".join([str(n), *row]) for n, row in enumerate(rows, start=1)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _families(session: Session, count: int) -> list[tuple[str, str, str, str]]:
    """(KK, NIK of the pengurus, her name, desa) of ``count`` demo families."""
    found = []
    for household in session.scalars(select(Household).where(
            Household.region_code.like("35.07.01.%")).order_by(Household.id).limit(count)):
        members = [m for m in household.members if m.nik and m.died_on is None]
        pengurus: Person | None = next((m for m in members if m.relation == "wife"),
                                       members[0] if members else None)
        if pengurus is not None and pengurus.nik:
            found.append((household.kk_number, pengurus.nik, pengurus.full_name,
                          household.region.name))
    return found


def seed(session: Session, coordinator: User, supervisor: User,
         assessment: dict[str, Any]) -> None:
    """The PKH program, at its second round: list imported, round 1 paid by the bank."""
    program = programs.start_instance(session, coordinator, "program_cycle", TITLE,
                                      "35.07.01")
    (first,) = programs.open_tasks(session, program)
    completion.complete_task(session, coordinator, first.id, assessment)
    rng = random.Random(2026)
    listed = _families(session, 40)
    rows = [[kk, nik, name, desa, f"{rng.choice(COMPONENTS):,}".replace(",", ".")]
            for kk, nik, name, desa in listed]
    rows += [[kk[:-4] + "9999", "", "Nama Tidak Terdaftar", desa, "750.000"]
             for kk, _, _, desa in listed[:3]]  # not in the registry: the worklist
    made = national.start(session, coordinator, program.id, "siks-ng-pkh-donomulyo.csv",
                          _csv(["No", "No. KK", "NIK Pengurus", "Nama Pengurus",
                                "Desa/Kelurahan", "Nominal"], rows,
                               "DATA KPM PKH TAHAP I - SIKS-NG"), scheme="pkh")
    _run_jobs(session, national.JOB_KIND)
    national.confirm(session, coordinator, program.id, made.id)
    _run_jobs(session, national.JOB_KIND)
    (plan,) = programs.open_tasks(session, program)
    completion.complete_task(session, coordinator, plan.id, {
        "program_kind": "national", "scheme": "pkh", "funding_source": "apbn",
        "fiscal_year": 2026, "target_households": 45, "budget_rupiah": 150_000_000,
        "benefit_kind": "money", "benefit_rupiah": None, "benefit_goods": "",
        "start_date": "2026-10-01", "end_date": "2026-12-31", "rounds": 2,
        "decree_number": "", "decree_date": None,
        "partners": "Bank Himbara penyalur; pendamping PKH kecamatan",
        "plan_notes": "Daftar dari SIKS-NG; dinas memverifikasi dan menindaklanjuti retur."})
    (approval,) = programs.open_tasks(session, program)
    completion.complete_task(session, supervisor, approval.id,
                             {"decision": "approve", "reason": ""})
    rounds.open_round(session, coordinator, program.id, 1, channel="bank")
    paid_on = (dt.date.today() - dt.timedelta(days=3)).strftime("%d-%m-%Y")
    payout_rows = []
    for index, (kk, nik, name, _) in enumerate(listed):
        if index % 10 == 9:
            payout_rows.append([kk, nik, name, "", "Retur", RETURNS[index // 10 % 4], "", "",
                                "", ""])
        else:
            payout_rows.append([kk, nik, name, "", "Sukses", "", paid_on, "", "", ""])
    made = payouts.start(session, coordinator, program.id, 1, "realisasi-bank-tahap-1.csv",
                         _csv(["No", "No. KK", "NIK Penerima", "Nama KPM", "Nominal",
                               "Status", "Keterangan", "Tanggal Salur", "Diwakilkan",
                               "Nama Penerima Kuasa", "Hubungan"], payout_rows,
                              "REALISASI PENYALURAN PKH TAHAP I"))
    _run_jobs(session, payouts.JOB_KIND)
    payouts.confirm(session, coordinator, program.id, 1, made.id)
    _run_jobs(session, payouts.JOB_KIND)
