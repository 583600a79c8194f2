"""The web UI through Flask's test client (real app, real database)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_token
from webapp.models import Event, HumanTask, User
from webapp.services.workflow import programs

HTMX = {"HX-Request": "true", "HX-Target": "inbox-list"}
HTMX_FORM = {"HX-Request": "true", "HX-Target": "task-form"}


def _program(session: Session, people: dict[str, User]) -> HumanTask:
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "BPNT Donomulyo", "35.07.01")
    (task,) = programs.open_tasks(session, program)
    return task


def test_login_page_speaks_indonesian_and_sets_safe_cookies(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "Masuk" in page.get_data(as_text=True)
    token = csrf_token(client)
    response = client.post("/login", data={"username": "koordinator", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_with_a_message(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": "koordinator", "password": "salah-salah",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert "salah" in response.get_data(as_text=True).lower()


def test_a_post_without_csrf_token_is_refused(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    task = _program(session, people)
    client = login_as("koordinator")
    response = client.post(f"/tasks/{task.id}/release", data={})
    assert response.status_code == 400
    session.rollback()  # a new read snapshot (SQLite keeps the old one in a transaction)
    session.refresh(task)
    assert task.assignee_id == people["koordinator"].id


def test_inbox_lists_tasks_and_answers_htmx_with_the_fragment(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    _program(session, people)
    client = login_as("koordinator")
    row = 'class="task-name">Asesmen Kebutuhan'
    page = client.get("/").get_data(as_text=True)
    assert row in page and "<html" in page
    fragment = client.get("/?tab=mine", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert row in body and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    navigation = client.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in navigation  # HX-Location / boosted navigations get the whole page
    empty = client.get("/?tab=mine&phase=evaluation", headers=HTMX).get_data(as_text=True)
    assert row not in empty and "Tidak ada tugas" in empty


def test_task_form_shows_errors_inline_then_completes(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    task = _program(session, people)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    bad = {"csrf_token": token, "assessment_date": "2026-11-01", "villages": "35.07.01.2001",
           "households_total": "100", "hh_in_need": "-3", "hh_food_insecure": "0"}
    response = client.post(f"/tasks/{task.id}", data=bad, headers=HTMX_FORM)
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    session.rollback()  # a new read snapshot (SQLite keeps the old one in a transaction)
    session.refresh(task)
    assert task.status == "open"
    good = dict(bad, hh_in_need="40")
    response = client.post(f"/tasks/{task.id}", data=good, headers=HTMX_FORM)
    session.rollback()  # a new read snapshot (SQLite keeps the old one in a transaction)
    session.refresh(task)
    assert task.status == "completed"
    # the plan is the coordinator's own next step: the page goes straight on to it
    (plan,) = programs.open_tasks(session, task.instance)
    assert plan.form_key == "program_plan" and plan.assignee_id == people["koordinator"].id
    assert response.status_code == 200
    assert response.headers.get("HX-Location") == f"/tasks/{plan.id}"
    again = client.post(f"/tasks/{task.id}", data=good)
    assert again.status_code == 409  # "already completed by …", nothing done twice
    session.rollback()
    count = session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.action == "task.completed", Event.human_task_id == task.id))
    assert count == 1


def test_a_task_form_is_checked_without_holding_the_write(
        login_as: Any, session: Session, people: dict[str, User], monkeypatch: Any) -> None:
    """The form (and the program's data it reads) is checked in a read; the completion takes
    the write lock itself, after."""
    from forms.base import SimpulForm
    from webapp.extensions import db

    task = _program(session, people)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    writing: list[bool] = []
    checked = SimpulForm.validate

    def validate(form: Any, extra_validators: Any = None) -> bool:
        writing.append(bool(db().info.get("simpul_writing")))
        return checked(form, extra_validators)

    monkeypatch.setattr(SimpulForm, "validate", validate)
    bad = {"csrf_token": token, "assessment_date": "2026-11-01", "villages": "35.07.01.2001",
           "households_total": "100", "hh_in_need": "-3", "hh_food_insecure": "0"}
    assert client.post(f"/tasks/{task.id}", data=bad, headers=HTMX_FORM).status_code == 422
    good = dict(bad, hh_in_need="40")
    assert client.post(f"/tasks/{task.id}", data=good, headers=HTMX_FORM).status_code == 200
    assert writing == [False, False]
    session.rollback()
    session.refresh(task)
    assert task.status == "completed"


def test_typing_another_groups_task_id_gives_404(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    task = _program(session, people)
    client = login_as("mitra")
    assert client.get(f"/tasks/{task.id}").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/tasks/{task.id}/claim", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/programs/{task.instance_id}").status_code == 404
    assert client.get(f"/programs/{task.instance_id}/diagram.xml").status_code == 404


def test_start_program_page_starts_and_opens_the_first_step(
        login_as: Any, session: Session) -> None:
    client = login_as("koordinator")
    token = csrf_token(client, "/programs/new")
    response = client.post("/programs/new", data={
        "csrf_token": token, "process_key": "program_cycle", "title": "PKH Pagak 2027",
        "region": "35.07.02"})
    assert response.status_code == 303 and "/tasks/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asesmen Kebutuhan" in page


def test_pages_need_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_absurd_numbers_and_long_texts_are_refused_with_a_message(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    task = _program(session, people)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    data = {"csrf_token": token, "assessment_date": "2026-11-01", "villages": "35.07.01.2001",
            "households_total": "9" * 30, "hh_in_need": "1", "hh_food_insecure": "0",
            "notes": "x" * 5000}
    response = client.post(f"/tasks/{task.id}", data=data, headers=HTMX_FORM)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Angka ini terlalu besar" in body and "paling banyak" in body
    session.rollback()
    session.refresh(task)
    assert task.status == "open"


def test_names_in_messages_are_escaped(login_as: Any, session: Session,
                                       people: dict[str, User]) -> None:
    """A lazily translated message with a name inside must not bypass escaping."""
    supervisor = people["supervisor"]
    supervisor.full_name = "<script>alert('x')</script>"
    session.commit()
    program = programs.start_instance(session, people["koordinator"], "program_cycle",
                                       "<img src=x onerror=alert(1)>", "35.07.01")
    (task,) = programs.open_tasks(session, program)
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    from tests.program_data import posted
    data = posted("needs_assessment")
    client.post(f"/tasks/{task.id}", data=dict(data, csrf_token=token))
    page = client.get("/").get_data(as_text=True)
    assert "<img src=x" not in page
    tasks_page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "<img src=x" not in tasks_page and "&lt;img src=x" in tasks_page


def test_the_welcome_message_escapes_the_name(client: FlaskClient, session: Session,
                                              people: dict[str, User]) -> None:
    people["koordinator"].full_name = "<b onmouseover=alert(1)>Budi</b>"
    session.commit()
    token = csrf_token(client)
    client.post("/login", data={"username": "koordinator", "password": PASSWORD,
                                "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    assert "<b onmouseover" not in page and "&lt;b onmouseover" in page


def test_a_round_is_checked_against_the_plan_and_numbered(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    from tests.program_data import STEP_DATA, program_at

    program = program_at(session, people, "distribution_record")  # 150 households, Rp 45 jt
    (task,) = programs.open_tasks(session, program)
    assert task.name == "Catatan Penyaluran — Tahap 1 dari 2"
    client = login_as("koordinator")
    token = csrf_token(client, f"/tasks/{task.id}")
    round_data = {"csrf_token": token, "distribution_date": "2026-12-15", "on_time": "y",
                  "households_served": "5000", "amount_disbursed_rupiah": "999.000.000.000",
                  **{k: v for k, v in STEP_DATA["distribution_record"].items()
                     if k.startswith(("six_t_", "channel"))}}
    refused = client.post(f"/tasks/{task.id}", data=round_data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "150 keluarga" in body and "Rp 45.000.000" in body
    session.rollback()
    assert programs.open_tasks(session, program)[0].id == task.id  # nothing was saved
    round_data.update(households_served="150", amount_disbursed_rupiah="30.000.000")
    assert client.post(f"/tasks/{task.id}", data=round_data).status_code == 303
    session.rollback()
    (second,) = programs.open_tasks(session, program)
    assert second.name == "Catatan Penyaluran — Tahap 2 dari 2"
    token = csrf_token(client, f"/tasks/{second.id}")
    over = client.post(f"/tasks/{second.id}", data=dict(
        round_data, csrf_token=token, amount_disbursed_rupiah="20.000.000"))
    assert over.status_code == 422 and "Rp 15.000.000" in over.get_data(as_text=True)
    history = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Tahap 1 dari 2" in history


def test_numbers_money_and_dates_are_written_the_readers_way(
        login_as: Any, session: Session, people: dict[str, User]) -> None:
    from tests.program_data import program_at

    program = program_at(session, people, "approve_evaluation")
    (task,) = programs.open_tasks(session, program)
    client = login_as("supervisor")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<dd>93,3</dd>" in page and "97.5" not in page
    token = csrf_token(client, f"/tasks/{task.id}")
    client.post("/language/en", data={"csrf_token": token, "next": f"/tasks/{task.id}"})
    english = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<dd>93.3</dd>" in english and '<html lang="en">' in english
    plan = program_at(session, people, "approve_plan", title="Rencana")
    (approval,) = programs.open_tasks(session, plan)
    client.post("/language/id", data={"csrf_token": token, "next": "/"})
    review = client.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert "<dd>Rp 45.000.000</dd>" in review and "<dd>1 Desember 2026</dd>" in review
    assert "<dd>150</dd>" in review


def test_a_program_page_links_only_the_steps_the_viewer_can_open(
        app: Any, session: Session, people: dict[str, User]) -> None:
    task = _program(session, people)  # the assessment waits for the Koordinator group
    for username, linked in (("koordinator", True), ("supervisor", False), ("admin", False)):
        client = app.test_client()
        from tests.conftest import login

        login(client, username)
        page = client.get(f"/programs/{task.instance_id}").get_data(as_text=True)
        assert (f'href="/tasks/{task.id}"' in page) is linked, username
        assert "Asesmen Kebutuhan" in page
        if not linked:
            assert "menunggu di kelompok Koordinator" in page
            assert client.get(f"/tasks/{task.id}").status_code == 404


def test_the_second_of_two_simultaneous_submits_reads_one_clear_message(
        app: Any, session: Session, people: dict[str, User]) -> None:
    from tests.conftest import login
    from tests.program_data import posted

    task = _program(session, people)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        login(client, "koordinator")
    tokens = [csrf_token(c, f"/tasks/{task.id}") for c in (first, second)]
    data = posted("needs_assessment")
    assert first.post(f"/tasks/{task.id}", data=dict(data, csrf_token=tokens[0]),
                      headers=HTMX_FORM).status_code == 200
    late = second.post(f"/tasks/{task.id}", data=dict(data, csrf_token=tokens[1]),
                       headers=HTMX_FORM)
    body = late.get_data(as_text=True)
    assert late.status_code == 409
    assert body.count("Koordinator") == 1 and body.count('class="flash') == 1, body
