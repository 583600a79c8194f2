"""Sign in and out, and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db, limiter
from ..services.users import authenticate
from .rendering import flash

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    """Sign in with user name and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db(), form.username.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            login_user(user)
            flash(_l("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")), 303)
        flash(_l("Wrong user name or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Sign out."""
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
