"""The bell (notifications) and the person's own settings (which mails they get)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..services import notifications
from .rendering import flash, render

bp = Blueprint("account", __name__)

KIND_LABELS = {"assigned": _l("A new step for me"),
               "returned": _l("A step comes back to me for revision"),
               "escalated": _l("A time limit passed and the work moved to me"),
               "reminder": _l("A step of mine is still waiting (a reminder)")}


@bp.get("/notifications/count")
@login_required
def bell() -> Any:
    """The bell's unread count (htmx polls it)."""
    return render("account/bell.html", "bell", unread=notifications.unread_count(
        db(), current_user))


@bp.get("/notifications")
@login_required
def notification_list() -> Any:
    items = notifications.latest(db(), current_user)
    response = render("account/notifications.html", "content", items=items, KINDS=KIND_LABELS)
    notifications.mark_read(db(), current_user)
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    if request.method == "POST":
        notifications.set_prefs(db(), current_user, set(request.form.getlist("mail")))
        flash(_l("Your mail choices are saved."), "success")
        return redirect(url_for("account.settings"), 303)
    prefs = current_user.mail_prefs or {}
    return render("account/settings.html", "content", KINDS=KIND_LABELS,
                  chosen={k for k in notifications.KINDS if notifications.wants_mail(prefs, k)})
