"""The import applies the rules as village files are written and as the forms apply them:
numbers in any cell type, a missing NIK for an adult, a missing desil, a family moving desa,
a sex that disagrees with the NIK, invisible characters and over-long names, a stray byte in a
UTF-8 file; its messages say what is wrong; and no full number leaves it unasked."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from tests.test_registry_import import GOOD, csv_bytes, preview, user, work, xlsx_bytes
from webapp.models import Household, ImportRow, Person, RegistryImport
from webapp.services.registry import entry, family_rules, importing

FULL_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture(autouse=True)
def in_the_app(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """As the worker runs (a Flask command): messages in the default language, Indonesian.
    (Not around a test client's requests: they bring their own.)"""
    if "client" in request.fixturenames:
        yield
        return
    with app.app_context():
        yield


def rows_of(session: Session, found: RegistryImport) -> dict[int, ImportRow]:
    return {r.line: r for r in session.scalars(sa.select(ImportRow).where(
        ImportRow.import_id == found.id))}


def apply(session: Session, found: RegistryImport) -> None:
    importing.confirm(session, user(session, "koordinator"), found.id)
    work(session)


def test_numbers_in_number_cells(session: Session) -> None:
    rows: list[list[Any]] = [list(r) for r in GOOD]
    for row in rows:
        row[11] = float(row[11])  # the desil as a number cell: 2.0
        row[8], row[9] = int(row[8]), float(row[9])  # RT 3, RW 1.0
    found = preview(session, xlsx_bytes(rows), "kpm.xlsx")
    seen = rows_of(session, found)
    assert [seen[line].outcome for line in sorted(seen)] == ["new"] * 4, {
        line: r.problems for line, r in seen.items()}
    apply(session, found)
    desils = dict(session.execute(sa.select(Household.kk_number, Household.desil)).all())
    assert desils == {"3507011506200003": 2, "3507010101190001": 1}


def test_an_adult_without_a_nik_is_refused_a_baby_is_not(session: Session) -> None:
    rows = [list(r) for r in GOOD]
    rows.append(["3507011506200003", "", "Mbah Karto", "L", "Malang", "01-01-1950",
                 "Orang Tua", "Dusun Krajan", "3", "1", "Tulungrejo", "2",
                 "2025-Q3"])
    born = (dt.date.today() - dt.timedelta(days=60)).strftime("%d-%m-%Y")
    rows.append(["3507011506200003", "", "Bayi Dani", "L", "Malang", born, "Anak",
                 "Dusun Krajan", "3", "1", "Tulungrejo", "2",
                 "2025-Q3"])
    rows.append(["3507011506200003", "", "Tanpa Tanggal", "P", "Malang", "", "Anak",
                 "Dusun Krajan", "3", "1", "Tulungrejo", "2",
                 "2025-Q3"])
    seen = rows_of(session, preview(session, csv_bytes(rows)))
    assert seen[7].outcome == "rejected" and "76 tahun" in " ".join(seen[7].problems)
    assert seen[8].outcome == "new", seen[8].problems
    assert seen[9].outcome == "rejected" and "tanggal lahir" in " ".join(seen[9].problems)


def test_a_family_without_a_desil_is_warned_once(session: Session) -> None:
    rows = [list(r) for r in GOOD]
    for row in rows[:3]:
        row[11] = ""
    seen = rows_of(session, preview(session, csv_bytes(rows)))
    warned = [line for line, r in seen.items() if any("desil" in w for w in r.warnings)]
    assert warned == [3]
    assert all(r.outcome == "new" for r in seen.values())


def test_a_family_moved_to_another_desa_is_a_warning_naming_both(session: Session) -> None:
    apply(session, preview(session, csv_bytes([list(r) for r in GOOD])))
    moved = [list(r) for r in GOOD[:3]]
    for row in moved:
        row[10] = "Donomulyo"
    seen = rows_of(session, preview(session, csv_bytes(moved)))
    text = " ".join(seen[3].warnings)
    assert seen[3].outcome == "update" and "region_code" in seen[3].changes
    assert "Tulungrejo" in text and "Donomulyo" in text, seen[3].warnings


def test_a_sex_that_disagrees_with_the_nik_is_confirmed_in_the_form_and_the_import(
        session: Session) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][3] = "L"  # Siti's NIK is a woman's
    seen = rows_of(session, preview(session, csv_bytes(rows)))
    assert seen[4].outcome == "new" and any("wanita" in w for w in seen[4].warnings)
    koordinator = user(session, "koordinator")
    household = entry.create_household(
        session, koordinator, {"kk_number": "3507012001210001", "region_code": "35.07.01.2001",
                               "desil": "3", "desil_source": "DTSEN 2025"},
        {"nik": "3507011203850001", "full_name": "Slamet Riyadi", "sex": "L",
         "birth_date": "1985-03-12"}, confirmed=True)
    wife = {"nik": "3507015708900002", "full_name": "Siti", "sex": "L",
            "birth_date": "1990-08-17", "relation": "wife"}
    with pytest.raises(family_rules.RegistryProblems) as asked:
        entry.save_member(session, koordinator, household.id, None, wife)
    session.rollback()
    assert not asked.value.checked.blocking
    assert any("wanita" in str(w) for w in asked.value.checked.warnings)
    entry.save_member(session, koordinator, household.id, None, wife, confirmed=True)


