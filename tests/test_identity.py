"""The NIK and KK rules (registry, issue 10): a table of cases, each with what it must say."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from tests.conftest import make_test_app
from webapp.services.registry.identity import check_kk, check_nik, clean_number

TODAY = dt.date(2026, 11, 30)
KNOWN = {"35.07.01", "35.07.02", "35.73.01"}


def known(code: str) -> bool:
    return code in KNOWN


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The rules need the translations, not a database (this one is never opened)."""
    return make_test_app(f"sqlite:///{tmp_path_factory.mktemp('identity') / 'unused.sqlite3'}")


# (raw, sex given, birth date given, expected: "ok" | "warn" | "error", sex, date, words of
# the first message, which reads in Indonesian)
NIK_CASES: list[tuple[Any, str | None, dt.date | None, str, str | None, str | None, str]] = [
    ("3507011708450001", None, None, "ok", "L", "1945-08-17", ""),
    ("3507015708450001", None, None, "ok", "P", "1945-08-17", ""),
    ("3507012902000001", None, None, "ok", "L", "2000-02-29", ""),  # leap year
    ("3507016902000002", None, None, "ok", "P", "2000-02-29", ""),
    ("3507012902010001", None, None, "error", "L", None, "bukan tanggal yang benar"),  # 2001 / 1901
    ("3507016902990001", None, None, "error", "P", None, "bukan tanggal yang benar"),  # 1999
    ("3507012902960001", None, None, "ok", "L", "1996-02-29", ""),
    ("3507014101900001", None, None, "ok", "P", "1990-01-01", ""),  # day 41
    ("3507017101900001", None, None, "ok", "P", "1990-01-31", ""),  # day 71
    ("3507017201900001", None, None, "error", None, None, "41–71"),  # day 72
    ("3507013201900001", None, None, "error", None, None, "41–71"),  # day 32
    ("3507014001900001", None, None, "error", None, None, "41–71"),  # day 40
    ("3507010001900001", None, None, "error", None, None, "41–71"),  # day 00
    ("3507011513900001", None, None, "error", "L", None, "bukan tanggal yang benar"),  # month 13
    ("3507011500900001", None, None, "error", "L", None, "bukan tanggal yang benar"),  # month 00
    ("3507017104900001", None, None, "error", "P", None, "bukan tanggal yang benar"),  # 31 April
    ("3507011708450000", None, None, "error", None, None, "0000"),
    ("35070117084500O1", None, None, "error", None, None, "hanya boleh berisi angka"),  # letter O
    ("NIK3507011708450", None, None, "error", None, None, "hanya boleh berisi angka"),
    ("350701170845001", None, None, "error", None, None, "harus 16 digit"),  # 15
    ("35070117084500011", None, None, "error", None, None, "harus 16 digit"),  # 17
    ("", None, None, "error", None, None, "kosong"),
    (None, None, None, "error", None, None, "kosong"),
    ("0007011708450001", None, None, "error", None, None, "00"),
    ("3.50701E+15", None, None, "error", None, None, "diubah menjadi angka"),
    ("3,50701170845E+15", None, None, "error", None, None, "diubah menjadi angka"),
    ("'3507011708450001", None, None, "ok", "L", "1945-08-17", ""),  # leading apostrophe
    (" 3507 0117 0845 0001 ", None, None, "ok", "L", "1945-08-17", ""),
    ("35.07.01.170845.0001", None, None, "ok", "L", "1945-08-17", ""),
    ("3507-0117-0845-0001", None, None, "ok", "L", "1945-08-17", ""),
    ("3507011708450001.0", None, None, "ok", "L", "1945-08-17", ""),
    (3507011708450001.0, None, None, "ok", "L", "1945-08-17", ""),
    (3507011708450010.0, None, None, "warn", "L", "1945-08-17", "15 digit"),
    (3507011708450001, None, None, "ok", "L", "1945-08-17", ""),  # an int cell
    ("3599011708450001", None, None, "warn", "L", "1945-08-17", "35.99.01"),  # unknown area
    ("9101011708450001", None, None, "warn", "L", "1945-08-17", "91.01.01"),  # renumbered
    # the other sex than the NIK's: a warning to confirm (the KK may show both), form and import
    ("3507015708450001", "L", None, "warn", "P", "1945-08-17", "dicatat sebagai laki-laki"),
    ("3507011708450001", "P", None, "warn", "L", "1945-08-17", "dicatat sebagai wanita"),
    ("3507011708450001", "L", dt.date(1945, 8, 18), "warn", "L", "1945-08-17", "berbeda"),
    ("3507010501050001", None, dt.date(2005, 1, 5), "ok", "L", "2005-01-05", ""),
    ("3507010501050001", None, None, "ok", "L", "2005-01-05", ""),  # most recent century
    ("3507011512260001", None, None, "ok", "L", "1926-12-15", ""),  # 2026-12-15 is ahead
    # a birth date in another century than the NIK's: the two disagree (not "no real date")
    ("3507011512260001", None, dt.date(2026, 1, 1), "warn", "L", "1926-12-15", "berbeda"),
    ("3507011203850001", "L", dt.date(2010, 3, 12), "warn", "L", "1985-03-12", "berbeda"),
    ("3507011702200001", None, dt.date(1920, 2, 17), "ok", "L", "1920-02-17", ""),
]


