"""Payout files (bank, PT Pos, SIKS-NG realisation) loaded into a round's lines through the
import machinery: a preview of every row (received, returned with its reason, unknown family,
not in this round, a second row, unreadable) before anything changes, the lines filled once
after confirm however often it is confirmed or run, a proxy collection counted as received,
hostile files refused without touching a line, the round's group only; and the retention
that deletes a file and its rows' full values after 30 days, keeping counts and masked rows."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import fresh
from tests.test_import_hostile import huge_sheet_xlsx
from tests.test_ticks import at_round
from webapp import clock
from webapp.db import unit_of_work
from webapp.models import (
    DistributionLine,
    Enrolment,
    Household,
    ImportRow,
    Instance,
    Person,
    RegistryImport,
    User,
)
from webapp.services.assistance import payouts, rounds, ticks
from webapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from webapp.services.registry import entry
from webapp.services.registry.importing import retention
from webapp.services.registry.synthetic import families
from webapp.services.workflow import jobs

HEADERS = ["No", "No. KK", "NIK Penerima", "Nama KPM", "Nominal", "Status", "Keterangan",
           "Tanggal Salur", "Diwakilkan", "Nama Penerima Kuasa", "Hubungan"]


def work(session: Session) -> None:
    while jobs.run_due(session, "test-worker"):
        pass
    fresh(session)


def due(session: Session, program: Instance) -> list[tuple[int, str, str]]:
    """The families due (enrolment id, KK, the NIK of a member other than the head)."""
    found = []
    for enrolment_id, household_id, kk in session.execute(
            sa.select(Enrolment.id, Household.id, Household.kk_number)
            .join(Household, Household.id == Enrolment.household_id)
            .where(Enrolment.instance_id == program.id).order_by(Enrolment.id)):
        niks = session.scalars(sa.select(Person.nik).where(
            Person.household_id == household_id, Person.nik.is_not(None))
            .order_by(Person.position.desc())).all()
        found.append((enrolment_id, kk, niks[0]))
    return found


def csv_file(rows: list[list[Any]]) -> bytes:
    lines = ["REALISASI PENYALURAN TAHAP I", ";".join(HEADERS)]
    lines += [";".join(str(c) for c in [n, *row]) for n, row in enumerate(rows, start=1)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADERS)
    for line, row in enumerate(rows, start=1):
        sheet.write_number(line, 0, line)
        for col, value in enumerate(row, start=1):
            if isinstance(value, dt.date):
                sheet.write_datetime(line, col, dt.datetime.combine(value, dt.time()), day)
            elif isinstance(value, int):
                sheet.write_number(line, col, value)
            else:
                sheet.write_string(line, col, value, text)
    book.close()
    return out.getvalue()


def outsider(session: Session, user: User, desa: str, seed: int) -> str:
    """A family in the registry that is not on the program's list; its KK."""
    (family,) = families(1, [desa], seed=seed)
    entry.create_household(session, user, family.household_values(), family.members[0],
                           confirmed=True)
    return family.kk_number


def mixed_rows(session: Session, people: dict[str, User], program: Instance,
               dated: bool = False) -> list[list[Any]]:
    (_, kk0, _), (_, _, nik1), (_, kk2, _), _ = due(session, program)
    (stranger,) = families(1, ["35.07.01.2001"], seed=77)
    other_region = outsider(session, people["kota"], "35.73.01.1001", 78)
    not_listed = outsider(session, people["koordinator"], "35.07.01.2002", 79)
    paid: Any = dt.date(2027, 1, 15) if dated else "15-01-2027"
    return [
        [kk0, "", "Painem", 600_000 if dated else "600.000", "Sukses", "", paid, "", "", ""],
        ["", nik1, "Siti", "", "RETUR", "Rekening pasif", "", "", "", ""],
        [kk2, "", "Sumiati", "150000", "Tersalur", "", paid, "Ya", "Siti Aminah", "Anak"],
        [kk0, "", "Painem", "600.000", "Sukses", "", paid, "", "", ""],  # a second row
        [stranger.kk_number, "", "Entah", "150.000", "Sukses", "", paid, "", "", ""],
        [other_region, "", "Kota", "150.000", "Sukses", "", paid, "", "", ""],
        [not_listed, "", "Belum", "150.000", "Gagal", "Meninggal dunia", "", "", "", ""],
        ["3.50701E+15", "", "Joko", "150.000", "Sukses", "", paid, "", "", ""],
        [kk2, "", "Sumiati", "150.000", "Entah apa", "", paid, "", "", ""],
    ]


