"""The registry: households and members with the NIK and KK rules, duplicates, moves, search,
the household page, region scope for every record, and full numbers shown only on purpose."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, login
from webapp.db import unit_of_work
from webapp.models import Household, Person, RegistryEvent, User
from webapp.services.errors import Forbidden, NotFound
from webapp.services.registry import access, entry, facts, family_rules, search
from webapp.services.registry.keys import name_key

KK = "3507011506200003"  # 35.07.01, issued 15 June 2020
HEAD_NIK = "3507011203850001"  # a man born 12 March 1985
WIFE_NIK = "3507015708900002"  # a woman born 17 August 1990 (day + 40)
FULL_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")


def household_values(**extra: Any) -> dict[str, Any]:
    return {"kk_number": KK, "region_code": "35.07.01.2001", "address": "Dusun Krajan",
            "rt": "3", "rw": "1", **extra}


def head_values(**extra: Any) -> dict[str, Any]:
    return {"nik": HEAD_NIK, "full_name": "Slamet Riyadi", "sex": "L",
            "birth_place": "Malang", "birth_date": "1985-03-12", **extra}


def user(session: Session, name: str) -> User:
    return session.scalars(sa.select(User).where(User.username == name)).one()


@pytest.fixture
def family(session: Session) -> Household:
    made = entry.create_household(session, user(session, "koordinator"), household_values(),
                                  head_values())
    with unit_of_work(session):  # as the DTSEN import records it
        facts.record_desil(made, 2, "2025-Q3")
    entry.save_member(session, user(session, "koordinator"), made.id, None,
                      {"nik": WIFE_NIK, "full_name": "Siti Nur'aini", "sex": "P",
                       "birth_date": "1990-08-17", "relation": "wife", "pregnant": True})
    return made


def test_a_household_is_registered_with_its_head(session: Session, family: Household) -> None:
    session.rollback()
    found = session.get(Household, family.id)
    assert found is not None and found.rt == "003" and found.desil == 2
    assert [(m.full_name, m.relation, m.sex) for m in found.members] == [
        ("Slamet Riyadi", "head", "L"), ("Siti Nur'aini", "wife", "P")]
    assert found.members[1].name_key == "siti nuraini"
    kinds = session.scalars(sa.select(RegistryEvent.kind).where(
        RegistryEvent.household_id == family.id).order_by(RegistryEvent.id)).all()
    assert kinds == ["created", "member_added"]


def test_rules_name_the_field_and_save_nothing(session: Session) -> None:
    koordinator = user(session, "koordinator")
    with pytest.raises(family_rules.RegistryProblems) as refused:
        entry.create_household(session, koordinator,
                               household_values(kk_number="3507011506200000",
                                                region_code="35.07.01"),
                               head_values(nik="3507015708900002"))  # a woman's NIK, sex L
    session.rollback()
    errors = refused.value.checked.errors
    assert set(errors) == {"kk_number", "region_code"}
    assert "0000" in str(errors["kk_number"])
    # a NIK of the other sex is a warning to confirm (the KK may show both), as in an import
    assert any("perempuan" in str(w) or "woman" in str(w)
               for w in refused.value.checked.warnings)
    assert session.scalar(sa.select(sa.func.count(Household.id))) == 0


def test_an_existing_nik_or_kk_is_never_saved_twice(session: Session, family: Household
                                                     ) -> None:
    koordinator = user(session, "koordinator")
    with pytest.raises(family_rules.RegistryProblems) as refused:
        entry.create_household(session, koordinator, household_values(),
                               head_values(nik="3507011203850009", full_name="Sugeng"))
    session.rollback()
    (duplicate,) = refused.value.checked.duplicates
    assert duplicate.kind == "kk" and duplicate.household_id == family.id
    assert KK not in str(duplicate.message)  # masked
    with pytest.raises(family_rules.RegistryProblems) as refused:
        entry.create_household(session, koordinator,
                               household_values(kk_number="3507011506200004"), head_values(),
                               confirmed=True)  # a confirmation does not let a duplicate in
    session.rollback()
    assert [d.kind for d in refused.value.checked.duplicates] == ["nik"]
    assert refused.value.checked.duplicates[0].household_id == family.id
    assert session.scalar(sa.select(sa.func.count(Household.id))) == 1


def test_another_regions_duplicate_is_named_without_a_link(session: Session,
                                                           family: Household) -> None:
    kota = user(session, "kota")
    with pytest.raises(family_rules.RegistryProblems) as refused:
        entry.create_household(session, kota,
                               household_values(kk_number="3573011506200001",
                                                region_code="35.73.01.1001"),
                               head_values())
    session.rollback()
    (duplicate,) = refused.value.checked.duplicates
    assert duplicate.household_id is None and duplicate.person_id is None
    assert "Slamet" not in str(duplicate.message)


def test_a_probable_duplicate_and_an_unknown_area_are_confirmed_first(
        session: Session, family: Household) -> None:
    koordinator = user(session, "koordinator")
    twin = {"full_name": "SLAMET  RIYADI", "sex": "L", "birth_date": "1985-03-12",
            "relation": "relative"}  # no NIK: same name and birth date in the kabupaten
    other = entry.create_household(session, koordinator,
                                   household_values(kk_number="3507021506200001",
                                                    region_code="35.07.02.2001"),
                                   head_values(nik="3507021203850001",
                                               full_name="Bambang"))
    with pytest.raises(family_rules.RegistryProblems) as asked:
        entry.save_member(session, koordinator, other.id, None, twin)
    session.rollback()
    assert not asked.value.checked.blocking
    assert [d.kind for d in asked.value.checked.duplicates] == ["probable"]
    saved = entry.save_member(session, koordinator, other.id, None, twin, confirmed=True)
    assert saved.id is not None
    # an area code the region table does not know (renumbered): a warning, never a refusal
    unknown = {"nik": "3599011203850001", "full_name": "Joko", "sex": "L", "relation": "child"}
    with pytest.raises(family_rules.RegistryProblems) as asked:
        entry.save_member(session, koordinator, other.id, None, unknown)
    session.rollback()
    assert not asked.value.checked.blocking and "35.99.01" in str(asked.value.checked.warnings)
    assert entry.save_member(session, koordinator, other.id, None, unknown,
                             confirmed=True).nik == "3599011203850001"


def test_a_move_is_recorded_in_both_households(session: Session, family: Household) -> None:
    koordinator = user(session, "koordinator")
    other = entry.create_household(session, koordinator,
                                   household_values(kk_number="3507011506200009"),
                                   head_values(nik="3507012002800001", full_name="Paijo",
                                               birth_date="1980-02-20"))
    wife = session.scalars(sa.select(Person).where(Person.nik == WIFE_NIK)).one()
    with pytest.raises(Exception, match="."):
        entry.move_member(session, koordinator, wife.id, other.id, "wife", "")
    session.rollback()
    entry.move_member(session, koordinator, wife.id, other.id, "wife", "menikah lagi")
    session.rollback()
    assert session.get(Person, wife.id).household_id == other.id  # type: ignore[union-attr]
    moves = session.execute(sa.select(RegistryEvent.kind, RegistryEvent.household_id).where(
        RegistryEvent.person_id == wife.id, RegistryEvent.kind.like("moved%"))).all()
    assert sorted(moves) == [("moved_in", other.id), ("moved_out", family.id)]


@pytest.mark.parametrize("text, expected", [
    (HEAD_NIK, ["Slamet Riyadi"]),
    ("3507 0112 0385 0001", ["Slamet Riyadi"]),
    ("3507********0001", ["Slamet Riyadi"]),  # as the page echoes it back
    (KK, ["Slamet Riyadi"]),  # a KK finds the household, shown with its head
    ("0002", ["Siti Nur'aini"]),  # the last digits of a NIK
    ("200003", ["Slamet Riyadi"]),  # the last digits of the KK
    ("siti nur", ["Siti Nur'aini"]),
    ("SITI NURA", ["Siti Nur'aini"]),
    ("slamet", ["Slamet Riyadi"]),
    ("riyadi", []),  # a prefix of the name, not a word inside it
])
def test_search_by_number_digits_or_name(session: Session, family: Household, text: str,
                                         expected: list[str]) -> None:
    found = search.search(session, user(session, "koordinator"), search.Filters(text=text))
    assert [row.person.full_name for row in found.rows if row.person] == expected


def test_search_filters_and_too_short_numbers(session: Session, family: Household) -> None:
    koordinator = user(session, "koordinator")
    assert search.search(session, koordinator, search.Filters(text="12")).problem
    assert len(search.search(session, koordinator, search.Filters(desil="1-4")).rows) == 1
    assert search.search(session, koordinator, search.Filters(desil="5")).rows == []
    assert len(search.search(session, koordinator,
                             search.Filters(region="35.07.01")).rows) == 1
    assert search.search(session, koordinator, search.Filters(region="35.07.02")).rows == []


def test_another_region_finds_nothing_and_gets_404_for_typed_ids(
        app: Any, client: Any, session: Session, family: Household) -> None:
    kota = user(session, "kota")
    for text in (HEAD_NIK, KK, "0001", "slamet", ""):
        assert search.search(session, kota, search.Filters(text=text)).rows == []
    person = family.members[0]
    with pytest.raises(NotFound):
        access.get_household(session, kota, family.id)
    with pytest.raises(NotFound):
        access.reveal(session, kota, person.id, None, "pemeriksaan data")
    session.rollback()
    login(client, "kota")
    token = csrf_token(client, "/registry/")
    for path in (f"/registry/households/{family.id}", f"/registry/households/{family.id}/edit",
                 f"/registry/households/{family.id}/members/new",
                 f"/registry/households/{family.id}/members/{person.id}"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"/registry/people/{person.id}/reveal", {"reason": "cek data KPM"}),
                       (f"/registry/households/{family.id}/reveal", {"reason": "cek data"}),
                       (f"/registry/people/{person.id}/move",
                        {"target": KK, "relation": "wife", "reason": "pindah rumah"}),
                       (f"/registry/households/{family.id}/edit", household_values())):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 404, path
    page = client.get("/registry/?q=slamet").get_data(as_text=True)
    assert "Slamet" not in page


def test_pages_show_numbers_masked_and_reveal_writes_the_history(
        client: Any, session: Session, family: Household) -> None:
    login(client, "koordinator")
    for path in ("/registry/", f"/registry/?q={HEAD_NIK}", "/registry/?q=slamet",
                 f"/registry/households/{family.id}",
                 f"/registry/households/{family.id}/edit",
                 f"/registry/households/{family.id}/members/{family.members[0].id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Slamet" in page, path
        assert FULL_NUMBER.findall(page) == [], path
    token = csrf_token(client, "/registry/")
    refused = client.post(f"/registry/people/{family.members[0].id}/reveal",
                          data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422 and HEAD_NIK not in refused.get_data(as_text=True)
    shown = client.post(f"/registry/people/{family.members[0].id}/reveal",
                        data={"reason": "verifikasi di kantor desa", "csrf_token": token},
                        headers={"HX-Request": "true", "HX-Target": "nik-1-shown"})
    assert shown.status_code == 200 and HEAD_NIK in shown.get_data(as_text=True)
    event = session.scalars(sa.select(RegistryEvent).where(RegistryEvent.kind == "revealed")
                            ).one()
    assert event.detail == {"what": "nik", "reason": "verifikasi di kantor desa"}
    history = client.get(f"/registry/households/{family.id}").get_data(as_text=True)
    assert "verifikasi di kantor desa" in history and HEAD_NIK not in history


def test_administrators_see_masked_numbers_only_and_cannot_edit(
        session: Session, family: Household) -> None:
    admin = user(session, "admin")
    with pytest.raises(Forbidden):
        access.reveal(session, admin, family.members[0].id, None, "audit data")
    session.rollback()
    with pytest.raises(Forbidden):
        entry.update_household(session, admin, family.id, household_values())
    session.rollback()


def test_forms_through_the_web(client: Any, session: Session) -> None:
    login(client, "koordinator")
    page = client.get("/registry/households/new")
    assert page.status_code == 200 and "Tulungrejo" in page.get_data(as_text=True)
    token = csrf_token(client, "/registry/households/new")
    form = {"csrf_token": token, **household_values(),
            **{f"head-{k}": v for k, v in head_values().items()}}
    bad = client.post("/registry/households/new", data={**form, "head-nik": "35070112038500"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "16" in text and 'aria-invalid="true"' in text
    made = client.post("/registry/households/new", data=form)
    assert made.status_code == 303
    household = session.scalars(sa.select(Household)).one()
    member = {"csrf_token": token, "full_name": "Ahmad Dani", "sex": "L",
              "birth_date": "2015-01-05", "relation": "child", "school": "attending"}
    assert client.post(f"/registry/households/{household.id}/members/new",
                       data=member).status_code == 303
    session.rollback()
    assert [m.full_name for m in session.get(Household, household.id).members  # type: ignore
            ] == ["Slamet Riyadi", "Ahmad Dani"]
    edit = client.post(f"/registry/households/{household.id}/edit",
                       data={"csrf_token": token, **household_values(kk_number="", rt="4"),
                             "status": "active"})
    assert edit.status_code == 303
    session.rollback()
    kept = session.get(Household, household.id)
    assert kept is not None and kept.kk_number == KK and kept.rt == "004"


def test_name_keys() -> None:
    assert name_key("Dédé  Kurniasih") == "dede kurniasih"
    assert name_key("M.Yusuf") == "m yusuf"
    assert name_key("Abdul-Rahman") == "abdul rahman"
