"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects import postgresql

from webapp.db import Base, make_engine
from webapp.migrate import upgrade_database


def test_upgrade_head_on_an_empty_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_codes_the_models_compare_byte_by_byte_are_collation_c_on_postgresql(
        database_url: str) -> None:
    """Autogenerate does not compare collations: the migrations are checked here."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite compares bytes whatever the column says")
    dialect = postgresql.dialect()
    wanted = {(table.name, column.name) for table in Base.metadata.tables.values()
              for column in table.columns
              if getattr(column.type.dialect_impl(dialect), "collation", None) == "C"}
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = set(conn.execute(sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND collation_name = 'C'")).all())
    engine.dispose()
    assert ("region", "code") in wanted and ("instance", "region_code") in wanted
    assert found == wanted


def test_0002_gives_every_existing_definition_its_newest_version_as_head(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade_database(url, "0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        for key, kind, number in (("siklus", "bpmn", 1), ("siklus", "bpmn", 2),
                                  ("tabel", "dmn", 1)):
            conn.execute(sa.text(
                "INSERT INTO definition_version (key, kind, version, name, filename, xml, sha256,"
                " dependencies, comment, deployed_at) VALUES (:k, :kind, :v, :k, '', '<x/>', "
                "'0', '[]', '', '2026-01-01 00:00:00')"), {"k": key, "kind": kind, "v": number})
    upgrade_database(url)
    with engine.connect() as conn:
        heads = conn.execute(sa.text(
            "SELECT h.key, h.kind, v.version, v.origin FROM definition_head h "
            "JOIN definition_version v ON v.id = h.current_version_id ORDER BY h.key")).all()
    engine.dispose()
    assert [tuple(row) for row in heads] == [("siklus", "bpmn", 2, "shipped"),
                                             ("tabel", "dmn", 1, "shipped")]
