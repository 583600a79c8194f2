"""Command-line set-up: migrate, deploy shipped diagrams, load regions, demo data, users; the
job worker, and serving (gunicorn with a worker beside it)."""

from __future__ import annotations

import secrets
import signal
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from .extensions import session_factory
from .migrate import upgrade_database
from .services import demo
from .services.accounts import regions, users
from .services.diagrams import deployment
from .services.errors import ServiceError
from .services.workflow import jobs

BASE_GROUPS = [
    ("Koordinator", "Koordinator Layanan Sosial"),
    ("Supervisor", "Supervisor program"),
    ("Kepala Bidang", "Kepala bidang: persetujuan yang terlambat dialihkan ke sini"),
    ("Admin", "Administrator proses dan pengguna"),
]
MAX_WORKER_PAUSE = 60.0  # seconds between tries while the database is down
PERIODIC_CHECK = 600.0  # seconds between checks that each periodic job is queued


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(user_cli)
    app.cli.add_command(worker)
    app.cli.add_command(serve)


@click.command("init-db")
@with_appcontext
@click.option("--regions/--no-regions", "with_regions", default=True,
              help="Load the region table.")
def init_db(with_regions: bool) -> None:
    """Migrate the database, create base groups, load regions, deploy workflows/."""
    upgrade_database(current_app.config["DATABASE_URL"])
    session = session_factory()()
    try:
        users.ensure_groups(session, BASE_GROUPS)
        if with_regions:
            added = load_regions(session)
            click.echo(f"regions: {added} added, {regions.region_count(session)} in all")
        deployed = deployment.deploy_shipped(session, Path(current_app.config["WORKFLOWS_DIR"]))
        click.echo("deployed: " + (", ".join(deployed) or "nothing new"))
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from None
    finally:
        session.close()


def load_regions(session: Session) -> int:
    """The national table: the one shipped in webapp/data/, or SIMPUL_REGIONS_FILE."""
    path = Path(current_app.config["REGIONS_FILE"])
    if not path.is_file():
        raise click.ClickException(f"region table not found: {path}")
    return regions.load_region_file(session, path)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo users and one program waiting at planning (development only)."""
    if current_app.config["ENV"] not in ("development", "testing"):
        raise click.ClickException("demo data is for development only")
    session = session_factory()()
    try:
        created = demo.seed(session, lambda: secrets.token_urlsafe(9))
    finally:
        session.close()
    if not created:
        click.echo("demo data already present")
        return
    click.echo("Demo users (shown once, development only):")
    for username, password in created:
        click.echo(f"  {username:<12} {password}")


@click.group("user")
def user_cli() -> None:
    """Manage users."""


@user_cli.command("create")
@with_appcontext
@click.argument("username")
@click.option("--group", "groups", multiple=True, required=True, help="Group (repeatable).")
@click.option("--role", default="coordinator",
              type=click.Choice(["coordinator", "supervisor", "admin"]))
@click.option("--full-name", default="")
@click.option("--region", default=None, help="Region code the user is limited to.")
@click.option("--email", default="")
def create_user(username: str, groups: tuple[str, ...], role: str, full_name: str,
                region: str | None, email: str) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    session = session_factory()()
    try:
        user = users.create_user(session, username, password, list(groups), role=role,
                                 full_name=full_name, region_code=region, email=email)
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from None
    finally:
        session.close()
    click.echo(f"created {user.username} ({user.role}) in {', '.join(sorted(groups))}")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=20, show_default=True, help="Jobs claimed at a time.")
def worker(once: bool, interval: float, batch: int) -> None:
    """Fire due BPMN timers and run background jobs (run one or more, on any host)."""
    name = jobs.worker_name()
    stopping: list[bool] = []

    def stop(_signum: int, _frame: object) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"worker {name} started")
    pause = 0.0  # grows while the database fails, back to nothing once it answers
    periodic_checked = -PERIODIC_CHECK
    while not stopping:
        session = session_factory()()
        try:
            if time.monotonic() - periodic_checked >= PERIODIC_CHECK:
                jobs.keep_periodic(session)  # the areas' periodic jobs (import retention)
                periodic_checked = time.monotonic()
            outcomes = jobs.run_due(session, name, batch)
        except Exception as err:  # noqa: BLE001 - the worker outlives a database outage
            pause = min(max(pause * 2, interval), MAX_WORKER_PAUSE)
            click.echo(f"worker {name}: {type(err).__name__}: {err}; "
                       f"trying again in {pause:.0f} s", err=True)
            outcomes = []
        else:
            pause = 0.0
        finally:
            session.close()
        for outcome in outcomes:
            if outcome.result in ("retry", "failed"):
                click.echo(f"job {outcome.job_id}: {outcome.result}: {outcome.error}", err=True)
        if once:
            break
        if pause or not outcomes:
            _sleep(pause or interval, stopping)
    click.echo(f"worker {name} stopped")


@click.command("serve")
def serve() -> None:
    """Serve with gunicorn (gunicorn.conf.py) and one job worker: they start and stop
    together (Ctrl-C, SIGTERM, or either one stopping). What `make serve` runs."""
    from .serving import serve as run

    sys.exit(run(Path(__file__).resolve().parent.parent))


def _sleep(seconds: float, stopping: list[bool]) -> None:
    """Sleep, waking early when asked to stop."""
    end = time.monotonic() + seconds
    while not stopping and time.monotonic() < end:
        time.sleep(max(0.0, min(0.5, end - time.monotonic())))
