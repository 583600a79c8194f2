"""A distribution round's ticks as they arrive from the field: with and without JavaScript, sent
again after a dropped connection (harmless, and never undoing a newer tick), and an *other*
reason that says what happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import data_for, fresh, program_at
from tests.test_recipients import open_task, register, step
from webapp.models import DistributionLine, Enrolment, Instance, User
from webapp.services.assistance import recipient_lists, rounds, ticks
from webapp.services.errors import InvalidInput


def at_round(session: Session, people: dict[str, User], families: int) -> Instance:
    """A program whose list of ``families`` is approved and whose first round is open."""
    register(session, people["koordinator"], families)
    program = program_at(session, people, "program_plan")
    recipient_lists.add_from_registry(session, people["koordinator"], program.id, desil="1-4")
    plan = data_for("program_plan")
    plan.update(rounds=2, budget_rupiah=100_000_000)
    step(session, people, program, plan)
    step(session, people, program)  # approved: the list is enrolled, round 1 is next
    assert open_task(session, program).form_key == "distribution_record"
    rounds.open_round(session, people["koordinator"], program.id, 1)  # its families fixed
    return program


def enrolments(session: Session, program: Instance) -> list[int]:
    return list(session.scalars(sa.select(Enrolment.id).where(
        Enrolment.instance_id == program.id).order_by(Enrolment.id)))


@pytest.fixture
def round_open(session: Session, people: dict[str, User]) -> Instance:
    return at_round(session, people, 3)


def test_a_tick_without_javascript_is_saved_and_the_checklist_comes_back(
        session: Session, round_open: Instance, client: Any) -> None:
    login(client, "koordinator")
    first = enrolments(session, round_open)[0]
    url = f"/programs/{round_open.id}/rounds/1"
    token = csrf_token(client, url)
    answer = client.post(f"{url}/lines/{first}", data={"csrf_token": token, "received": "1"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"{url}#line-{first}")
    page = client.get(url).get_data(as_text=True)
    assert "Tersimpan." in page and "✓" in page
    refused = client.post(f"{url}/lines/{first}", data={"csrf_token": token,
                                                        "reason": "nonsense"})
    assert refused.status_code == 303
    assert "Sebutkan mengapa" in client.get(url).get_data(as_text=True)
    fresh(session)
    # the three families due have their lines since the round opened; one is ticked
    assert session.scalars(sa.select(DistributionLine.received).order_by(
        DistributionLine.enrolment_id)).all() == [True, None, None]


def test_a_tick_sent_again_by_the_queue_gets_its_row_and_changes_nothing_twice(
        session: Session, round_open: Instance, client: Any) -> None:
    """What the offline queue sends: the row back (no 500), and the same tick twice is one
    line; an older tick arriving late does not undo the newer one."""
    login(client, "koordinator")
    first = enrolments(session, round_open)[0]
    url = f"/programs/{round_open.id}/rounds/1"
    token = csrf_token(client, url)
    made = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    resend = {"csrf_token": token, "received": "1", "amount": "150.000", "ticked_at": made}
    headers = {"HX-Request": "true", "HX-Target": f"line-{first}"}
    for _ in range(2):
        answer = client.post(f"{url}/lines/{first}", data=resend, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        assert answer.headers["HX-Trigger"] == "line-saved"
        assert f'id="line-{first}"' in answer.get_data(as_text=True)
    fresh(session)
    line = session.scalars(sa.select(DistributionLine).where(
        DistributionLine.enrolment_id == first)).one()
    assert line.received and line.amount == 150_000
    assert line.ticked_at is not None
    assert abs((line.ticked_at - dt.datetime.fromisoformat(made)).total_seconds()) < 1
    # changed on the spot since (absent), then the old tick arrives once more: it stays absent
    changed = client.post(f"{url}/lines/{first}", data={
        "csrf_token": token, "reason": "absent",
        "ticked_at": dt.datetime.now(dt.UTC).isoformat()}, headers=headers)
    assert changed.status_code == 200
    late = client.post(f"{url}/lines/{first}", data=resend, headers=headers)
    assert late.status_code == 200 and "tidak diterima" in late.get_data(as_text=True)
    fresh(session)
    line = session.scalars(sa.select(DistributionLine).where(
        DistributionLine.enrolment_id == first)).one()
    assert (line.received, line.reason, line.amount) == (False, "absent", None)


def test_a_phone_clock_in_the_future_counts_from_the_arrival(
        session: Session, people: dict[str, User], round_open: Instance) -> None:
    first = enrolments(session, round_open)[0]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    line = ticks.tick(session, people["koordinator"], round_open.id, first, 1, True,
                              ticked_at=future)
    fresh(session)
    line = session.get(DistributionLine, line.id)
    assert line is not None and line.ticked_at is not None
    assert line.ticked_at <= dt.datetime.now(dt.UTC)
    # and a later real tick still replaces it
    ticks.tick(session, people["koordinator"], round_open.id, first, 1, False,
                       reason="moved")
    fresh(session)
    assert session.scalars(sa.select(DistributionLine.reason).where(
        DistributionLine.enrolment_id == first)).one() == "moved"


def test_other_says_what_happened(session: Session, people: dict[str, User],
                                  round_open: Instance) -> None:
    first = enrolments(session, round_open)[0]
    with pytest.raises(InvalidInput):
        ticks.tick(session, people["koordinator"], round_open.id, first, 1, False,
                           reason="other")
    session.rollback()
    ticks.tick(session, people["koordinator"], round_open.id, first, 1, False,
                       reason="other", note="rumah terkunci, tetangga bilang ke kota")
    fresh(session)
    line = session.scalars(sa.select(DistributionLine).where(
        DistributionLine.enrolment_id == first)).one()
    assert (line.reason, line.note) == ("other", "rumah terkunci, tetangga bilang ke kota")
