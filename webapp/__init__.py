"""Simpul web application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from limits.storage import storage_from_string
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as default_config
from .db import make_engine, make_session_factory
from .extensions import babel, close_db, csrf, htmx, login_manager
from .services.accounts.regions import SHIPPED_FILE
from .services.accounts.users import configure_hashing
from .services.areas import plug_in_areas
from .services.caches import caches_for
from .services.privacy import log_audit, mask_logs

ROOT = Path(__file__).resolve().parent.parent


# Endpoints that take larger uploads than MAX_CONTENT_LENGTH (a village list, a payout file or
# a national list, 20 MB).
LARGE_UPLOADS = {"registry_imports.index": 20 * 1024 * 1024 + 64 * 1024,
                 "payouts.index": 20 * 1024 * 1024 + 64 * 1024,
                 "national_lists.index": 20 * 1024 * 1024 + 64 * 1024}


def _upload_limit() -> None:
    limit = LARGE_UPLOADS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = limit


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then SIMPUL_* variables, then ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(default_config)
    app.config.from_prefixed_env("SIMPUL")
    if config:
        app.config.update(config)
    _check_secret(app, config)
    _resolve_paths(app)
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["simpul_engine"] = engine
    app.extensions["simpul_sessions"] = make_session_factory(engine)
    app.extensions["simpul_caches"] = caches_for(engine)  # every cache of this app
    app.extensions["simpul_hooks"] = plug_in_areas(engine)  # the areas, plugged into the core
    app.teardown_appcontext(close_db)
    configure_hashing(app.config["PASSWORD_HASH_PROFILE"])

    babel.init_app(app, locale_selector=_select_locale)
    app.before_request(_upload_limit)  # before CSRF reads the body
    csrf.init_app(app)
    htmx.init_app(app)
    # counters of wrong passwords: per process, or shared (redis://...) by several hosts
    app.extensions["simpul_counters"] = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    login_manager.init_app(app)

    # a NIK search is in the URL; a reason for showing a number may hold one
    mask_logs("werkzeug", "gunicorn.access", "gunicorn.error", "simpul", "simpul.registry")
    log_audit()
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops:  # behind a reverse proxy: the client's address, scheme and host from its headers
        app.wsgi_app = ProxyFix(app.wsgi_app,  # type: ignore[method-assign]
                                x_for=hops, x_proto=hops, x_host=hops)
    from .views import register_views

    register_views(app)
    from .cli import register_cli

    register_cli(app)
    return app


ENVIRONMENTS = ("production", "development", "testing")
MIN_SECRET_LENGTH = 32
# Keys that appear in our code, docs or tutorials: whoever knows them can forge a session.
KNOWN_SECRETS = frozenset({
    "simpul-development-only", "test-secret", "secret", "secret-key", "secretkey", "changeme",
    "change-me", "change-this", "dev", "development", "your-secret-key", "supersecret",
    "a-real-secret-from-the-environment", "ganti-ini", "rahasia",
})


def _check_secret(app: Flask, given: Mapping[str, Any] | None) -> None:
    environment = app.config["ENV"]
    if environment not in ENVIRONMENTS:
        raise RuntimeError(f"SIMPUL_ENV must be one of {', '.join(ENVIRONMENTS)}")
    if environment == "testing" and not (given and given.get("ENV") == "testing"):
        # only the test suite (which passes its settings in code) may relax the rules
        raise RuntimeError("SIMPUL_ENV=testing is for the test suite; use production")
    development = environment in ("development", "testing")
    secret = str(app.config.get("SECRET_KEY") or "")
    if not secret:
        if not development:
            raise RuntimeError("SIMPUL_SECRET_KEY must be set outside development; make one "
                               "with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
        app.config["SECRET_KEY"] = "simpul-development-only"
    elif not development and (len(secret) < MIN_SECRET_LENGTH or secret.lower() in KNOWN_SECRETS):
        raise RuntimeError(f"SIMPUL_SECRET_KEY is too short or publicly known; use at least "
                           f"{MIN_SECRET_LENGTH} random characters: python -c 'import secrets; "
                           "print(secrets.token_urlsafe(48))'")
    if development:
        app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE_DEV", False)
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def _resolve_paths(app: Flask) -> None:
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'simpul.sqlite3'}"
    if not app.config["WORKFLOWS_DIR"]:
        app.config["WORKFLOWS_DIR"] = str(ROOT / "workflows")
    if not app.config["REGIONS_FILE"]:
        app.config["REGIONS_FILE"] = str(SHIPPED_FILE)


def _select_locale() -> str:
    # Bahasa Indonesia unless the person chose English (the browser's language is not asked:
    # field staff often run English-language phones).
    chosen = session.get("lang") if has_request_context() else None
    return str(chosen) if chosen in ("id", "en") else "id"
