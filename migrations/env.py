"""Alembic environment: the connection or URL comes from webapp.migrate or SIMPUL_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from webapp import models  # noqa: F401  (registers the tables)
from webapp.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    url = config.attributes.get("database_url") or os.environ["SIMPUL_DATABASE_URL"]
    engine = make_engine(url)
    with engine.begin() as conn:
        _run_with(conn)
    engine.dispose()


def _run_with(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
