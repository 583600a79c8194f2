"""A national program's list (PKH) imported from a SIKS-NG export while the plan is being
written, through the import machinery: a preview of every row (will be enrolled, on the list
already, not in the registry, a second row, unreadable) before anything changes; confirm
enrols the families at once with their amounts and pengurus, once however often it is
confirmed or run; a local program refuses it; another region does not see it; then round 1
opens with those families and their amounts, and a payout file fills their lines."""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import RETURN, data_for, fresh, program_at
from tests.test_payouts import csv_file, outsider, work
from tests.test_recipients import open_task, register, step
from webapp.db import unit_of_work
from webapp.models import (
    DistributionLine,
    Enrolment,
    EnrolmentChange,
    Household,
    ImportRow,
    Instance,
    Person,
    Program,
    RegistryImport,
    User,
)
from webapp.services.assistance import national, payouts, recipient_lists, rounds
from webapp.services.errors import Conflict, InvalidInput, NotFound
from webapp.services.registry import entry
from webapp.services.registry.synthetic import families

HEADERS = ["No", "No. KK", "NIK Pengurus", "Nama Pengurus", "Desa/Kelurahan", "Nominal"]
PLAN = {"program_kind": "national", "scheme": "pkh", "funding_source": "apbn",
        "benefit_kind": "money", "benefit_rupiah": 750_000, "benefit_goods": "",
        "decree_number": "", "decree_date": None, "rounds": 2}


def list_csv(rows: list[list[str]]) -> bytes:
    lines = ["DATA KPM PKH TAHAP I - SIKS-NG", ";".join(HEADERS)]
    lines += [";".join([str(n), *row]) for n, row in enumerate(rows, start=1)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def list_xlsx(rows: list[list[str]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet, text = book.add_worksheet(), book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, HEADERS)
    for line, row in enumerate(rows, start=1):
        sheet.write_number(line, 0, line)
        for col, value in enumerate(row, start=1):
            sheet.write_string(line, col, value, text)
    book.close()
    return out.getvalue()


def at_plan(session: Session, people: dict[str, User], count: int = 4) -> Instance:
    """A program at its plan step, with ``count`` families in the registry (the first with a
    wife, Siti Aminah)."""
    register(session, people["koordinator"], count)
    first = session.scalar(sa.select(Household.id).order_by(Household.id))
    entry.save_member(session, people["koordinator"], first or 0, None, {
        "nik": "3507015708900002", "full_name": "Siti Aminah", "sex": "P",
        "birth_date": "1990-08-17", "relation": "wife"}, confirmed=True)
    return program_at(session, people, "program_plan", title="PKH Donomulyo 2026")


def registered(session: Session) -> list[tuple[int, str, str, str]]:
    """The families in the registry: (id, KK, the head's NIK, the head's name)."""
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        sa.select(Household.id, Household.kk_number, Person.nik, Person.full_name)
        .join(Person, Person.household_id == Household.id)
        .where(Person.relation == "head").order_by(Household.id))]


def mixed_rows(session: Session, people: dict[str, User]) -> list[list[str]]:
    (_, kk0, _, _), (_, _, nik1, name1), (_, kk2, _, _), (_, kk3, _, _) = registered(session)
    (stranger,) = families(1, ["35.07.01.2001"], seed=77)
    other_region = outsider(session, people["kota"], "35.73.01.1001", 78)
    return [
        [kk0, "", "SITI AMINAH", "Tulungrejo", "1.200.000"],  # the wife collects
        ["", nik1, name1, "Tulungrejo", ""],  # by the head's NIK; the program's benefit
        [kk2, "", "Nama Lain", "Tulungrejo", "900000"],  # nobody of that name: a warning
        [kk0, "", "Siti Aminah", "Tulungrejo", "1.200.000"],  # a second row
        [stranger.kk_number, "", "Entah", "Tulungrejo", "750.000"],  # not registered
        [other_region, "", "Kota", "Sukun", "750.000"],  # another region's: unknown here
        ["3.50701E+15", "", "Joko", "Tulungrejo", "750.000"],
        [kk3, "", "Wati", "Tulungrejo", "tujuh ratus"],  # an unreadable amount
    ]


