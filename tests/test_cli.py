"""Command-line set-up and configuration rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from webapp import create_app
from webapp.models import Region, User
from webapp.services.accounts.users import authenticate


def test_user_create_reads_the_password_from_stdin(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "Wati", "--group", "Koordinator",
                                 "--region", "35.07"], input="kata-sandi-panjang\n")
    assert result.exit_code == 0, result.output
    assert "kata-sandi" not in result.output
    user = session.scalar(sa.select(User).where(User.username == "wati"))
    assert user is not None and user.group_names == {"Koordinator"}
    assert user.password_hash != "kata-sandi-panjang"
    assert authenticate(session, "wati", "kata-sandi-panjang") is not None
    assert authenticate(session, "wati", "salah") is None


def test_user_create_refuses_a_short_password_and_an_unknown_group(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(args=["user", "create", "budi", "--group", "Koordinator"],
                          input="pendek\n")
    assert short.exit_code != 0 and "10" in short.output
    unknown = runner.invoke(args=["user", "create", "budi", "--group", "Tidak Ada"],
                            input="cukup-panjang-sekali\n")
    assert unknown.exit_code != 0 and "Tidak Ada" in unknown.output


def test_production_refuses_to_start_without_a_secret_key(database_url: str) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": ""})


def test_production_cookies_are_secure(database_url: str) -> None:
    app = create_app({"ENV": "production", "DATABASE_URL": database_url,
                      "SECRET_KEY": "Yq3v9x2LrT8mN4bW7cE1hK6pZ0sD5fGj"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["simpul_engine"].dispose()


def test_seed_demo_creates_a_local_program_at_planning_and_a_national_one_monitored(
        app: Flask, session: Session) -> None:
    session.execute(sa.text("DELETE FROM user_group"))
    session.execute(sa.delete(User))
    session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "koordinator" in result.output and "supervisor" in result.output
    from webapp.models import HumanTask

    waiting = session.scalars(sa.select(HumanTask).where(HumanTask.status == "open")
                              .order_by(HumanTask.id)).all()
    assert [t.bpmn_id for t in waiting] == ["program_plan", "distribution_record"]
    from webapp.models import Program, RegistryImport
    from webapp.services.assistance import rounds

    (pkh,) = session.scalars(sa.select(Program)).all()  # the local plan is not written yet
    assert (pkh.kind, pkh.scheme, pkh.funding) == ("national", "pkh", "apbn")
    first_round = rounds.figures(session, pkh.instance_id, 1)
    assert (first_round.due, first_round.received, first_round.not_received) == (40, 36, 4)
    assert first_round.reasons.keys() <= {"card_problem", "died", "not_found", "moved",
                                          "other"}
    kinds = {i.kind: i.counts for i in session.scalars(sa.select(RegistryImport))}
    assert kinds["national"].get("unknown") == 3 and kinds["payout"].get("returned") == 4
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already" in again.output


def test_init_db_migrates_loads_every_region_and_deploys_once(tmp_path: Path) -> None:
    # no REGIONS_FILE: the national table shipped in the repository, as `make run` loads it
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"ENV": "testing", "DATABASE_URL": url})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "regions: 91599 added, 91599 in all" in first.output
    assert "program_cycle v1" in first.output and "program_priority v1" in first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "nothing new" in second.output
    assert "regions: 0 added, 91599 in all" in second.output
    with app.extensions["simpul_sessions"]() as session:
        ngantang = session.get(Region, "35.07.27.2011")
        assert ngantang is not None and ngantang.name == "Tulungrejo"
        assert ngantang.parent_code == "35.07.27"
    app.extensions["simpul_engine"].dispose()


def test_init_db_reads_a_plain_region_file_and_refuses_a_missing_one(tmp_path: Path) -> None:
    table = tmp_path / "wilayah.csv"
    table.write_text("kode,nama,tingkat,induk\n35,Jawa Timur,provinsi,\n"
                     "35.07,Kabupaten Malang,kabupaten_kota,35\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "REGIONS_FILE": str(table)})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0 and "regions: 2 added, 2 in all" in result.output
    app.config["REGIONS_FILE"] = str(tmp_path / "missing.csv")
    missing = app.test_cli_runner().invoke(args=["init-db"])
    assert missing.exit_code == 1 and "region table not found" in missing.output
    app.extensions["simpul_engine"].dispose()


def test_nothing_reads_files_from_outside_the_repository() -> None:
    # a clone of the repository alone sets up, runs, tests and benchmarks (no ../shared folder)
    root = Path(__file__).resolve().parent.parent
    texts = [root / name for name in ("Makefile", "README.md", "pyproject.toml", ".ci/run")]
    for folder in ("webapp", "forms", "benchmarks", "tests", "docs", "migrations"):
        texts += [path for path in (root / folder).rglob("*")
                  if path.suffix in (".py", ".md", ".html", ".js") and "vendor" not in path.parts]
    assert root / "webapp/cli.py" in texts and root / "docs/admin.md" in texts
    needle = "/".join(("shared", "data"))  # spelt apart: this file is searched too
    outside = [str(path.relative_to(root)) for path in texts
               if needle in path.read_text("utf-8")]
    assert outside == []
    assert (root / "webapp/data/LICENSE-wilayah.txt").is_file()
