"""No page or export that can show a person shows a full NIK or KK: every registry page, the
import's preview and rejected rows, the recipient list, a round's checklist, the program's
steps and history, the inbox and the notifications, as a coordinator and a supervisor."""

from __future__ import annotations

import io
import re
from typing import Any

import sqlalchemy as sa
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.conftest import login
from tests.program_data import data_for, fresh
from tests.test_registry_import import BAD, GOOD, imported_plan_at_approval
from webapp.models import Enrolment, Household, Person, RegistryImport, User
from webapp.services.assistance import rounds, ticks
from webapp.services.workflow import completion, programs

SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def test_no_page_or_export_shows_a_full_number(client: Any, session: Session,
                                               people: dict[str, User]) -> None:
    koordinator = people["koordinator"]
    made, program, plan, approval = imported_plan_at_approval(
        session, people, [list(r) for r in GOOD + BAD], title="BPNT NIK 3507011203850001")
    urls = [f"/tasks/{approval.id}"]
    completion.complete_task(session, people["supervisor"], approval.id, data_for("approval"))
    fresh(session)
    (round_task,) = programs.open_tasks(session, program)
    first = session.scalars(sa.select(Enrolment.id).where(
        Enrolment.instance_id == program.id)).first()
    assert first is not None
    rounds.open_round(session, koordinator, program.id, 1)
    ticks.tick(session, koordinator, program.id, first, 1, True, amount=100_000)
    fresh(session)
    known = set(session.scalars(sa.select(Person.nik).where(Person.nik.is_not(None))))
    known |= set(session.scalars(sa.select(Household.kk_number)))
    known |= {"3507012002800001"}  # on a rejected row of the import
    assert len(known) >= 5
    households = session.scalars(sa.select(Household.id)).all()
    persons = session.scalars(sa.select(Person.id, )).all()
    urls += ["/", "/?tab=group", "/registry/", "/registry/?q=slamet", "/registry/?q=0001",
             "/registry/?q=3507011203850001", "/registry/?q=3507011506200003",
             "/registry/imports", f"/registry/imports/{made.id}",
             f"/registry/imports/{made.id}?outcome=new",
             f"/registry/imports/{made.id}?outcome=rejected",
             f"/programs/{program.id}", f"/programs/{program.id}/recipients",
             f"/programs/{program.id}/rounds/1", f"/tasks/{round_task.id}",
             f"/tasks/{plan.id}", "/programs/", "/notifications"]
    # steps of the other group are out of scope: a 404 that shows nothing
    other_groups = {("koordinator", f"/tasks/{approval.id}"),
                    ("supervisor", f"/tasks/{round_task.id}"), ("supervisor", f"/tasks/{plan.id}")}
    for household_id in households:
        urls += [f"/registry/households/{household_id}",
                 f"/registry/households/{household_id}/edit"]
    for household_id, person_id in session.execute(
            sa.select(Person.household_id, Person.id)).all():
        urls.append(f"/registry/households/{household_id}/members/{person_id}")
    assert persons
    for who in ("koordinator", "supervisor"):
        login(client, who)
        for url in urls:
            response = client.get(url)
            expected = 404 if (who, url) in other_groups else 200
            assert response.status_code == expected, (who, url, response.status_code)
            shown = set(SIXTEEN.findall(response.get_data(as_text=True)))
            assert not shown & known, (who, url, shown & known)
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/registry/imports/{made.id}/rejected.{fmt}")
            assert response.status_code == 200
            if fmt == "csv":
                text = response.get_data().decode("utf-8-sig")
            else:
                sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.get_data()))
                text = repr(sheet.get_sheet_by_index(0).to_python())
            assert not set(SIXTEEN.findall(text)) & known, (who, fmt)
    found = session.get(RegistryImport, made.id)
    assert found is not None and found.counts["rejected"] == 4