def preview(session: Session, who: User, program: Instance, content: bytes,
            name: str = "kpm-pkh.csv", scheme: str = "pkh") -> RegistryImport:
    made = national.start(session, who, program.id, name, content, scheme)
    work(session)
    found = session.get(RegistryImport, made.id)
    assert found is not None
    return found


def enrolled(session: Session, program: Instance) -> dict[int, tuple[Any, ...]]:
    fresh(session)
    return {e.household_id: (e.status, e.entitled_amount,
                             e.recipient.full_name if e.recipient else None)
            for e in session.scalars(sa.select(Enrolment).where(
                Enrolment.instance_id == program.id))}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_national_list_is_previewed_then_enrolled_once(
        session: Session, people: dict[str, User], fmt: str) -> None:
    k = people["koordinator"]
    program = at_plan(session, people)
    (id0, _, _, _), (id1, _, _, name1), (id2, _, _, _), _ = registered(session)
    rows = mixed_rows(session, people)
    content = list_csv(rows) if fmt == "csv" else list_xlsx(rows)
    found = preview(session, k, program, content, f"kpm-pkh.{fmt}")
    assert found.status == "ready", found.error
    assert found.mapping["Nominal"] == "amount" and found.mapping["Nama Pengurus"] == "name"
    counts = found.counts
    assert (counts["matched"], counts["duplicate"], counts["unknown"], counts["rejected"],
            counts.get("listed", 0)) == (3, 1, 2, 2, 0), counts
    assert counts["amount"] == 2_100_000 and counts["with_recipient"] == 2
    seen = {r.line: (r.outcome, r.problems, r.warnings) for r in session.scalars(
        sa.select(ImportRow).where(ImportRow.import_id == found.id))}
    first = 3 if fmt == "csv" else 2  # the CSV has a title line above its headers
    assert [seen[first + n][0] for n in range(8)] == [
        "matched", "matched", "matched", "duplicate", "unknown", "unknown", "rejected",
        "rejected"]
    assert "Nama Lain" in " ".join(seen[first + 2][2])
    assert "tujuh ratus" in " ".join(seen[first + 7][1])
    assert enrolled(session, program) == {}  # nothing changed before confirm
    record = session.scalar(sa.select(Program).where(Program.instance_id == program.id))
    assert record is not None and (record.kind, record.scheme) == ("national", "pkh")

    national.confirm(session, k, program.id, found.id)
    with pytest.raises(Conflict):
        national.confirm(session, k, program.id, found.id)
    work(session)
    done = session.get(RegistryImport, found.id, populate_existing=True)
    assert done is not None and done.status == "done" and done.processed == 3
    after = enrolled(session, program)
    assert after == {id0: ("enrolled", 1_200_000, "Siti Aminah"),
                     id1: ("enrolled", None, name1), id2: ("enrolled", 900_000, None)}
    reasons = session.scalars(sa.select(EnrolmentChange.reason)).all()
    assert len(reasons) == 3 and all("SIKS-NG" in r and fmt in r for r in reasons)

    # the job run again (a worker crashed after its last chunk): nobody is enrolled twice
    with unit_of_work(session):
        session.execute(sa.update(RegistryImport).where(RegistryImport.id == found.id)
                        .values(status="applying"))
    national.apply(session, found.id, lambda: None)
    assert enrolled(session, program) == after
    assert session.scalar(sa.select(sa.func.count(EnrolmentChange.id))) == 3
    again = preview(session, k, program, content, f"kpm-pkh-lagi.{fmt}")
    assert (again.counts["listed"], again.counts.get("matched", 0)) == (3, 0)
    with pytest.raises(InvalidInput):  # nothing to enrol
        national.confirm(session, k, program.id, again.id)


