"""No full NIK or KK where it must not be: free texts that hold one (a reason, an address, a
note, goods) on every page and for every role, the search box and its links whatever spacing
was typed, the request log (also after a %20), the server log of a reveal, and the text of a
failing statement."""

from __future__ import annotations

import logging
import re
import urllib.parse
import urllib.request
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login, signed_in_opener
from tests.program_data import fresh
from tests.test_ticks import at_round, enrolments
from webapp.db import make_engine
from webapp.models import Household, User
from webapp.services.assistance import ticks
from webapp.services.privacy import mask_nik
from webapp.services.registry import access, entry

FULL_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")
NIK = "3507014404700003"
TYPED = "3507 0144 0470 0003"  # as typed into a free text


def digits_only(page: str) -> str:
    """The page with every run of digits and separators joined, as an eye reads a number."""
    return re.sub(r"(?<=\d)[\s.\-\u00a0]{1,3}(?=\d)", "", page)


def test_free_texts_are_masked_on_every_page_for_every_role(
        session: Session, people: dict[str, User], client: Any) -> None:
    program = at_round(session, people, 2)
    koordinator = people["koordinator"]
    first, second = enrolments(session, program)
    household = session.scalars(sa.select(Household).order_by(Household.id)).first()
    assert household is not None
    values = {"kk_number": household.kk_number, "region_code": household.region_code,
              "address": f"Rumah Bu Painem NIK {TYPED}, belakang masjid", "rt": "1", "rw": "1",
              "desil": "2", "desil_source": "DTSEN 2025"}
    entry.update_household(session, koordinator, household.id, values, confirmed=True)
    ticks.tick(session, koordinator, program.id, first, 1, True,
                       goods=f"beras 10 kg untuk {TYPED}", note=f"diwakilkan, KTP {TYPED}")
    ticks.tick(session, koordinator, program.id, second, 1, False, reason="other",
                       note=f"pindah, KK baru {TYPED}")
    person = household.members[0]
    access.reveal(session, koordinator, person.id, None, f"cocokkan dengan {TYPED}")
    other = entry.create_household(
        session, koordinator, {"kk_number": "3507012001210001", "region_code":
                               "35.07.01.2001", "desil": "3", "desil_source": "DTSEN 2025"},
        {"nik": "3507011203850001", "full_name": "Slamet Riyadi", "sex": "L",
         "birth_date": "1985-03-12"}, confirmed=True)
    moving = entry.save_member(session, koordinator, other.id, None, {
        "nik": "3507015708900002", "full_name": "Siti", "sex": "P",
        "birth_date": "1990-08-17", "relation": "wife"}, confirmed=True)
    entry.move_member(session, koordinator, moving.id, household.id, "relative",
                      f"menikah, NIK lama {TYPED}")
    fresh(session)
    pages = [f"/registry/households/{household.id}", f"/registry/households/{other.id}",
             f"/programs/{program.id}/rounds/1", f"/programs/{program.id}/recipients"]
    for who in ("koordinator", "supervisor", "admin"):
        login(client, who)
        for path in pages:
            response = client.get(path)
            if response.status_code == 403:
                continue
            text = response.get_data(as_text=True)
            assert FULL_NUMBER.findall(digits_only(text)) == [], (who, path)
            if path == pages[0] and who != "admin":
                assert "3507********0003" in text and "belakang masjid" in text


def test_a_number_typed_with_any_spacing_is_masked_in_the_box_the_links_and_the_log(
        live_server: str, caplog: pytest.LogCaptureFixture) -> None:
    opener = signed_in_opener(live_server, "koordinator")
    queries = ("3507%20%200144%20%200470%20%200003", "%203507014404700003",
               "3507++0144++0470++0003", "%20%203507-0144-0470-0003")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for query in queries:
            text = opener.open(f"{live_server}/registry/?q={query}").read().decode()
            assert FULL_NUMBER.findall(digits_only(text)) == [], query
            assert "3507********0003" in text
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    searches = [line for line in lines if "/registry/?q=" in line]
    assert len(searches) == len(queries)
    assert all(FULL_NUMBER.findall(digits_only(urllib.parse.unquote_plus(line))) == []
               for line in searches), searches


def test_a_reveal_is_written_to_the_server_log_masked(
        session: Session, people: dict[str, User], client: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    koordinator = people["koordinator"]
    made = entry.create_household(
        session, koordinator, {"kk_number": "3507012001210001", "region_code": "35.07.01.2001",
                               "desil": "3", "desil_source": "DTSEN 2025"},
        {"nik": "3507011203850001", "full_name": "Slamet Riyadi", "sex": "L",
         "birth_date": "1985-03-12"}, confirmed=True)
    login(client, "koordinator")
    token = csrf_token(client, f"/registry/households/{made.id}")
    shown = client.post(f"/registry/households/{made.id}/reveal",
                        data={"csrf_token": token, "reason": f"cocokkan dengan {TYPED}"},
                        headers={"HX-Request": "true", "HX-Target": "kk-number-shown"})
    assert shown.status_code == 200 and "3507012001210001" in shown.get_data(as_text=True)
    records = [r for r in caplog.records if r.name == "simpul.registry"]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    line = records[0].getMessage()
    assert "koordinator" in line and "cocokkan dengan" in line
    assert FULL_NUMBER.findall(digits_only(line)) == [] and "3507********0003" in line


def test_a_failing_statement_never_carries_its_parameters(database_url: str,
                                                          session: Session) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(sa.exc.IntegrityError) as failed, engine.begin() as conn:
            for _ in range(2):
                conn.execute(sa.insert(Household).values(
                    kk_number=NIK, kk_reversed=NIK[::-1], region_code="35.07.01.2001",
                    address="", rt="", rw="", desil_source="", status="active"))
    finally:
        engine.dispose()
    text = str(failed.value)
    assert "[SQL parameters hidden" in text
    assert NIK not in mask_nik(text)  # PostgreSQL's own DETAIL names the key: masked


def test_every_text_a_template_prints_is_masked_unless_shown_on_purpose(app: Any) -> None:
    from flask import render_template_string
    from markupsafe import Markup

    with app.test_request_context():
        printed = render_template_string(
            "{{ plain }}|{{ _('Reason: %(r)s', r=plain) }}|{{ shown }}|{{ amount }}",
            plain=f"alasan {TYPED}", shown=Markup.escape(NIK), amount=3507014404700003)
    assert printed == (f"alasan 3507********0003|Reason: alasan 3507********0003|{NIK}|"
                       "3507********0003")
