"""Kotak Masuk: my tasks, my groups' tasks and what I finished; filters, search, order, saved
filters, and supervisors' bulk reassignment and priority."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..services.diagrams import definitions
from ..services.workflow import inbox, workload
from .labels import Labels
from .rendering import attempt, flash, or_abort, render

bp = Blueprint("inbox", __name__)

PRIORITY_LABELS = {0: _l("Normal"), 1: _l("High"), 2: _l("Urgent")}


def inbox_filters() -> inbox.InboxFilter:
    return inbox.InboxFilter.from_args(request.values)


def remembered() -> dict[str, Any]:
    """The inbox the user last looked at (tab, filters, page), to come back to."""
    args = session.get("inbox_args")
    return dict(args) if isinstance(args, dict) else {}


def inbox_url() -> str:
    return url_for("inbox.index", **remembered())


def inbox_context() -> dict[str, Any]:
    wanted = inbox_filters()
    counts = inbox.task_counts(db(), current_user, wanted=wanted)  # the tabs: one statement
    page = inbox.list_tasks(db(), current_user, wanted=wanted, total=counts[wanted.tab])
    args = wanted.as_args(page=page.page)
    if session.get("inbox_args") != args:  # a new cookie only when the inbox changed
        session["inbox_args"] = args
    oversees = current_user.role in ("supervisor", "admin")
    return {"filters": wanted, "page": page, "counts": counts, "oversees": oversees,
            "PRIORITIES": Labels(PRIORITY_LABELS),
            "saved": workload.saved_filters(db(), current_user),
            "people": workload.assignable(db(), current_user) if oversees else []}


@bp.get("/")
@login_required
def index() -> Any:
    """The inbox page (or just its list, for an htmx filter/paging request)."""
    processes = definitions.startable_processes(db())
    return render("inbox/index.html", "inbox_list", processes=processes, **inbox_context())


@bp.post("/inbox/filters")
@login_required
def save_filter() -> Any:
    wanted = inbox_filters()
    saved = attempt(workload.save_filter, db(), current_user, request.form.get("name", ""),
                    wanted.as_args())
    if saved is not None:
        flash(_l("Filter “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("inbox.index", **wanted.as_args()), 303)


@bp.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int) -> Any:
    workload.delete_filter(db(), current_user, filter_id)
    flash(_l("Filter deleted."), "info")
    return redirect(inbox_url(), 303)


@bp.post("/inbox/bulk")
@login_required
def bulk() -> Any:
    """Reassign or prioritise the ticked tasks (supervisors and admins)."""
    or_abort(workload.require_overseer, current_user)  # before any check of what was sent
    ids = [int(i) for i in request.form.getlist("task") if i.isdigit()]
    action = request.form.get("action", "")
    if not ids:
        flash(_l("Tick the tasks first."), "error")
        return redirect(inbox_url(), 303)
    if action == "reassign":
        person = request.form.get("person", "")
        if not person.isdigit():
            flash(_l("Choose the person to give the tasks to."), "error")
            return redirect(inbox_url(), 303)
        result = attempt(workload.reassign, db(), current_user, ids, int(person))
    elif action == "priority":
        result = attempt(workload.set_priority, db(), current_user, ids,
                         request.form.get("priority", 0, type=int) or 0)
    else:
        abort(400)
    if result is None:
        return redirect(inbox_url(), 303)
    flash(_l("%(n)s task(s) changed.", n=result.done), "success" if result.done else "info")
    for name, why in result.skipped:
        flash(_l("“%(name)s” skipped: %(why)s", name=name, why=why), "error")
    return redirect(inbox_url(), 303)
