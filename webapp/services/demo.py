"""Demo data for `make run`: the users of a Dinas Sosial, a registry of synthetic families in
two desa of Donomulyo, and a local program of the office's own (an APBD food top-up for elderly
people living alone, in one kecamatan) waiting at planning: the coordinator builds its list
from the registry. (PKH or Sembako are national programs: their lists are imported, not
planned here.) A second program is one: PKH, monitored from its imported SIKS-NG list and the
bank's payout file of its first round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import User
from . import demo_national
from .accounts import users
from .registry import synthetic
from .workflow import completion, programs

DEMO_REGION = "35.07"  # Kabupaten Malang
DEMO_USERS = [
    ("koordinator", "Sari Wulandari", "coordinator", ["Koordinator"]),
    ("supervisor", "Budi Santoso", "supervisor", ["Supervisor"]),
    ("kabid", "Rina Hartati", "supervisor", ["Kepala Bidang"]),
    ("admin", "Admin Simpul", "admin", ["Admin"]),
]
DEMO_ASSESSMENT = {
    "assessment_date": dt.date.today().isoformat(),
    # Tulungrejo, Kedungsalam, Donomulyo: the registry's figures are taken at the step
    "villages": ["35.07.01.2001", "35.07.01.2003", "35.07.01.2006"],
    "households_total": 420, "hh_in_need": 150, "hh_food_insecure": 96,
    "notes": "Lansia yang tinggal sendiri dan tidak lagi bekerja, menurut musyawarah desa dan "
             "kunjungan rumah; beberapa belum makan teratur.",
}


def seed(session: Session, new_password: Callable[[], str]) -> list[tuple[str, str]]:
    """Create what is missing; returns the (username, password) pairs created."""
    # Several transactions: each step is a use case that commits its own unit of work.
    created = []
    for username, full_name, role, groups in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is not None:
            continue
        password = new_password()
        region = DEMO_REGION if role != "admin" else None
        users.create_user(session, username, password, groups, role=role, full_name=full_name,
                          region_code=region)
        created.append((username, password))
    coordinator = session.scalar(select(User).where(User.username == "koordinator"))
    if coordinator is not None:  # first the registry: the assessment takes its figures
        synthetic.seed_demo(session, coordinator)
    if created and created[0][0] == "koordinator":
        assert coordinator is not None
        program = programs.start_instance(
            session, coordinator, "program_cycle",
            "Permakanan Lansia Tunggal Kecamatan Donomulyo 2027", DEMO_REGION + ".01")
        (first,) = programs.open_tasks(session, program)
        completion.complete_task(session, coordinator, first.id, DEMO_ASSESSMENT)
        supervisor = session.scalar(select(User).where(User.username == "supervisor"))
        if supervisor is not None:
            demo_national.seed(session, coordinator, supervisor, DEMO_ASSESSMENT)
    return created