def preview(session: Session, who: User, program: Instance, content: bytes,
            name: str = "realisasi.csv") -> RegistryImport:
    made = payouts.start(session, who, program.id, 1, name, content)
    work(session)
    found = session.get(RegistryImport, made.id)
    assert found is not None
    return found


def lines(session: Session, program: Instance) -> dict[int, tuple[Any, ...]]:
    fresh(session)
    return {line.enrolment_id: (line.received, line.amount, line.received_on, line.reason,
                                line.note, line.received_by, line.proxy_name,
                                line.proxy_relation, line.source)
            for line in session.scalars(sa.select(DistributionLine).join(Enrolment).where(
                Enrolment.instance_id == program.id))}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_payout_file_previews_every_row_and_fills_the_lines_once(
        session: Session, people: dict[str, User], fmt: str) -> None:
    program = at_round(session, people, 4)
    coordinator = people["koordinator"]
    families_due = due(session, program)
    # the second family was ticked in the field as received: the payer's file replaces it
    ticks.tick(session, coordinator, program.id, families_due[1][0], 1, True)
    rows = mixed_rows(session, people, program, dated=fmt == "xlsx")
    content = csv_file(rows) if fmt == "csv" else xlsx_file(rows)
    before = lines(session, program)
    found = preview(session, coordinator, program, content, f"realisasi.{fmt}")
    assert found.status == "ready", found.error
    assert found.mapping["Keterangan"] == "reason" and found.mapping["Nominal"] == "amount"
    counts = found.counts
    assert (counts["matched"], counts["returned"], counts["duplicate"], counts["unknown"],
            counts["outside"], counts["rejected"]) == (2, 1, 1, 2, 1, 2), counts
    assert counts["to_apply"] == 3 and counts["replaces_tick"] == 1
    assert counts["amount"] == 750_000 and counts["by_proxy"] == 1
    seen = {r.line: (r.outcome, r.problems, r.warnings) for r in session.scalars(
        sa.select(ImportRow).where(ImportRow.import_id == found.id))}
    first = 3 if fmt == "csv" else 2  # the CSV has a title line above its headers
    assert [seen[first + n][0] for n in range(9)] == [
        "matched", "returned", "matched", "duplicate", "unknown", "unknown", "outside",
        "rejected", "rejected"]
    assert "replaces the tick" in " ".join(seen[first + 1][2])
    assert "600.000" in " ".join(seen[first][2])  # paid more than it is entitled to
    assert "Entah apa" in " ".join(seen[first + 8][1])
    assert lines(session, program) == before  # nothing changed before confirm

    payouts.confirm(session, coordinator, program.id, 1, found.id)
    with pytest.raises(Conflict):
        payouts.confirm(session, coordinator, program.id, 1, found.id)
    work(session)
    done = session.get(RegistryImport, found.id, populate_existing=True)
    assert done is not None and done.status == "done" and done.processed == 3
    after = lines(session, program)
    paid_on = dt.date(2027, 1, 15)
    assert after[families_due[0][0]] == (True, 600_000, paid_on, "", "", "recipient", "", "",
                                         "import")
    assert after[families_due[1][0]] == (False, None, None, "card_problem", "Rekening pasif",
                                         "", "", "", "import")
    assert after[families_due[2][0]] == (True, 150_000, paid_on, "", "", "proxy",
                                         "Siti Aminah", "Anak", "import")
    assert after[families_due[3][0]] == before[families_due[3][0]]  # not in the file
    figures = rounds.figures(session, program.id, 1)
    assert (figures.received, figures.by_proxy, figures.not_received, figures.unticked,
            figures.amount) == (2, 1, 1, 1, 750_000)

    # the job run again (a worker crashed after its last chunk): nothing is written twice
    stamps = session.scalars(sa.select(DistributionLine.ticked_at).order_by(
        DistributionLine.id)).all()
    with unit_of_work(session):
        session.execute(sa.update(RegistryImport).where(RegistryImport.id == found.id)
                        .values(status="applying"))
    payouts.apply(session, found.id, lambda: None)
    fresh(session)
    assert lines(session, program) == after
    assert session.scalars(sa.select(DistributionLine.ticked_at).order_by(
        DistributionLine.id)).all() == stamps


