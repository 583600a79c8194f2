"""Hostile and broken files never take the worker down or leave an import hanging: a sheet
with one cell at the far corner, a sheet that unpacks to hundreds of megabytes, a cell of tens
of megabytes, a CSV cell beyond the csv module's limit, a time or duration cell, a job that
stopped its worker; each ends its import with a reason the coordinator can act on, and no cell
longer than a field is kept."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from tests.test_registry_import import GOOD, HEADERS, csv_bytes, preview, user, xlsx_bytes
from webapp import clock
from webapp.db import make_engine
from webapp.migrate import upgrade_database
from webapp.models import ImportRow, Job, RegistryImport
from webapp.services.accounts import regions
from webapp.services.registry import importing
from webapp.services.workflow import jobs

ROOT = Path(__file__).resolve().parent.parent


def far_corner_xlsx() -> bytes:
    """1.6 KB: a header row and one cell at the last row and column (XFD1048576)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    sheet.write(1_048_575, 16_383, "x")
    book.close()
    return out.getvalue()


def huge_sheet_xlsx(megabytes: int) -> bytes:
    """A valid XLSX whose sheet XML unpacks to ``megabytes`` (spaces between the cells)."""
    plain = io.BytesIO(xlsx_bytes([list(r) for r in GOOD]))
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                packed = zipfile.ZipInfo(item.filename)
                packed.compress_type = zipfile.ZIP_DEFLATED
                with target.open(packed, "w", force_zip64=True) as sink:
                    head, tail = data.split(b"<sheetData>", 1)
                    sink.write(head + b"<sheetData>")
                    chunk = b" " * (1 << 20)
                    for _ in range(megabytes):
                        sink.write(chunk)
                    sink.write(tail)
                continue
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_cell_at_the_far_corner_fails_its_import_and_nothing_else(session: Session) -> None:
    content = far_corner_xlsx()
    assert len(content) < 8000  # a few kilobytes
    found = preview(session, content, "kpm.xlsx")
    assert found.status == "failed"
    assert "1.048.576" in found.error and "16.384" in found.error
    good = preview(session, csv_bytes([list(r) for r in GOOD]))  # the worker goes on
    assert good.status == "ready"


def test_a_sheet_that_unpacks_to_hundreds_of_megabytes_is_refused_before_reading(
        session: Session) -> None:
    content = huge_sheet_xlsx(210)
    assert len(content) < 2 * 1024 * 1024
    found = preview(session, content, "kpm.xlsx")
    assert found.status == "failed" and "MB" in found.error, found.error


def test_a_cell_of_megabytes_is_cut_while_reading_and_its_row_refused(session: Session
                                                                      ) -> None:
    rows: list[list[Any]] = [list(r) for r in GOOD]
    rows[1][2] = "Siti " + "a" * (30 * 1024 * 1024)  # a 30 MB name
    found = preview(session, xlsx_bytes(rows), "kpm.xlsx")
    assert found.status == "ready", found.error
    row = session.scalars(sa.select(ImportRow).where(ImportRow.import_id == found.id,
                                                     ImportRow.line == 3)).one()
    assert row.outcome == "rejected" and "120" in " ".join(row.problems)
    assert max(len(str(cell)) for cell in row.cells) <= 1001
    stored = session.scalar(sa.select(sa.func.max(sa.func.length(sa.cast(
        ImportRow.cells, sa.String)))).where(ImportRow.import_id == found.id))
    assert stored is not None and stored < 5000


def test_a_csv_cell_beyond_the_csv_limit_is_one_refused_row(session: Session) -> None:
    rows = [list(r) for r in GOOD]
    rows[2][4] = "Malang " + "x" * 200_000  # a place of birth of 200,000 characters
    found = preview(session, csv_bytes(rows))
    assert found.status == "ready", found.error
    seen = {r.line: r for r in session.scalars(sa.select(ImportRow).where(
        ImportRow.import_id == found.id))}
    assert seen[5].outcome == "rejected" and "80" in " ".join(seen[5].problems)
    assert [seen[line].outcome for line in (3, 4, 6)] == ["new", "new", "new"]


def test_time_and_duration_cells_are_read_as_text(session: Session) -> None:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    clock_format = book.add_format({"num_format": "hh:mm"})
    duration = book.add_format({"num_format": "[h]:mm:ss"})
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for line, row in enumerate([list(r) for r in GOOD], start=1):
        for col, value in enumerate(row):
            sheet.write(line, col, value)
    sheet.write_datetime(2, 5, dt.time(8, 30), clock_format)  # a time where a date belongs
    sheet.write_number(4, 7, 1.5, duration)  # 36 hours as an address
    book.close()
    found = preview(session, out.getvalue(), "kpm.xlsx")
    assert found.status == "ready", found.error
    seen = {r.line: r for r in session.scalars(sa.select(ImportRow).where(
        ImportRow.import_id == found.id))}
    assert seen[3].outcome == "rejected" and "08:30" in " ".join(seen[3].problems)
    assert seen[5].outcome == "new" and seen[5].values["household"]["address"] == "36:00:00"


def test_a_job_that_stopped_its_worker_twice_is_given_up_with_its_import(
        session: Session) -> None:
    made = importing.start(session, user(session, "koordinator"), "kpm.csv",
                           csv_bytes([list(r) for r in GOOD]))
    (job_id,) = jobs.claim(session, "w1")
    # what a worker killed while running the job leaves: the run began and never ended, twice
    session.execute(sa.update(Job).where(Job.id == job_id).values(crashes=2))
    session.commit()
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))
    assert jobs.run_due(session, "w2") == []
    session.rollback()
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None and job.status == "failed" and "stopped 2 times" in job.last_error
    found = session.get(RegistryImport, made.id, populate_existing=True)
    assert found is not None and found.status == "failed" and found.error


def test_the_worker_process_outlives_a_hostile_file(tmp_path: Path) -> None:
    """A real worker process: the far-corner sheet fails its import, the worker stays up and
    reads the next file."""
    from webapp import create_app
    from webapp.db import make_session_factory
    from webapp.services.accounts import users

    url = f"sqlite:///{tmp_path / 'simpul.sqlite3'}"
    upgrade_database(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "t" * 40,
                      "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    session = make_session_factory(app.extensions["simpul_engine"])()
    users.ensure_groups(session, [("Koordinator", "")])
    regions.load_region_file(session)
    coordinator = users.create_user(session, "koordinator", "rahasia-sekali-123",
                                    ["Koordinator"], role="coordinator", region_code="35.07")
    hostile = importing.start(session, coordinator, "kpm.xlsx", far_corner_xlsx())
    good = importing.start(session, coordinator, "kpm.csv", csv_bytes([list(r) for r in GOOD]))
    session.close()
    env = dict(os.environ, SIMPUL_ENV="development", SIMPUL_DATABASE_URL=url,
               SIMPUL_SECRET_KEY="w" * 40)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "worker", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 90
        statuses: dict[int, str] = {}
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                statuses = dict(conn.execute(sa.select(RegistryImport.id,
                                                       RegistryImport.status)).all())
            if statuses.get(hostile.id) != "reading" and statuses.get(good.id) != "reading":
                break
            assert worker.poll() is None, worker.communicate()
            time.sleep(0.2)
        assert statuses == {hostile.id: "failed", good.id: "ready"}
        assert worker.poll() is None
    finally:
        engine.dispose()
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
