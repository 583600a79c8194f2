"""The pages' wiring into the app: the blueprints (one per area), the error pages, and the
template filters and globals every page shares (what pages call things is in ``labels``)."""

from __future__ import annotations

import datetime as dt
import functools
import time
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import (
    format_date,
    format_decimal,
    format_timedelta,
    get_locale,
    get_translations,
    gettext,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .. import clock
from ..extensions import close_db, db, htmx, login_manager
from ..services import health
from ..services.accounts.users import load_user
from ..services.privacy import mask_nik
from .dates import datetimeformat
from .labels import ACTIONS, PHASES, REGION_LEVELS, STATUS, Labels
from .rendering import wants_fragment


def register_views(app: Flask) -> None:
    from . import (
        account_pages,
        admin,
        household_pages,
        import_pages,
        inbox_pages,
        national_pages,
        payout_pages,
        program_pages,
        recipient_pages,
        signin_pages,
        task_pages,
    )

    for module in (signin_pages, inbox_pages, task_pages, program_pages, household_pages,
                   import_pages, recipient_pages, payout_pages, national_pages, admin,
                   account_pages):
        app.register_blueprint(module.bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in first.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    # Revocation is by session version (sign-out, password, scope changes end sessions); the
    # extra hash of address and browser flask-login would keep in every cookie adds nothing.
    login_manager.session_protection = None
    app.context_processor(_globals)
    app.add_template_filter(show_value, "shown")
    app.add_template_filter(number, "number")
    app.add_template_filter(mask_nik, "masked")
    # Every text a page prints passes here: a NIK or KK typed into any free text (a reason,
    # an address, a note) is masked on every page, for every role. Markup is ours (a form's
    # own input, a number shown on purpose with a reason) and passes as it is.
    app.jinja_env.finalize = _no_full_numbers
    app.add_template_filter(datetimeformat, "datetimeformat")  # flask-babel's, faster
    app.add_template_filter(long_date, "longdate")
    app.add_template_filter(short_date, "shortdate")
    # Templates translate dozens of texts a page: look the request's catalogue up once.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda one, many, n: _translations().ungettext(one, many, n), newstyle=True)
    # ... and through plain functions: Jinja's own take the template context, and a function
    # that takes it, called in a loop, gets a copy of the whole context each time (a third
    # of an inbox page's rendering went to copying it for each row's texts).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext,
                                 ngettext=_template_ngettext)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.add_url_rule("/health", "health", _health)
    app.before_request(_started)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(health.DatabaseUnreachable, _database_unreachable)
    app.teardown_request(close_db)  # rolls back whatever a request left open


def _no_full_numbers(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup) and len(value) >= 16:
        return mask_nik(value)
    if isinstance(value, int) and 10**15 <= value < 10**16:  # a NIK kept as a number
        return mask_nik(value)
    return value


def _load_user(ident: str) -> Any:
    try:
        user_id, version = (int(part) for part in ident.split(":", 1))
    except ValueError:
        return None
    return load_user(db(), user_id, version)


def due_state(task: Any) -> str:
    """ok / soon / late for a task's due time. Soon: in the last day (or, for a short step,
    its last half), at least its last quarter."""
    if task.due_at is None or task.status != "open":
        return ""
    now = clock.now()
    if now >= task.due_at:
        return "late"
    given = task.due_at - task.created_at
    window = max(given / 4, min(dt.timedelta(days=1), given / 2))
    return "soon" if task.due_at - now <= window else "ok"


def due_text(task: Any) -> str:
    """“in 2 days” / “3 hours ago”, in the reader's language."""
    if task.due_at is None:
        return ""
    return str(format_timedelta(task.due_at - clock.now(), add_direction=True,
                                threshold=1.1))


def show_value(shown: Any) -> Any:
    """A submitted value as the reader's language writes it (97,5 · Rp 12.500.000 · 1
    Desember 2026 · Ya)."""
    kind, value = getattr(shown, "kind", "text"), getattr(shown, "value", shown)
    if kind == "yesno":
        return gettext("Yes") if value else gettext("No")
    if kind == "money":
        return "Rp " + format_decimal(value)
    if kind == "number":
        return format_decimal(value)
    if kind == "date":
        return format_date(value, "d MMMM yyyy")
    return value


def long_date(value: Any) -> Any:
    """A calendar date the reader's way (12 Maret 1985)."""
    return format_date(value, "d MMMM yyyy") if isinstance(value, dt.date) else value


def short_date(value: Any) -> Any:
    """A calendar date in short (12 Mar 2026)."""
    return format_date(value, "d MMM yyyy") if isinstance(value, dt.date) else value


def number(value: Any) -> Any:
    """A number the reader's way (1.234,5 in Indonesian); anything else as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    return value


def _translations() -> Any:
    found = g.get("simpul_translations")
    if found is None:
        found = g.simpul_translations = get_translations()
    return found


def _template_gettext(text: str, **variables: Any) -> Markup:
    """A template's ``_()``, as Jinja's newstyle gettext does it in an autoescaped template
    (every template of Simpul is HTML): the translation is markup, the values are escaped
    (and masked, as everything a page prints)."""
    if variables:
        variables = {k: _no_full_numbers(v) for k, v in variables.items()}
    return Markup(_translations().ugettext(text)) % variables


def _template_ngettext(one: str, many: str, n: int, **variables: Any) -> Markup:
    variables = {k: _no_full_numbers(v) for k, v in variables.items()}
    variables.setdefault("num", n)
    return Markup(_translations().ungettext(one, many, n)) % variables


@functools.lru_cache(maxsize=256)
def _static_url(filename: str, script_root: str) -> str:
    return url_for("static", filename=filename)


def static_url(filename: str) -> str:
    """A static file's address (built once: it never changes while the app runs)."""
    return _static_url(filename, request.script_root)


def _globals() -> dict[str, Any]:
    return {"csrf_token_value": generate_csrf, "PHASES": Labels(PHASES),
            "STATUS": Labels(STATUS), "REGION_LEVELS": Labels(REGION_LEVELS),
            "ACTIONS": Labels(ACTIONS), "fragment": wants_fragment(), "locale": str(get_locale()),
            "me": current_user._get_current_object(),  # not the proxy: read a dozen times
            "static_url": static_url, "due_state": due_state, "due_text": due_text,
            "unread_count": _unread}


def _health() -> Response:
    """For load balancers: 200 when this process answers and reaches the database, else 503.
    No sign-in, no session cookie, no page."""
    ok = health.database_ok(db())
    response = jsonify(status="ok" if ok else "unavailable", database="ok" if ok else "down")
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _started() -> None:
    g.started = time.perf_counter()


def _favicon() -> Response:
    """Browsers ask for /favicon.ico on every page; they get the icon, not a 404."""
    return send_from_directory(Path(__file__).resolve().parent.parent / "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=7 * 24 * 3600)


def _unread() -> int:
    from ..services.workflow.notifications import unread_count

    return unread_count(db(), current_user) if current_user.is_authenticated else 0


def _headers(response: Response) -> Response:
    started = g.get("started")
    if started is not None:  # the server's time for this request, shown in the browser's tools
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    response.headers.setdefault("Vary", "HX-Request")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    return response


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    close_db()
    message = _l("The form expired or came from elsewhere. Reload the page and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def _database_unreachable(error: Exception) -> Any:
    """The database is down or restarting: nothing was saved; say so, and when to try again."""
    current_app.logger.warning("database unreachable: %s", str(error).splitlines()[0][:300])
    close_db()
    message = _l("The database cannot be reached just now. If you saw no confirmation, your "
                 "last change was not saved: wait a moment and send it again.")
    response = Response(render_template("errors/error.html", code=503, message=message), 503)
    response.headers["Retry-After"] = "5"
    return response


def _http_error(error: HTTPException) -> Any:
    if error.code and error.code < 400:
        return error
    # A refusal or a failure ends the request's work: nothing of it is kept (a service commits
    # its own), and the error page reads afresh (a failed write cannot be read through).
    close_db()
    messages = {
        403: _l("You may not do this."),
        404: _l("Not found, or outside your scope."),
        405: _l("This action is not allowed here."),
        413: _l("The upload is too large (at most %(mb)s MB here).",
                mb=(request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"])
                // 2**20),
        429: _l("Too many attempts. Wait a minute and try again."),
        500: _l("Something went wrong on our side. Try again; if it happens again, "
                "tell the administrator."),
    }
    message = getattr(error, "reason", None) or messages.get(error.code or 500, error.description)
    response = make_response(render_template("errors/error.html", code=error.code,
                                             message=message), error.code)
    if error.code == 403 and htmx:
        # htmx swaps a 403 (base.html's htmx-config): the page's main part, in place of the
        # page's, whatever element the request aimed at
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "outerHTML",
                                 "HX-Reselect": "#main"})
    return response