def test_the_unmatched_rows_download_masked_with_their_outcome(
        session: Session, people: dict[str, User]) -> None:
    program = at_round(session, people, 4)
    found = preview(session, people["koordinator"], program,
                    csv_file(mixed_rows(session, people, program)))
    name, content = payouts.unmatched_file(session, people["koordinator"], program.id, 1,
                                           found.id, "csv")
    text = content.decode("utf-8-sig")
    assert name == "realisasi-tidak-cocok.csv"
    assert "Keluarga tidak dikenal" in text or "Unknown family" in text
    assert len(text.strip().splitlines()) == 1 + 6  # headers + the rows that fill no line
    assert not any(kk in text for _, kk, _ in due(session, program))
    import re
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text)


def test_hostile_files_are_refused_without_touching_a_line(
        session: Session, people: dict[str, User]) -> None:
    program = at_round(session, people, 2)
    before = lines(session, program)
    with pytest.raises(InvalidInput):
        payouts.start(session, people["koordinator"], program.id, 1, "besar.csv",
                      b"x" * (20 * 1024 * 1024 + 1))
    bomb = preview(session, people["koordinator"], program, huge_sheet_xlsx(210), "bom.xlsx")
    assert bomb.status == "failed" and "MB" in bomb.error
    assert lines(session, program) == before
    assert session.scalar(sa.select(sa.func.count(RegistryImport.id))) == 1


