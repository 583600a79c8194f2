"""Sign in and out, and the language switch."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from forms.account import LoginForm

from ..extensions import counters, db
from ..services.accounts.signin import SignInGuard
from ..services.accounts.users import authenticate, end_sessions
from .rendering import flash

bp = Blueprint("auth", __name__)


def sign_in_guard() -> SignInGuard:
    config = current_app.config
    return SignInGuard(counters(), config["LOGIN_FAILURES_PER_ACCOUNT"],
                       config["LOGIN_FAILURES_PER_ADDRESS"],
                       str(config.get("RATELIMIT_KEY_PREFIX") or ""))


def too_many(wait: dt.timedelta) -> str:
    """The refusal after too many wrong passwords, with how long to wait."""
    return str(_l("Too many wrong passwords. Try again in %(wait)s.",
                  wait=format_timedelta(wait, threshold=1, add_direction=False)))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with user name and password (wrong ones limited per account and address)."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    username, address = form.username.data or "", request.remote_addr or "?"
    guard = sign_in_guard()
    wait = guard.wait(username, address)
    if wait is not None:
        flash(too_many(wait), "error")
        form.password.data = ""
        response = make_response(render_template("auth/login.html", form=form), 429)
        response.headers["Retry-After"] = str(int(wait.total_seconds()))
        return response
    user = authenticate(db(), username, form.password.data or "")
    if user is None:
        guard.failed(username, address)
        flash(_l("Wrong user name or password."), "error")
        return render_template("auth/login.html", form=form), 401
    guard.succeeded(username)
    session.clear()
    login_user(user)
    flash(_l("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(_safe_next(request.args.get("next")), 303)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Sign out: the session cookie stops working, even a copy kept from before."""
    end_sessions(db(), current_user.id)
    logout_user()
    session.clear()
    flash(_l("You have signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.post("/language/<code>")
def language(code: str) -> Any:
    """Switch between Bahasa Indonesia and English."""
    if code in ("id", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")), 303)