@pytest.mark.parametrize("name, words, kind", [
    ("Siti\x00Aminah", "karakter kendali", "xlsx"),
    ("Siti \u202eanimA", "karakter kendali", "csv"),
    ("Siti \u009banimA", "karakter kendali", "csv"),
    ("Siti " + "a" * 100_000, "120", "csv"),
])
def test_names_follow_the_forms_rules(session: Session, name: str, words: str,
                                      kind: str) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][2] = name
    content = xlsx_bytes(rows) if kind == "xlsx" else csv_bytes(rows)
    seen = rows_of(session, preview(session, content, f"kpm.{kind}"))
    siti = seen[4 if kind == "csv" else 3]  # the CSV has a title line above its headers
    assert siti.outcome == "rejected" and words in " ".join(siti.problems), siti.problems
    apply(session, preview(session, csv_bytes([list(r) for r in GOOD])))
    names = session.scalars(sa.select(Person.full_name)).all()
    assert all(len(n) <= 120 and "\x00" not in n and "\u202e" not in n for n in names)


def test_one_stray_byte_keeps_a_utf8_file_utf8_and_names_its_line(session: Session) -> None:
    rows = [list(r) for r in GOOD]
    rows[1][2] = "Siti Nur’aini"
    content = csv_bytes(rows, encoding="utf-8")
    content = content.replace(b"Dusun Sumber", b"Dusun Sumb\xe9r")  # one cp1252 byte
    found = preview(session, content)
    seen = rows_of(session, found)
    assert seen[4].values["person"]["full_name"] == "Siti Nur’aini"
    assert seen[6].values["household"]["address"] == "Dusun Sumbér"
    odd = [line for line, r in seen.items() if any("UTF-8" in w for w in r.warnings)]
    assert odd == [6]


def test_messages_say_what_is_wrong(session: Session) -> None:
    rows: list[list[Any]] = [list(r) for r in GOOD]
    rows[3][10] = "35.07.01.2999"  # a desa code the table does not know
    rows[0][5] = "31-04-1985"  # there is no 31 April
    found = preview(session, csv_bytes(rows))
    seen = rows_of(session, found)
    assert "35.07.01.2999" in " ".join(seen[6].problems)
    assert "tabel wilayah" in " ".join(seen[6].problems)
    assert "30 hari" in " ".join(seen[3].problems)
    no_relation = (b"No KK;NIK;Nama;JK;Tgl Lahir;Desa;Desil\n"
                   b"3507011506200003;3507011203850001;Slamet;L;12-03-1985;Tulungrejo;2\n"
                   b"3507011506200003;3507015708900002;Siti;P;17-08-1990;Tulungrejo;2\n")
    seen = rows_of(session, preview(session, no_relation))
    assert seen[3].outcome == "new" and any("Lainnya" in w for w in seen[3].warnings)
    lost = [list(r) for r in GOOD]
    lost_cells: list[list[Any]] = lost  # type: ignore[assignment]
    lost_cells[3][1] = 3507014404700000.0  # the spreadsheet kept 15 digits of Painem's NIK
    seen = rows_of(session, preview(session, xlsx_bytes(lost_cells), "kpm.xlsx"))
    assert "digit terakhirnya hilang" in " ".join(seen[5].problems), seen[5].problems


def test_rejected_numbers_stored_as_spreadsheet_numbers_stay_masked(session: Session) -> None:
    rows: list[list[Any]] = [list(r) for r in GOOD]
    rows[3][1] = 3507014404700003.0  # Painem's NIK as a number cell
    rows[3][0] = 3507010101190001.0  # and her KK
    rows[3][10] = "Atlantis"  # so her row is rejected
    found = preview(session, xlsx_bytes(rows), "kpm.xlsx")
    for fmt in ("csv", "xlsx"):
        for who in ("koordinator", "supervisor", "admin"):
            _name, content = importing.rejected_file(session, user(session, who), found.id, fmt)
            text = content.decode("utf-8-sig") if fmt == "csv" else " ".join(
                str(c) for row in CalamineWorkbook.from_filelike(io.BytesIO(content))
                .get_sheet_by_index(0).to_python() for c in row)
            assert FULL_NUMBER.findall(text) == [], (who, fmt)
            assert "3507********0003" in text


def test_a_number_in_a_file_name_or_a_first_row_is_never_shown(session: Session,
                                                                 client: Any, app: Flask
                                                                 ) -> None:
    login(client, "koordinator")
    token = csrf_token(client, "/registry/imports")
    named = client.post("/registry/imports", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes([list(r) for r in GOOD])),
                                      "KK 3507011506200003 Slamet.csv")},
        content_type="multipart/form-data")
    assert named.status_code == 303
    headless = "\n".join(";".join(r) for r in GOOD).encode()
    bare = client.post("/registry/imports", data={
        "csrf_token": token, "file": (io.BytesIO(headless), "tanpa-judul.csv")},
        content_type="multipart/form-data")
    bare_id = int(bare.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        work(session)
    found = session.get(RegistryImport, bare_id)
    assert found is not None and found.status == "failed" and "nama kolom" in found.error
    for page in ("/registry/imports", named.headers["Location"], f"/registry/imports/{bare_id}"):
        text = client.get(page).get_data(as_text=True)
        assert FULL_NUMBER.findall(text) == [], page
    assert all(FULL_NUMBER.findall(i.filename) == [] for i in
               session.scalars(sa.select(RegistryImport)))


def test_the_too_large_page_says_the_limit_of_its_form(session: Session, client: Any) -> None:
    login(client, "koordinator")
    token = csrf_token(client, "/registry/imports")
    big = client.post("/registry/imports", data={
        "csrf_token": token, "file": (io.BytesIO(b"x" * (21 * 1024 * 1024)), "besar.csv")},
        content_type="multipart/form-data")
    assert big.status_code == 413 and "20 MB" in big.get_data(as_text=True)
    other = client.post("/account/password", data={
        "csrf_token": token, "file": (io.BytesIO(b"x" * (9 * 1024 * 1024)), "foto.jpg")},
        content_type="multipart/form-data")
    assert other.status_code == 413 and "8 MB" in other.get_data(as_text=True)
