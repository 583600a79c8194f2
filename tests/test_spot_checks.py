"""Monitoring lapangan (uji petik): the supervisor checks a sample of the families recorded as
having received their assistance, one by one, and the step takes its counts from the checks."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.program_data import fresh
from tests.test_program_records import close_round, planned
from tests.test_recipients import last_data, open_task, step
from tests.test_ticks import enrolments
from webapp.models import Instance, SpotCheck, User
from webapp.services.assistance import rounds, spot_checks, ticks
from webapp.services.errors import Forbidden, InvalidInput, NotFound
from webapp.services.workflow import completion


def at_monitoring(session: Session, people: dict[str, User], families: int) -> Instance:
    k = people["koordinator"]
    program = planned(session, people, families, rounds=1, benefit_rupiah=200_000)
    rounds.open_round(session, k, program.id, 1)
    for enrolment_id in enrolments(session, program):
        ticks.tick(session, k, program.id, enrolment_id, 1, True)
    close_round(session, people, program)
    assert open_task(session, program).form_key == "supervision_visit"
    return program


def test_the_supervisor_checks_a_sample_one_by_one(session: Session,
                                                   people: dict[str, User]) -> None:
    program = at_monitoring(session, people, 40)
    supervisor, k = people["supervisor"], people["koordinator"]
    sample = spot_checks.sample(session, supervisor, program.id)
    assert len(sample) == 10  # 5 % of 40 is 2: at least 10
    assert [s.line.id for s in sample] == [s.line.id for s in spot_checks.sample(
        session, k, program.id)]  # the same sample for everyone
    first, second, third = (s.line.id for s in sample[:3])
    with pytest.raises(Forbidden):  # the coordinator recorded the round; the check is not theirs
        spot_checks.record(session, k, program.id, first, True, True, True)
    session.rollback()
    with pytest.raises(InvalidInput):  # a deduction needs what the family said
        spot_checks.record(session, supervisor, program.id, first, True, True, True, 50_000)
    session.rollback()
    outside = max(s.line.id for s in sample) + 10_000
    with pytest.raises(NotFound):
        spot_checks.record(session, supervisor, program.id, outside, True, True, True)
    session.rollback()
    task = open_task(session, program)
    with pytest.raises(Exception, match="at least one family"):
        completion.complete_task(session, supervisor, task.id,
                                 {"visit_date": "2027-01-20", "findings": "Belum ada."})
    session.rollback()
    spot_checks.record(session, supervisor, program.id, first, True, True, True, 50_000,
                       "Dipotong ketua kelompok untuk 'uang transport'")
    spot_checks.record(session, supervisor, program.id, second, True, True, False)
    spot_checks.record(session, supervisor, program.id, third, False, False, False, 0,
                       "Tidak pernah menerima; tanda tangan di BAST bukan miliknya")
    spot_checks.record(session, supervisor, program.id, second, True, True, True)  # changed
    fresh(session)
    assert session.scalar(sa.select(sa.func.count(SpotCheck.id))) == 3
    step(session, people, program, {"visit_date": "2027-01-20", "households_verified": 99,
                                     "findings": "Ada potongan di satu keluarga.",
                                     "corrective_actions": "", "follow_up_needed": True})
    recorded = last_data(session, "supervision_visit")
    assert {k: recorded[k] for k in ("households_verified", "sample_size",
                                     "households_with_deduction", "deductions_rupiah",
                                     "households_not_received", "households_late")} == {
        "households_verified": 3, "sample_size": 10, "households_with_deduction": 1,
        "deductions_rupiah": 50_000, "households_not_received": 1, "households_late": 1}


def test_the_sample_page(session: Session, people: dict[str, User], client: Any) -> None:
    from tests.conftest import csrf_token, login

    program = at_monitoring(session, people, 12)
    login(client, "supervisor")
    url = f"/programs/{program.id}/spot-checks"
    page = client.get(url).get_data(as_text=True)
    assert page.count('spot-check-form"') == 10 and "Uji petik" in page
    line_id = spot_checks.sample(session, people["supervisor"], program.id)[0].line.id
    token = csrf_token(client, url)
    saved = client.post(f"{url}/{line_id}", data={
        "csrf_token": token, "received": "1", "right_amount": "1", "deduction": "25.000",
        "note": "Dipotong untuk kas RT"})
    assert saved.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Rp 25.000" in page and "Dipotong untuk kas RT" in page
    task = open_task(session, program)
    step_page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="households_verified"' not in step_page and "potongan" in step_page
    login(client, "kota")  # another region: not even the sample
    assert client.get(url).status_code == 404
