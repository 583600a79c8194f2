"""Importing village lists: the formats and encodings villages send, a per-row preview before
anything is stored, the worker applying it, re-imports that update, and the rejected rows back
as a file (masked unless a reason is given)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.program_data import fresh
from webapp.models import Household, ImportRow, Person, RegistryEvent, RegistryImport, User
from webapp.services.errors import NotFound
from webapp.services.registry import importing
from webapp.services.workflow import completion, jobs

HEADERS = ["No. KK", "NIK", "Nama Lengkap", "L/P", "Tempat Lahir", "Tgl Lahir", "SHDK",
           "Alamat", "RT", "RW", "Desa", "Desil", "Periode Desil"]
GOOD = [
    # a family of three
    ["3507011506200003", "3507011203850001", "Slamet Riyadi", "L", "Malang", "12-03-1985",
     "Kepala Keluarga", "Dusun Krajan", "3", "1", "Tulungrejo", "2", "2025-Q3"],
    ["3507011506200003", "3507015708900002", "Siti Nur'aini", "P", "Malang", "17/08/1990",
     "Istri", "Dusun Krajan", "3", "1", "Tulungrejo", "2", "2025-Q3"],
    ["3507011506200003", "", "Ahmad Dani", "L", "Malang", "05-01-2015", "Anak",
     "Dusun Krajan", "3", "1", "Tulungrejo", "2", "2025-Q3"],
    # a woman heading her family, desa given by code
    ["3507010101190001", "3507014404700003", "Painem", "P", "Blitar", "4 April 1970",
     "KEPALA KELUARGA", "Dusun Sumber", "12", "4", "35.07.01.2002", "1", "2025-Q3"],
]
BAD = [
    # the spreadsheet turned the NIK into a number in scientific notation
    ["3507010101190009", "3.50701E+15", "Joko", "L", "Malang", "01-01-1980", "Kepala Keluarga",
     "", "1", "1", "Tulungrejo", "3", "2025-Q3"],
    # the same NIK as line 2
    ["3507010202190001", "3507011203850001", "Slamet R", "L", "Malang", "12-03-1985",
     "Kepala Keluarga", "", "1", "1", "Tulungrejo", "3", "2025-Q3"],
    # a desa nobody knows
    ["3507010303190001", "3507012002800001", "Paijo", "L", "Malang", "20-02-1980",
     "Kepala Keluarga", "", "1", "1", "Atlantis", "3", "2025-Q3"],
    # a family without its head in the file
    ["3507010404190001", "3507012002810001", "Tukiran", "L", "Malang", "20-02-1981", "Anak",
     "", "1", "1", "Tulungrejo", "3", "2025-Q3"],
]


def csv_bytes(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig",
              title: bool = True) -> bytes:
    lines = (["DAFTAR KPM DESA TULUNGREJO"] if title else []) + [
        delimiter.join(HEADERS)] + [delimiter.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for line, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write(line, col, value)
    book.close()
    return out.getvalue()


def user(session: Session, name: str) -> User:
    return session.scalars(sa.select(User).where(User.username == name)).one()


def work(session: Session) -> None:
    """What the job worker does: run every due job."""
    while jobs.run_due(session, "test-worker"):
        pass
    fresh(session)


def preview(session: Session, content: bytes, name: str = "kpm.csv",
            who: str = "koordinator") -> RegistryImport:
    made = importing.start(session, user(session, who), name, content)
    work(session)
    found = session.get(RegistryImport, made.id)
    assert found is not None
    return found


def outcomes(session: Session, found: RegistryImport) -> dict[int, tuple[str, list[str]]]:
    return {r.line: (r.outcome, r.problems) for r in session.scalars(
        sa.select(ImportRow).where(ImportRow.import_id == found.id))}


@pytest.mark.parametrize("encoding, delimiter", [("utf-8-sig", ";"), ("utf-8", ","),
                                                 ("cp1252", ";"), ("cp1252", "\t")])
def test_csv_preview_stores_nothing_until_confirmed(session: Session, encoding: str,
                                                    delimiter: str) -> None:
    rows = [list(r) for r in GOOD + BAD]
    rows[1][2] = "Siti Nur'aini Rahmawati Dédé" if encoding != "cp1252" else "Siti Nur'aini"
    found = preview(session, csv_bytes(rows, delimiter, encoding))
    assert found.status == "ready", found.error
    assert found.mapping["No. KK"] == "kk_number" and found.mapping["SHDK"] == "relation"
    seen = outcomes(session, found)
    # the title line is line 1, the headers line 2: the first row is line 3
    assert [seen[line][0] for line in range(3, 7)] == ["new"] * 4
    assert seen[7][0] == "rejected" and "3.50701E+15" in " ".join(seen[7][1])
    assert seen[8][0] == "rejected" and "3" in " ".join(seen[8][1])  # same NIK as line 3
    assert seen[9][0] == "rejected" and "Atlantis" in " ".join(seen[9][1])
    assert seen[10][0] == "rejected"
    assert found.counts["new"] == 4 and found.counts["rejected"] == 4
    assert found.counts["families_new"] == 2
    assert session.scalar(sa.select(sa.func.count(Household.id))) == 0  # nothing stored yet
    importing.confirm(session, user(session, "koordinator"), found.id)
    work(session)
    done = session.get(RegistryImport, found.id)
    assert done is not None and done.status == "done" and done.processed == 4
    families = {h.kk_number: [(m.full_name, m.relation) for m in h.members]
                for h in session.scalars(sa.select(Household))}
    assert families["3507011506200003"][0] == ("Slamet Riyadi", "head")
    assert [r for _n, r in families["3507011506200003"]] == ["head", "wife", "child"]
    assert families["3507010101190001"] == [("Painem", "head")]
    painem = session.scalars(sa.select(Person).where(Person.full_name == "Painem")).one()
    assert painem.sex == "P" and painem.birth_date.isoformat() == "1970-04-04"  # type: ignore
    assert painem.household is not None and painem.household.rt == "012"


def test_xlsx_with_numbers_and_dates_as_cells(session: Session) -> None:
    import datetime as dt

    rows: list[list[Any]] = [list(r) for r in GOOD]
    rows[0][0] = 3507011506200003.0  # a number cell: 16 digits survive only by luck
    rows[0][5] = dt.datetime(1985, 3, 12)
    rows[1][1] = "'3507015708900002"  # a leading apostrophe
    rows[3][10] = " tulungrejo "
    found = preview(session, xlsx_bytes(rows), "kpm.xlsx")
    assert found.status == "ready", found.error
    seen = outcomes(session, found)
    assert [v[0] for _k, v in sorted(seen.items())] == ["new"] * 4, seen
    warned = session.scalars(sa.select(ImportRow).where(ImportRow.line == 2,
                                                        ImportRow.import_id == found.id)).one()
    assert warned.values["household"]["kk_number"] == "3507011506200003"


def test_reimport_updates_families_and_says_what_changed(session: Session) -> None:
    first = preview(session, csv_bytes([list(r) for r in GOOD]))
    importing.confirm(session, user(session, "koordinator"), first.id)
    work(session)
    changed = [list(r) for r in GOOD]
    changed[0][11] = "4"  # the family's desil changed
    changed[1][4] = "Kediri"  # the wife's place of birth corrected
    changed.append(["3507011506200003", "3507014506100001", "Ayu Lestari", "P", "Malang",
                    "05-06-2010", "Anak", "Dusun Krajan", "3", "1", "Tulungrejo", "4", "2025-Q3"])
    second = preview(session, csv_bytes(changed))
    seen = {r.line: r for r in session.scalars(sa.select(ImportRow).where(
        ImportRow.import_id == second.id))}
    assert seen[3].outcome == "update" and seen[3].changes == ["desil"]
    assert seen[4].outcome == "update" and "birth_place" in seen[4].changes
    assert seen[5].outcome in ("same", "update")
    assert seen[6].outcome == "same"
    assert seen[7].outcome == "new"
    importing.confirm(session, user(session, "koordinator"), second.id)
    work(session)
    household = session.scalars(sa.select(Household).where(
        Household.kk_number == "3507011506200003")).one()
    assert household.desil == 4
    assert [m.full_name for m in household.members][-1] == "Ayu Lestari"
    assert session.scalar(sa.select(sa.func.count(Household.id))) == 2
    kinds = session.scalars(sa.select(RegistryEvent.kind).where(
        RegistryEvent.household_id == household.id)).all()
    assert sorted(kinds) == ["created", "imported"]


def test_an_import_never_moves_a_person_or_crosses_regions(session: Session) -> None:
    first = preview(session, csv_bytes([list(r) for r in GOOD]))
    importing.confirm(session, user(session, "koordinator"), first.id)
    work(session)
    elsewhere = [["3507011909190001", "3507015708900002", "Siti Nur'aini", "P", "Malang",
                  "17-08-1990", "Kepala Keluarga", "", "1", "1", "Tulungrejo", "2",
                 "2025-Q3"]]
    found = preview(session, csv_bytes(elsewhere))
    ((outcome, problems),) = outcomes(session, found).values()
    assert outcome == "rejected" and "3507********0003" in " ".join(problems)
    kota = preview(session, csv_bytes([list(r) for r in GOOD]), who="kota")
    assert all(o == "rejected" for o, _p in outcomes(session, kota).values())
    with pytest.raises(NotFound):
        importing.get(session, user(session, "kota"), first.id)


def test_a_desa_name_found_in_two_kecamatan_is_told_apart(session: Session) -> None:
    # Kabupaten Malang has a Tulungrejo in Donomulyo (35.07.01.2001) and one in Ngantang
    # (35.07.27.2011); the KK was issued in Ngantang: its Tulungrejo is Ngantang's
    by_kk = [["3507271506200003", "3507271203850001", "Slamet", "L", "Malang", "12-03-1985",
              "Kepala Keluarga", "", "3", "1", "Tulungrejo", "2",
                 "2025-Q3"]]
    found = preview(session, csv_bytes(by_kk))
    row = session.scalars(sa.select(ImportRow).where(ImportRow.import_id == found.id)).one()
    assert row.outcome == "new", row.problems
    assert row.values["household"]["region_code"] == "35.07.27.2011"
    # a KK from elsewhere and no Kecamatan column: the coordinator is asked for the code
    elsewhere = [["3573011506200003", "3573011203850001", "Slamet", "L", "Malang",
                  "12-03-1985", "Kepala Keluarga", "", "3", "1", "Tulungrejo", "2",
                 "2025-Q3"]]
    found = preview(session, csv_bytes(elsewhere))
    ((outcome, problems),) = outcomes(session, found).values()
    assert outcome == "rejected" and "Kecamatan" in " ".join(problems)
    # ... which a Kecamatan column settles
    content = (b"No KK;NIK;Nama;JK;Tgl Lahir;Hubungan;Desa;Kecamatan\n"
               b"3573011506200003;3573011203850001;Slamet;L;12-03-1985;Kepala Keluarga;"
               b"Tulungrejo;Kec. Donomulyo\n")
    found = preview(session, content)
    row = session.scalars(sa.select(ImportRow).where(ImportRow.import_id == found.id)).one()
    assert row.outcome == "new", row.problems
    assert row.values["household"]["region_code"] == "35.07.01.2001"


def test_a_file_without_the_needed_columns_says_which(session: Session) -> None:
    content = b"Nama;Alamat\nSlamet;Krajan\nPaijo;Sumber\n"
    found = preview(session, content)
    assert found.status == "failed" and "KK" in found.error
    importing.remap(session, user(session, "koordinator"), found.id,
                    {"Nama": "full_name", "Alamat": "address"})
    work(session)
    again = session.get(RegistryImport, found.id)
    assert again is not None and again.status == "failed"


def test_rejected_rows_download_masked_unless_a_reason_is_given(session: Session) -> None:
    found = preview(session, csv_bytes([list(r) for r in GOOD + BAD]))
    koordinator = user(session, "koordinator")
    name, content = importing.rejected_file(session, koordinator, found.id, "csv")
    text = content.decode("utf-8-sig")
    assert name == "kpm-ditolak.csv" and "Atlantis" in text
    assert "3507012002800001" not in text and "3507********0001" in text
    name, content = importing.rejected_file(session, koordinator, found.id, "xlsx",
                                            reason="perbaikan data desa")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert cells[0][0] in ("Baris", "Line") and len(cells) == 5
    assert any("3507012002800001" == c for row in cells for c in row)  # text, 16 digits
    fresh(session)
    event = session.scalars(sa.select(RegistryEvent).where(
        RegistryEvent.kind == "revealed")).one()
    assert event.detail["what"] == "import" and event.detail["reason"] == "perbaikan data desa"


def test_a_formula_in_a_rejected_row_is_not_run_when_the_file_is_opened(
        session: Session) -> None:
    hostile = [["3507010303190001", "3507012002800001", '=HYPERLINK("http://x","klik")', "L",
                "Malang", "20-02-1980", "Kepala Keluarga", "@SUM(A1)", "1", "1", "Atlantis",
                "-3"]]
    found = preview(session, csv_bytes(hostile))
    _name, content = importing.rejected_file(session, user(session, "koordinator"), found.id,
                                             "csv")
    text = content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and ";-3;" in text


def test_the_web_flow(client: Any, session: Session) -> None:
    login(client, "koordinator")
    assert client.get("/registry/imports").status_code == 200
    token = csrf_token(client, "/registry/imports")
    upload = client.post("/registry/imports", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes([list(r) for r in GOOD + BAD])),
                                      "kpm.csv")}, content_type="multipart/form-data")
    assert upload.status_code == 303
    import_id = int(upload.headers["Location"].rstrip("/").split("/")[-1])
    reading = client.get(f"/registry/imports/{import_id}").get_data(as_text=True)
    assert "progress" in reading
    work(session)
    page = client.get(f"/registry/imports/{import_id}").get_data(as_text=True)
    assert "Atlantis" in page and "3507012002800001" not in page
    assert client.post(f"/registry/imports/{import_id}/confirm",
                       data={"csrf_token": token}).status_code == 303
    work(session)
    assert session.scalar(sa.select(sa.func.count(Household.id))) == 2
    # a list of 12 MB (above the 8 MB of other uploads) is taken
    big = csv_bytes([list(r) for r in GOOD]) + b"\n" * (12 * 1024 * 1024)
    response = client.post("/registry/imports", data={
        "csrf_token": token, "file": (io.BytesIO(big), "besar.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    login(client, "kota")
    assert client.get(f"/registry/imports/{import_id}").status_code == 404
    assert client.get(f"/registry/imports/{import_id}/rejected.csv").status_code == 404


def imported_plan_at_approval(session: Session, people: dict[str, User],
                              rows: list[list[str]], title: str = "BPNT Donomulyo"
                              ) -> tuple[RegistryImport, Any, Any, Any]:
    """A village list imported, a program whose list takes every family of it, its plan
    submitted: (the import, the program, the plan step, the approval step)."""
    from tests.program_data import data_for, program_at
    from webapp.services.assistance import recipient_lists
    from webapp.services.workflow import programs

    koordinator = people["koordinator"]
    made = importing.start(session, koordinator, "kpm.csv", csv_bytes(rows))
    work(session)
    importing.confirm(session, koordinator, made.id)
    work(session)
    program = program_at(session, people, "program_plan", title=title)
    recipient_lists.add_from_registry(session, koordinator, program.id)
    fresh(session)
    (plan,) = programs.open_tasks(session, program)
    completion.complete_task(session, koordinator, plan.id, data_for("program_plan"))
    fresh(session)
    (approval,) = programs.open_tasks(session, program)
    return made, program, plan, approval