def test_only_the_rounds_group_in_its_region_loads_a_payout_file(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = at_round(session, people, 2)
    content = csv_file([[due(session, program)[0][1], "", "A", "", "Sukses", "", "", "", "",
                         ""]])
    with pytest.raises(NotFound):  # a partner's staff do not see the program at all
        payouts.start(session, people["mitra"], program.id, 1, "r.csv", content)
    with pytest.raises(Forbidden):  # a supervisor sees it; the round is the coordinators'
        payouts.start(session, people["supervisor"], program.id, 1, "r.csv", content)
    found = preview(session, people["koordinator"], program, content)
    with pytest.raises(Forbidden):
        payouts.confirm(session, people["supervisor"], program.id, 1, found.id)
    login(client, "kota")  # another region: the program and its files do not exist
    base = f"/programs/{program.id}/rounds/1/payouts"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{found.id}").status_code == 404
    token = csrf_token(client, "/inbox")
    assert client.post(f"{base}/{found.id}/confirm",
                       data={"csrf_token": token}).status_code == 404
    client.get("/logout")
    login(client, "supervisor")  # the region, not the round's group
    assert client.get(f"{base}/{found.id}").status_code == 200  # sees the preview
    token = csrf_token(client, "/inbox")
    answer = client.post(f"{base}/{found.id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 403
    fresh(session)
    assert session.get(RegistryImport, found.id).status == "ready"  # type: ignore[union-attr]


def test_a_closed_round_takes_no_file(session: Session, people: dict[str, User]) -> None:
    program = at_round(session, people, 2)
    rounds_row = rounds.round_row(session, program.id, 1)
    assert rounds_row is not None
    with unit_of_work(session):
        rounds_row.opened_at = None
    with pytest.raises(Conflict):
        payouts.start(session, people["koordinator"], program.id, 1, "r.csv", b"a;b\n1;2\n")


def test_retention_deletes_the_file_and_full_values_after_30_days(
        session: Session, people: dict[str, User], app: Any) -> None:
    program = at_round(session, people, 4)
    coordinator = people["koordinator"]
    found = preview(session, coordinator, program,
                    csv_file(mixed_rows(session, people, program)))
    payouts.confirm(session, coordinator, program.id, 1, found.id)
    work(session)
    counts = dict(session.get(RegistryImport, found.id).counts)  # type: ignore[union-attr]
    start = clock.now()
    with app.app_context():
        assert jobs.keep_periodic(session) == [retention.JOB_KIND]
        assert jobs.keep_periodic(session) == []  # one is pending already
        clock.set_time(start + dt.timedelta(days=29))
        work(session)
        assert session.get(RegistryImport, found.id).purged_at is None  # type: ignore[union-attr]
        clock.set_time(start + dt.timedelta(days=31))
        work(session)
    kept = session.get(RegistryImport, found.id, populate_existing=True)
    assert kept is not None and kept.purged_at is not None
    assert kept.counts == counts and kept.status == "done"
    assert session.scalar(sa.select(sa.func.length(RegistryImport.content)).where(
        RegistryImport.id == found.id)) == 0
    stored = session.scalars(sa.select(ImportRow).where(ImportRow.import_id == found.id)).all()
    assert len(stored) == 9 and all(r.cells == [] for r in stored)
    text = " ".join(str([r.kk_number, r.values, r.problems]) for r in stored)
    import re
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text)
    assert "Painem" not in text and "Siti Aminah" not in text
    assert {r.outcome for r in stored} >= {"matched", "returned", "unknown"}
    # the lines the file filled are records of their own: they stay
    assert rounds.figures(session, program.id, 1).received == 2


def test_the_retention_days_come_from_the_configuration(
        session: Session, people: dict[str, User], app: Any) -> None:
    program = at_round(session, people, 2)
    found = preview(session, people["koordinator"], program,
                    csv_file([[due(session, program)[0][1], "", "A", "", "Sukses", "", "",
                               "", "", ""]]))
    payouts.cancel(session, people["koordinator"], program.id, 1, found.id)
    app.config["IMPORT_RETENTION_DAYS"] = 7
    with app.app_context():
        clock.set_time(clock.now() + dt.timedelta(days=8))
        jobs.keep_periodic(session)
        work(session)
    assert session.get(RegistryImport, found.id).purged_at is not None  # type: ignore[union-attr]
    assert retention.retention_days() == retention.DEFAULT_DAYS  # outside the app


def test_the_web_flow_from_the_round_page(session: Session, people: dict[str, User],
                                          client: Any) -> None:
    program = at_round(session, people, 4)
    content = csv_file(mixed_rows(session, people, program))
    login(client, "koordinator")
    round_url = f"/programs/{program.id}/rounds/1"
    page = client.get(round_url).get_data(as_text=True)
    assert f"{round_url}/payouts" in page and 'id="payout-link"' in page
    token = csrf_token(client, f"{round_url}/payouts")
    answer = client.post(f"{round_url}/payouts", data={
        "csrf_token": token, "file": (io.BytesIO(content), "realisasi 3507011506200003.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    show = answer.headers["Location"]
    polled = client.get(f"{show}?poll=1", headers={"HX-Request": "true",
                                                   "HX-Target": "import-state"})
    assert "<progress" in polled.get_data(as_text=True)
    work(session)
    assert client.get(f"{show}?poll=1", headers={"HX-Request": "true", "HX-Target":
                                                 "import-state"}).headers["HX-Refresh"]
    page = client.get(show).get_data(as_text=True)
    assert "Siap dikonfirmasi" in page or "Ready to confirm" in page
    assert "3507********0003" in page and "3507011506200003" not in page
    import re
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", page)
    returned = client.get(f"{show}?outcome=returned").get_data(as_text=True)
    assert "Rekening pasif" in returned
    download = client.get(f"{show}/unmatched.xlsx")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    answer = client.post(f"{show}/confirm", data={"csrf_token": token})
    assert answer.status_code == 303
    work(session)
    page = client.get(round_url).get_data(as_text=True)
    figures = rounds.figures(session, program.id, 1)
    assert (figures.received, figures.not_received) == (2, 1)
    # a declared size beyond the upload limit is refused before anything is read
    huge = client.post(f"{round_url}/payouts", data={
        "csrf_token": token, "file": (io.BytesIO(b"x" * (21 * 1024 * 1024)), "besar.csv")},
        content_type="multipart/form-data")
    assert huge.status_code == 413 and "20 MB" in huge.get_data(as_text=True)


def test_a_file_cancelled_from_its_page_says_so(session: Session, people: dict[str, User],
                                                client: Any) -> None:
    program = at_round(session, people, 4)
    content = csv_file(mixed_rows(session, people, program)[:1])
    login(client, "koordinator")
    round_url = f"/programs/{program.id}/rounds/1"
    token = csrf_token(client, f"{round_url}/payouts")
    show = client.post(f"{round_url}/payouts", data={
        "csrf_token": token, "file": (io.BytesIO(content), "realisasi.csv")},
        content_type="multipart/form-data").headers["Location"]
    work(session)
    cancelled = client.post(f"{show}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303 and cancelled.headers["Location"].endswith(round_url)
    assert "dibatalkan; tidak ada baris yang berubah" in client.get(round_url).get_data(
        as_text=True)
    assert rounds.figures(session, program.id, 1).unticked == 4  # no line changed
