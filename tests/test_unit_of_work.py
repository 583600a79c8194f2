"""The unit of work: one construct begins, commits, and rolls back a use case's write; failure
records refuse to run inside the failed work's open write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from webapp.db import WriteStillOpen, failure_record, unit_of_work, use_case
from webapp.models import Group


def _groups(session: Session) -> set[str]:
    return set(session.scalars(sa.select(Group.name)))


def test_a_unit_commits_when_it_ends_and_rolls_back_when_it_raises(session: Session) -> None:
    with unit_of_work(session):
        session.add(Group(name="Pendamping"))
    session.rollback()  # nothing left to lose: it was committed
    assert "Pendamping" in _groups(session)
    with pytest.raises(ValueError), unit_of_work(session):
        session.add(Group(name="Hilang"))
        session.flush()
        raise ValueError("refused")
    assert "Hilang" not in _groups(session)
    assert not session.info.get("simpul_writing")


def test_a_unit_inside_a_unit_joins_it(session: Session) -> None:
    @use_case
    def add(session: Session, name: str) -> None:
        session.add(Group(name=name))

    with pytest.raises(RuntimeError), unit_of_work(session):
        add(session, "Dalam")  # joins: not committed on its own
        raise RuntimeError("the outer use case fails")
    assert "Dalam" not in _groups(session)
    add(session, "Sendiri")
    session.rollback()
    assert "Sendiri" in _groups(session)


def test_a_failure_record_refuses_to_commit_the_failed_work(session: Session) -> None:
    with pytest.raises(WriteStillOpen), unit_of_work(session):
        session.add(Group(name="Gagal"))
        with failure_record(session):
            pass
    assert "Gagal" not in _groups(session)
    with failure_record(session):
        session.add(Group(name="Catatan"))
    session.rollback()
    assert "Catatan" in _groups(session)
