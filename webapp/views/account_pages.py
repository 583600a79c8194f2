"""The bell (notifications) and the person's own settings (which mails they get)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from forms.account import PasswordForm

from ..extensions import db
from ..services.accounts import users
from ..services.errors import ServiceError
from ..services.workflow import notifications
from .rendering import flash, render
from .signin_pages import sign_in_guard, too_many

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
        db(), current_user, fresh=True))


@bp.get("/notifications")
@login_required
def notification_list() -> Any:
    """The person's latest notifications (reading the list changes nothing)."""
    items = notifications.latest(db(), current_user)
    return render("account/notifications.html", "content", items=items, KINDS=KIND_LABELS)


@bp.post("/notifications/read")
@login_required
def notifications_read() -> Any:
    """Mark every notification read."""
    notifications.mark_read(db(), current_user)
    return redirect(url_for("account.notification_list"), 303)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def notification_open(notification_id: int) -> Any:
    """Open what a notification is about, marking it read."""
    found = notifications.mark_read(db(), current_user, notification_id)
    if found is None:
        abort(404)
    if found.human_task_id:
        return redirect(url_for("tasks.show", task_id=found.human_task_id), 303)
    if found.instance_id:
        return redirect(url_for("instances.show", instance_id=found.instance_id), 303)
    return redirect(url_for("account.notification_list"), 303)


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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """The person changes their own password (wrong current passwords count as failures)."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        guard = sign_in_guard()
        address = request.remote_addr or "?"
        wait = guard.wait(current_user.username, address)
        if wait is not None:
            form.current.errors = [too_many(wait)]
            status = 429
        else:
            try:
                user = users.change_password(db(), current_user, form.current.data or "",
                                             form.new.data or "")
            except users.WrongPassword as err:
                guard.failed(current_user.username, address)
                form.current.errors, status = [err.message], 422
            except ServiceError as err:
                form.new.errors, status = [err.message], 422
            else:
                login_user(user)  # this session goes on with the new session version
                flash(_l("Your password is changed. Other sessions have ended."), "success")
                return redirect(url_for("account.settings"), 303)
    elif form.is_submitted():
        status = 422
    return render("account/password.html", "content", status, form=form)
