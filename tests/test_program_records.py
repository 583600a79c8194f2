"""Programs and their rounds as records: the plan writes the program row, a round fixes its
families due and their entitled amounts when it opens, a proxy collection counts as received,
the decree enrols a local list, the round's step closes it with what it recorded, and a tick's
date is the desa's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.program_data import RETURN, data_for, fresh, program_at
from tests.test_recipients import open_task, register, step
from tests.test_ticks import enrolments
from webapp.db import unit_of_work
from webapp.models import (
    DistributionLine,
    DistributionRound,
    Enrolment,
    Household,
    Instance,
    Program,
    Region,
    User,
)
from webapp.services.accounts.regions import local_date
from webapp.services.assistance import recipient_lists, records, rounds, ticks
from webapp.services.errors import Conflict, InvalidInput


def planned(session: Session, people: dict[str, User], families: int,
            **plan_fields: Any) -> Instance:
    """A program whose plan (with ``plan_fields``) is approved, with ``families`` listed."""
    register(session, people["koordinator"], families)
    program = program_at(session, people, "program_plan")
    recipient_lists.add_from_registry(session, people["koordinator"], program.id,
                                      desil="1-4")
    plan = data_for("program_plan")
    plan.update(plan_fields)
    step(session, people, program, plan)
    step(session, people, program)  # approved
    return program


def close_round(session: Session, people: dict[str, User], program: Instance,
                **fields: Any) -> None:
    data = data_for("distribution_record")
    data.update(close_with_unticked=True, **fields)
    step(session, people, program, data)


def due(session: Session, program: Instance, number: int) -> int:
    fresh(session)
    return rounds.figures(session, program.id, number).due


def test_families_due_are_fixed_when_a_round_opens(session: Session,
                                                   people: dict[str, User]) -> None:
    """150 families over 4 rounds; 10 are paused during round 2: round 2 keeps its 150 due,
    round 3 opens with 140."""
    k = people["koordinator"]
    program = planned(session, people, 150, rounds=4, budget_rupiah=500_000_000,
                      benefit_rupiah=200_000)
    ids = enrolments(session, program)
    for enrolment_id in ids[:5]:  # these families are entitled to more (a top-up by need)
        recipient_lists.set_terms(session, k, program.id, enrolment_id, None, 350_000)
    for number in range(1, 5):
        assert rounds.open_round(session, k, program.id, number) == (150 if number <= 2
                                                                     else 140)
        assert rounds.open_round(session, k, program.id, number) == due(session, program,
                                                                        number)  # once
        for enrolment_id in ids[:20]:
            ticks.tick(session, k, program.id, enrolment_id, number, True)
        if number == 2:
            for enrolment_id in ids[-10:]:
                recipient_lists.set_status(session, k, program.id, enrolment_id, "paused",
                                           "Sedang diverifikasi ulang")
        assert due(session, program, number) == (150 if number <= 2 else 140)
        close_round(session, people, program)
    assert [due(session, program, n) for n in range(1, 5)] == [150, 150, 140, 140]
    round_one = rounds.figures(session, program.id, 1)
    assert (round_one.received, round_one.unticked) == (20, 130)
    assert round_one.amount == 5 * 350_000 + 15 * 200_000  # each family its entitled amount
    assert round_one.entitled == 5 * 350_000 + 145 * 200_000
    with pytest.raises(Conflict):  # every round is closed
        rounds.open_round(session, k, program.id, 4)


def test_a_proxy_collection_counts_as_received_with_its_name(
        session: Session, people: dict[str, User]) -> None:
    k = people["koordinator"]
    program = planned(session, people, 3, benefit_rupiah=300_000)
    first, second, third = enrolments(session, program)
    wife = session.scalar(sa.select(Household).join(Enrolment).where(
        Enrolment.id == second)).members[-1]
    recipient_lists.set_terms(session, k, program.id, second, wife.id, None)
    rounds.open_round(session, k, program.id, 1, channel="pos")
    ticks.tick(session, k, program.id, first, 1, True, received_by="proxy",
               proxy_name="Sumiati", proxy_relation="Tetangga")
    ticks.tick(session, k, program.id, third, 1, False, reason="card_problem")
    with pytest.raises(InvalidInput):  # a proxy needs a name and a relation
        ticks.tick(session, k, program.id, second, 1, True, received_by="proxy")
    session.rollback()
    found = rounds.figures(session, program.id, 1)
    assert (found.received, found.by_proxy, found.not_received, found.unticked) == (1, 1, 1, 1)
    assert found.reasons == {"card_problem": 1}
    line = session.scalar(sa.select(DistributionLine).where(
        DistributionLine.enrolment_id == first))
    assert line is not None
    assert (line.received_by, line.proxy_name, line.proxy_relation, line.amount,
            line.source) == ("proxy", "Sumiati", "Tetangga", 300_000, "tick")
    listed, _ = recipient_lists.entries(session, k, program.id, round_=1, only=second)
    assert listed[0].enrolment.recipient is not None
    assert listed[0].enrolment.recipient.full_name == wife.full_name  # shown on the checklist
    fresh(session)
    assert session.scalar(sa.select(DistributionRound.channel).join(Program).where(
        Program.instance_id == program.id, DistributionRound.number == 1)) == "pos"


def test_a_local_list_is_enrolled_by_its_decree(session: Session,
                                                people: dict[str, User]) -> None:
    k = people["koordinator"]
    program = planned(session, people, 4, decree_number="", decree_date=None)
    fresh(session)
    statuses = set(session.scalars(sa.select(Enrolment.status).where(
        Enrolment.instance_id == program.id)))
    assert statuses == {"draft"}  # approved, waiting for its SK penetapan
    with pytest.raises(Conflict, match="SK"):
        rounds.open_round(session, k, program.id, 1)
    session.rollback()
    assert records.record_decree(session, k, program.id, "188/77/KPTS/2026",
                                 dt.date(2026, 11, 30)) == 4
    assert rounds.open_round(session, k, program.id, 1) == 4
    fresh(session)
    record = session.scalar(sa.select(Program).where(Program.instance_id == program.id))
    assert record is not None and record.decree_number == "188/77/KPTS/2026"


def test_the_plan_writes_the_record_again_after_a_return(session: Session,
                                                         people: dict[str, User]) -> None:
    program = program_at(session, people, "program_plan")
    plan = data_for("program_plan")
    step(session, people, program, plan)
    step(session, people, program, dict(RETURN))  # returned for revision
    plan.update(budget_rupiah=60_000_000, rounds=3, target_households=200)
    step(session, people, program, plan)
    fresh(session)
    record = session.scalar(sa.select(Program).where(Program.instance_id == program.id))
    assert record is not None
    assert (record.budget, record.target_kpm, record.rounds_planned, record.scheme,
            record.funding, record.benefit_goods) == (60_000_000, 200, 3, "apbd",
                                                      "apbd_regency", "10 kg beras")
    assert [r.number for r in record.rounds] == [1, 2, 3]
    assert [r.planned_date for r in record.rounds] == [
        dt.date(2026, 12, 31), dt.date(2027, 1, 29), dt.date(2027, 2, 28)]  # spread evenly


def test_the_rounds_step_closes_it_with_what_it_recorded(session: Session,
                                                         people: dict[str, User]) -> None:
    k = people["koordinator"]
    program = planned(session, people, 2, rounds=2)
    rounds.open_round(session, k, program.id, 1)
    close_round(session, people, program, distribution_date="2027-01-20", on_time=True,
                sp2d_number="SP2D-0042", sp2d_date="2027-01-10", sp2d_rupiah=300_000,
                six_t_time="no", channel="cash")
    fresh(session)
    row = rounds.round_row(session, program.id, 1)
    assert row is not None and row.state == "closed"
    assert (row.distributed_on, row.channel, row.sp2d_number, row.sp2d_amount) == (
        dt.date(2027, 1, 20), "cash", "SP2D-0042", 300_000)
    assert row.six_t["time"] == "no" and row.six_t["price"] == "na"
    # planned for 14 Jan (half of 1 Dec – 28 Feb): distributed on the 20th is late, whatever
    # was ticked
    assert row.planned_date == dt.date(2027, 1, 14) and row.on_time is False
    assert open_task(session, program).form_key == "distribution_record"  # round 2


def test_a_tick_writes_the_date_of_the_desa(session: Session, people: dict[str, User]) -> None:
    """Papua is two hours ahead of Java: late in a Javanese evening it is already tomorrow in
    Jayapura."""
    papua = session.scalar(sa.select(Region.code).where(Region.code.like("91.%"),
                                                       Region.level == "desa_kelurahan").limit(1))
    assert papua is not None
    now = dt.datetime.now(dt.UTC)
    instant = now.replace(hour=16, minute=30, second=0, microsecond=0)
    if instant > now:
        instant -= dt.timedelta(days=1)
    assert local_date("35.07.01.2001", instant) == instant.date()  # 23:30 WIB
    assert local_date(papua, instant) == instant.date() + dt.timedelta(days=1)  # 01:30 WIT
    assert local_date("51.71.01.1001", instant) == instant.date() + dt.timedelta(days=1)
    k = people["koordinator"]
    program = planned(session, people, 2)
    java, far = enrolments(session, program)
    with unit_of_work(session):  # the second family lives in Papua
        household = session.scalar(sa.select(Household).join(Enrolment).where(
            Enrolment.id == far))
        assert household is not None
        household.region_code = papua
    rounds.open_round(session, k, program.id, 1)
    for enrolment_id in (java, far):
        ticks.tick(session, k, program.id, enrolment_id, 1, True, ticked_at=instant)
    fresh(session)
    days = dict(session.execute(sa.select(DistributionLine.enrolment_id,
                                          DistributionLine.received_on)).all())
    assert days == {java: instant.date(), far: instant.date() + dt.timedelta(days=1)}


def test_the_decree_and_a_familys_terms_through_the_pages(
        session: Session, people: dict[str, User], client: Any) -> None:
    from tests.conftest import csrf_token, login

    program = planned(session, people, 2, decree_number="", decree_date=None)
    first, _second = enrolments(session, program)
    login(client, "koordinator")
    url = f"/programs/{program.id}/rounds/1"
    page = client.get(url).get_data(as_text=True)
    assert "SK penetapan" in page and 'name="decree_number"' in page
    assert "/rounds/1/open" not in page  # no opening before the decree
    token = csrf_token(client, url)
    refused = client.post(f"/programs/{program.id}/decree", data={
        "csrf_token": token, "decree_number": "188/1", "decree_date": "2999-01-01"})
    assert refused.status_code == 303
    assert "tidak boleh di masa depan" in client.get(url).get_data(as_text=True)
    script = client.post(f"/programs/{program.id}/decree", data={
        "csrf_token": token, "decree_number": "188/1/KPTS/2026", "decree_date": "2026-11-30",
        "decree_file": (__import__("io").BytesIO(b"<html><script>"), "sk.pdf")},
        content_type="multipart/form-data")
    assert script.status_code == 303  # markup posing as a PDF is refused, nothing recorded
    fresh(session)
    assert session.scalar(sa.select(Program.decree_number).where(
        Program.instance_id == program.id)) == ""
    recorded = client.post(f"/programs/{program.id}/decree", data={
        "csrf_token": token, "decree_number": "188/1/KPTS/2026", "decree_date": "2026-11-30",
        "decree_file": (__import__("io").BytesIO(b"%PDF-1.4 sk"), "sk.pdf")},
        content_type="multipart/form-data")
    assert recorded.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "2 keluarga ditetapkan" in page and "/rounds/1/open" in page
    terms = client.post(f"/programs/{program.id}/recipients/{first}/terms", data={
        "csrf_token": token, "recipient_id": "", "entitled_amount": "425.000"})
    assert terms.status_code == 303
    listing = client.get(f"/programs/{program.id}/recipients").get_data(as_text=True)
    assert "Rp 425.000" in listing
    fresh(session)
    record = session.scalar(sa.select(Program).where(Program.instance_id == program.id))
    assert record is not None and record.decree_attachment is not None
    assert record.decree_attachment.filename == "sk.pdf"


def test_the_program_list_reads_the_records(session: Session, people: dict[str, User],
                                            client: Any) -> None:
    from tests.conftest import login

    planned(session, people, 2, budget_rupiah=12_500_000, target_households=40)
    program_at(session, people, "program_plan", title="Rencana belum ditulis")
    login(client, "koordinator")
    page = client.get("/programs/").get_data(as_text=True)
    assert "Program bansos APBD · 2026" in page and "Rp 12.500.000" in page
    assert "target 40 KPM" in page and "rencana belum dibuat" in page


def test_a_bast_per_desa_is_kept_with_the_round(session: Session, people: dict[str, User],
                                               client: Any) -> None:
    import io

    from tests.conftest import csrf_token, login

    program = planned(session, people, 3)
    rounds.open_round(session, people["koordinator"], program.id, 1)
    login(client, "koordinator")
    url = f"/programs/{program.id}/rounds/1"
    page = client.get(url).get_data(as_text=True)
    assert "BAST per desa" in page and "3 keluarga sasaran" in page
    token = csrf_token(client, url)

    def send(desa: str, content: bytes, name: str = "bast.pdf") -> str:
        client.post(f"{url}/handover", data={
            "csrf_token": token, "region_code": desa,
            "handover_file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        return str(client.get(url).get_data(as_text=True))

    assert "Tidak ada keluarga dari desa ini" in send("35.07.01.2002", b"%PDF-1.4 x")
    assert "bast-tulungrejo.pdf" in send("35.07.01.2001", b"%PDF-1.4 bast",
                                         "bast-tulungrejo.pdf")
    assert "tidak diterima" in send("35.07.01.2001", b"<svg onload=alert(1)>", "x.pdf").lower()
    found = rounds.documents(session, program.id, 1)
    assert [(d.code, d.due, len(d.documents)) for d in found] == [("35.07.01.2001", 3, 1)]
    login(client, "kota")  # another region: the file is not theirs
    document = found[0].documents[0]
    assert client.get(f"/programs/attachments/{document.attachment_id}").status_code == 404


def test_a_round_is_scheduled_before_it_opens(session: Session, people: dict[str, User],
                                              client: Any) -> None:
    from tests.conftest import csrf_token, login

    program = planned(session, people, 2, rounds=2)
    login(client, "koordinator")
    url = f"/programs/{program.id}/rounds/2"
    token = csrf_token(client, url)
    client.post(f"{url}/schedule", data={"csrf_token": token, "planned_date": "2027-03-31",
                                         "label": "Tahap II Januari–Maret"})
    page = client.get(url).get_data(as_text=True)
    assert "<h1>Tahap II Januari–Maret</h1>" in page and "31 Mar 2027" in page
    rounds.open_round(session, people["koordinator"], program.id, 1)
    with pytest.raises(Conflict):  # an open round keeps its schedule
        rounds.reschedule(session, people["koordinator"], program.id, 1, None, "")
    session.rollback()
    login(client, "kota")  # another region
    assert client.post(f"{url}/schedule", data={
        "csrf_token": csrf_token(client, "/"), "label": "x"}).status_code == 404
    fresh(session)
    row = rounds.round_row(session, program.id, 2)
    assert row is not None and row.label == "Tahap II Januari–Maret"