@pytest.mark.parametrize("raw, sex, born, outcome, want_sex, want_date, words", NIK_CASES)
def test_nik_rules(app: Flask, raw: Any, sex: str | None, born: dt.date | None, outcome: str,
                   want_sex: str | None, want_date: str | None, words: str) -> None:
    with app.test_request_context():
        found = check_nik(raw, TODAY, known, sex=sex, birth_date=born)
        said = [str(m) for m in found.errors + found.warnings]
    assert ("error" if found.errors else "warn" if found.warnings else "ok") == outcome, said
    assert found.sex == want_sex
    assert (found.date.isoformat() if found.date else None) == want_date
    if words:
        assert words in said[0], said
    if outcome != "error":
        assert len(found.number) == 16 and found.area == found.number[:2] + "." \
            + found.number[2:4] + "." + found.number[4:6]


KK_CASES = [
    ("3507011203150003", "ok", "2015-03-12", ""),
    ("3507015203150003", "error", None, "bukan tanggal yang benar"),  # no +40 for a KK
    ("3507011203150000", "error", None, "0000"),
    ("3507012902150003", "error", None, "bukan tanggal yang benar"),  # 2015 is not a leap year
    ("3507012902160003", "ok", "2016-02-29", ""),
    ("35070112031500", "error", None, "harus 16 digit"),
    ("3599011203150003", "warn", "2015-03-12", "35.99.01"),
    ("'3507011203150003", "ok", "2015-03-12", ""),
]


@pytest.mark.parametrize("raw, outcome, want_date, words", KK_CASES)
def test_kk_rules(app: Flask, raw: str, outcome: str, want_date: str | None,
                  words: str) -> None:
    with app.test_request_context():
        found = check_kk(raw, TODAY, known)
        said = [str(m) for m in found.errors + found.warnings]
    assert ("error" if found.errors else "warn" if found.warnings else "ok") == outcome, said
    assert (found.date.isoformat() if found.date else None) == want_date
    if words:
        assert words in said[0], said


def test_messages_are_indonesian_by_default(app: Flask) -> None:
    with app.test_request_context():
        found = check_nik("3507017201900001", TODAY, known)
        assert "bukan tanggal" in str(found.errors[0])
        assert "milik wanita" in str(check_nik("3507015708450001", TODAY,
                                                 sex="L").warnings[0])


def test_spreadsheet_forms_of_a_number_come_out_as_its_digits() -> None:
    assert clean_number(" '3507 0117-0845.0001 ") == "3507011708450001"
    assert clean_number(3507011708450001.0) == "3507011708450001"
    assert clean_number("3.50701E+15") == "3.50701E+15"  # kept, so the rule can say why
