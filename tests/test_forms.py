"""Task forms on their own: validation a coordinator expects, and JSON-safe task data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from forms import get_form_class


@pytest.fixture
def form_context() -> Iterator[None]:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False, BABEL_DEFAULT_LOCALE="id")
    Babel(app)
    with app.test_request_context(method="POST"):
        yield


def _form(key: str, **fields: Any) -> Any:
    return get_form_class(key)(formdata=MultiDict({k: str(v) for k, v in fields.items()}))


def _errors(key: str, **fields: Any) -> dict[str, Any]:
    form = _form(key, **fields)
    form.validate()
    return dict(form.errors)


EVALUATION = {"coverage_pct": "87,5", "budget_realisation_pct": "93.3", "rounds_on_time": 2,
              "lessons": "Umumkan jadwal lebih awal.", "recommendation": "lanjutkan"}


def test_percentages_take_the_indonesian_decimal_comma(form_context: None) -> None:
    form = _form("evaluation", **EVALUATION)
    assert form.validate(), form.errors
    data = form.to_task_data()
    assert data["coverage_pct"] == 87.5 and data["budget_realisation_pct"] == 93.3
    assert not _form("evaluation", **dict(EVALUATION, coverage_pct="8,7,5")).validate()
    assert not _form("evaluation", **dict(EVALUATION, coverage_pct="101")).validate()


PLAN = {"program_kind": "local", "scheme": "top_up", "funding_source": "apbd_province",
        "fiscal_year": 2026, "target_households": 150, "budget_rupiah": "12.500.000",
        "benefit_kind": "money", "benefit_rupiah": "300.000",
        "start_date": "2026-12-01", "end_date": "2027-02-28", "rounds": 2}


def test_plan_reads_rupiah_with_dots_and_checks_the_dates(form_context: None) -> None:
    form = _form("program_plan", **PLAN)
    assert form.validate(), form.errors
    data = form.to_task_data()
    assert data["budget_rupiah"] == 12_500_000 and data["start_date"] == "2026-12-01"
    json.dumps(data)  # JSON-safe: no date or Decimal objects, no csrf_token
    assert "csrf_token" not in data
    bad = _form("program_plan", **dict(PLAN, end_date="2026-11-30", target_households=-1))
    assert not bad.validate()
    assert "end_date" in bad.errors and "target_households" in bad.errors
    # PKH is national; goods need saying which; a decree number needs its date
    assert list(_errors("program_plan", **dict(PLAN, scheme="pkh"))) == ["scheme"]
    assert list(_errors("program_plan", **dict(PLAN, benefit_kind="goods"))) == [
        "benefit_goods"]
    assert list(_errors("program_plan", **dict(PLAN, decree_number="188/12/2026"))) == [
        "decree_number"]
    assert _form("program_plan", **dict(PLAN, program_kind="national", scheme="pkh",
                                        funding_source="apbn")).validate()


def test_returning_needs_a_reason(form_context: None) -> None:
    assert not _form("approval", decision="return", reason="  ").validate()
    assert _form("approval", decision="return", reason="Rinci anggaran").validate()
    assert _form("approval", decision="approve").validate()


def test_a_returned_plan_comes_back_prefilled_with_what_was_submitted(form_context: None) -> None:
    submitted = _form("program_plan", **PLAN)
    assert submitted.validate()
    data = submitted.to_task_data()
    form_class = get_form_class("program_plan")
    prefilled = form_class(formdata=None, data=form_class.initial_from_task_data(data))
    assert prefilled.to_task_data() == data


def test_every_form_attribute_is_a_reserved_field_name() -> None:
    """A field list may not name a field after something the built form already has."""
    from forms.dynamic import build_form
    from webapp.engine.fieldlists import RESERVED_NAMES

    form_class = build_form([])
    own = {name for name in vars(form_class)} | {
        name for base in form_class.__mro__[:2] for name in vars(base)
        if not name.startswith("_")}
    risky = {n for n in own if n.islower() and not n.startswith("_")}
    assert risky <= RESERVED_NAMES | {"Meta"}, sorted(risky - RESERVED_NAMES)
