"""Every form speaks Indonesian, says one clear thing per field, and refuses what is not a
number or not clean text."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from forms import FORMS
from forms.base import SimpulForm
from forms.dynamic import build_form
from tests.conftest import csrf_token
from webapp import engine

ENGLISH = re.compile(r"This field is required|Field must be|Not a valid|Invalid (Choice|input|"
                     r"email|CSRF)|is not a valid choice|characters long|CSRF token")


def all_form_classes() -> Iterator[type[SimpulForm]]:
    import forms

    for found in pkgutil.iter_modules(forms.__path__):  # every form lives in a module of forms/
        importlib.import_module(f"forms.{found.name}")
    seen: list[type[SimpulForm]] = []
    todo = list(SimpulForm.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    yield from seen


def test_every_validator_of_every_form_has_our_own_message() -> None:
    missing = []
    for cls in all_form_classes():
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            for validator in getattr(unbound, "kwargs", {}).get("validators") or []:
                if hasattr(validator, "message") and validator.message is None:
                    missing.append(f"{cls.__name__}.{name}: {type(validator).__name__}")
    names = {cls.__name__ for cls in all_form_classes()}
    assert len(names) >= 14
    assert {"LoginForm", "PasswordForm", "StartForm", "UserForm", "GroupForm", "PartnerForm",
            "UploadForm", "DeployForm", "HouseholdForm", "PersonForm"} <= names
    assert missing == []


def page_errors(text: str) -> list[str]:
    return re.findall(r'<small class="field-error"[^>]*>([^<]*)</small>', text)


@pytest.mark.parametrize(("path", "data"), [
    ("/programs/new", {"process_key": "bukan", "title": "ab", "region": "99"}),
    ("/admin/users/new", {"username": "", "full_name": "", "role": "raja",
                          "groups": "Tidak Ada", "email": "x"}),
    ("/admin/groups", {"name": "", "description": "x" * 300}),
    ("/admin/partners", {"name": "ab", "kind": "lain-lain", "phone": "12"}),
    ("/account/password", {"current": "", "new": "", "again": "x"}),
])
def test_refused_forms_answer_in_indonesian_with_one_message_per_field(
        login_as: Any, path: str, data: dict[str, str]) -> None:
    client = login_as("admin")
    data = dict(data, csrf_token=csrf_token(client, path))
    response = client.post(path, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert not ENGLISH.search(body), ENGLISH.search(body)
    assert page_errors(body)
    assert 'class="error-summary' in body


def test_a_count_says_one_thing_at_a_time(app: Flask) -> None:
    form_class = FORMS["program_plan"]
    cases = {"abc": "Isi bilangan bulat", "0": "Minimal 1", "9" * 30: "terlalu besar",
             "1.200": None, "1 200": None}
    with app.test_request_context(method="POST"):
        for typed, expected in cases.items():
            form = form_class(formdata=MultiDict({"target_households": typed}), meta={
                "csrf": False})
            form.validate()
            errors = form.target_households.errors
            if expected is None:
                assert errors == [] and form.target_households.data == 1200
            else:
                assert len(errors) == 1 and expected in str(errors[0]), (typed, errors)


NUMBER_FIELD = engine.FieldSpec(name="jumlah", label="Jumlah", type="number", required=True,
                                choices=(), help="")
TEXT_FIELD = engine.FieldSpec(name="judul", label="Judul", type="text", required=True,
                              choices=(), help="")


@pytest.mark.parametrize("typed", ["NaN", "nan", "Infinity", "-inf", "1e5", "9" * 400,
                                   "0x10", "12,3,4", "1.2.3,4,5"])
def test_field_list_numbers_refuse_what_is_not_a_plain_number(app: Flask, typed: str) -> None:
    form_class = build_form([NUMBER_FIELD, TEXT_FIELD])
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({"jumlah": typed, "judul": "Uji"}),
                          meta={"csrf": False})
        assert not form.validate()
        assert len(form.jumlah.errors) == 1


@pytest.mark.parametrize(("typed", "value"), [("87,5", 87.5), ("87.5", 87.5), ("9,5", 9.5),
                                              ("1.234,5", 1234.5), ("1,234.5", 1234.5),
                                              ("-3", -3.0), (" 12 ", 12.0)])
def test_field_list_numbers_read_the_indonesian_way(app: Flask, typed: str, value: float) -> None:
    form_class = build_form([NUMBER_FIELD, TEXT_FIELD])
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({"jumlah": typed, "judul": "Uji"}),
                          meta={"csrf": False})
        assert form.validate(), form.errors
        assert form.to_task_data()["jumlah"] == value


@pytest.mark.parametrize("text", ["Bantuan\x00 sembako", "Program \u202eakaj\u202c",
                                  "Judul\u2066tersembunyi\u2069", "bel\x07", "CSI\x9b31m",
                                  "awal\x80", "akhir\x9f"])
def test_texts_with_control_characters_are_refused(app: Flask, text: str) -> None:
    form_class = build_form([TEXT_FIELD])
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({"judul": text}), meta={"csrf": False})
        assert not form.validate()
        assert form.judul.errors == [form.judul.errors[0]]
        assert "karakter kendali" in str(form.judul.errors[0])


@pytest.mark.parametrize("title", ["BPNT \u202eatrakaJ 2026", "BPNT \x9b2J 2026"])
def test_a_program_title_with_a_control_character_is_refused(login_as: Any, title: str) -> None:
    # a right-to-left override, and U+009B (the one-character CSI of terminals: C1 controls)
    client = login_as("koordinator")
    response = client.post("/programs/new", data={
        "process_key": "program_cycle", "title": title,
        "region": "35.07.01", "csrf_token": csrf_token(client, "/programs/new")})
    assert response.status_code == 422
    assert "karakter kendali" in response.get_data(as_text=True)