def test_round_one_pays_the_national_list_with_its_amounts(
        session: Session, people: dict[str, User]) -> None:
    k = people["koordinator"]
    program = at_plan(session, people)
    (id0, kk0, _, _), (id1, _, _, _), (id2, kk2, _, _), _ = registered(session)
    found = preview(session, k, program, list_csv(mixed_rows(session, people)))
    national.confirm(session, k, program.id, found.id)
    work(session)
    with pytest.raises(Conflict):  # the registry's families are not added to it
        recipient_lists.add_from_registry(session, k, program.id)
    session.rollback()
    plan = data_for("program_plan")
    plan.update(PLAN)
    step(session, people, program, plan)
    step(session, people, program)  # approved: no SK penetapan needed
    assert open_task(session, program).form_key == "distribution_record"
    assert rounds.open_round(session, k, program.id, 1) == 3
    fresh(session)
    entitled = dict(session.execute(sa.select(Enrolment.household_id,
                                              DistributionLine.entitled_amount)
                                    .join(DistributionLine)).all())
    assert entitled == {id0: 1_200_000, id1: 750_000, id2: 900_000}
    file = csv_file([[kk0, "", "Siti", "", "Sukses", "", "15-01-2027", "", "", ""],
                     [kk2, "", "Nama Lain", "", "Retur", "Meninggal", "", "", "", ""]])
    paid = payouts.start(session, k, program.id, 1, "realisasi.csv", file)
    work(session)
    payouts.confirm(session, k, program.id, 1, paid.id)
    work(session)
    figures = rounds.figures(session, program.id, 1)
    assert (figures.due, figures.received, figures.not_received, figures.amount) == (
        3, 1, 1, 1_200_000)


def test_a_local_program_refuses_the_national_import(
        session: Session, people: dict[str, User]) -> None:
    k = people["koordinator"]
    program = at_plan(session, people, 2)
    content = list_csv([[registered(session)[0][1], "", "", "Tulungrejo", ""]])
    with pytest.raises(Conflict):  # not said to be national: which scheme?
        national.start(session, k, program.id, "kpm.csv", content)
    session.rollback()
    with pytest.raises(InvalidInput):
        national.start(session, k, program.id, "kpm.csv", content, "apbd")
    session.rollback()
    step(session, people, program)  # the plan, written as a local one
    step(session, people, program, dict(RETURN))  # back for revision: the plan is open
    assert open_task(session, program).form_key == "program_plan"
    with pytest.raises(Conflict, match="local"):
        national.start(session, k, program.id, "kpm.csv", content, "pkh")
    session.rollback()
    fresh(session)
    assert session.scalar(sa.select(sa.func.count(RegistryImport.id))) == 0


def test_only_editors_who_see_the_program_import_its_national_list(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = at_plan(session, people, 2)
    content = list_csv([[registered(session)[0][1], "", "", "Tulungrejo", ""]])
    with pytest.raises(NotFound):  # another region's coordinator does not see the program
        national.start(session, people["kota"], program.id, "kpm.csv", content, "pkh")
    session.rollback()
    found = preview(session, people["koordinator"], program, content)
    with pytest.raises(NotFound):
        national.confirm(session, people["kota"], program.id, found.id)
    session.rollback()
    login(client, "kota")  # another region: the program and its lists do not exist
    base = f"/programs/{program.id}/national-list"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{found.id}").status_code == 404
    token = csrf_token(client, "/inbox")
    assert client.post(f"{base}/{found.id}/confirm",
                       data={"csrf_token": token}).status_code == 404
    client.get("/logout")
    login(client, "koordinator")
    page = client.get(f"/programs/{program.id}/recipients").get_data(as_text=True)
    assert f"{base}" in page  # the list page links the national import, and so does the plan
    assert base in client.get(f"/tasks/{open_task(session, program).id}").get_data(as_text=True)
    assert client.get(base).status_code == 200
    assert client.get(f"{base}/{found.id}").status_code == 200
    token = csrf_token(client, "/inbox")
    assert client.post(f"{base}/{found.id}/confirm",
                       data={"csrf_token": token}).status_code == 303
    work(session)
    assert len(enrolled(session, program)) == 1
