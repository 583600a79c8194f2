"""The first and last steps of reading any import's file (in the worker): the file taken and
read into a table, its columns matched to fields (or refused, naming what is missing); then
the import made ready with its counts. What lies between is each kind's own check."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask_babel import gettext
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from ....db import unit_of_work
from ....models import ImportRow, RegistryImport
from ..files import Table, read_table
from .columns import guess_mapping


def take_file(session: Session, import_id: int, fields: Mapping[str, tuple[str, ...]],
              required: Iterable[str | tuple[str, ...]], labels: Mapping[str, Any]
              ) -> tuple[RegistryImport, Table, dict[str, str]] | None:
    """The import waiting to be read, its table and the matching of its columns; None when
    there is nothing to read (taken already) or a needed column is missing (it failed). A
    tuple in ``required`` is satisfied by any one of its fields."""
    with unit_of_work(session):
        found = session.get(RegistryImport, import_id, populate_existing=True)
        if found is None or found.status != "reading":
            return None  # nothing written: the unit ends empty
        found.user  # noqa: B018 - loaded while the unit is open
        session.execute(delete(ImportRow).where(ImportRow.import_id == import_id))
        table = read_table(found.content, found.filename)
        mapping = found.mapping or guess_mapping(table.headers, fields)
        found.headers, found.mapping, found.total = table.headers, mapping, len(table.rows)
        found.processed = 0
        missing = [(f,) if isinstance(f, str) else f for f in required]
        missing = [f for f in missing if not set(f) & set(mapping.values())]
        if missing:
            found.status = "failed"
            found.error = gettext("No column for: %(fields)s. Choose the columns below.",
                                  fields=", ".join(" / ".join(str(labels[f]) for f in one)
                                                   for one in missing))
            return None
    return found, table, mapping


def ready(session: Session, import_id: int, counts: dict[str, int], problems: Counter[str],
          still_mine: Callable[[], None]) -> None:
    """The preview is written: the import waits for the coordinator, with its counts and
    the commonest reasons rows were refused."""
    with unit_of_work(session):
        still_mine()
        session.execute(update(RegistryImport).where(RegistryImport.id == import_id)
                        .values(status="ready", counts=counts, processed=counts["rows"],
                                reasons=[[text, n] for text, n in problems.most_common(8)])
                        .execution_options(synchronize_session=False))


_COLUMNS = ("import_id", "line", "kk_number", "cells", "values", "outcome", "problems",
            "warnings", "changes", "applied")
_JSON = frozenset(("cells", "values", "problems", "warnings", "changes"))


def store_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Preview rows (each with every column of ``_COLUMNS``) written in the caller's unit of
    work: by COPY on PostgreSQL (an INSERT a row, even pipelined, was most of a payout file's
    reading), by one ``executemany`` elsewhere. JSON as SQLAlchemy would write it."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(ImportRow), list(rows))
        return
    names = ", ".join(f'"{name}"' for name in _COLUMNS)
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {ImportRow.__tablename__} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name in _JSON else row[name]
                            for name in _COLUMNS])
