"""Importing village lists: upload, the preview with every row's outcome (the worker reads the
file, the page follows its progress), the column matching, confirm or cancel, and the
rejected rows as a file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.households import ImportForm, RejectedForm

from ..extensions import db
from ..services.errors import ServiceError
from ..services.registry import access, files, importing
from .rendering import attempt, download, flash, or_abort, render

bp = Blueprint("registry_imports", __name__, url_prefix="/registry/imports")

OUTCOMES = {"rejected": _l("Rejected"), "warned": _l("With warnings"), "new": _l("New"),
            "update": _l("Changes"), "same": _l("Unchanged")}
STATUS = {"reading": _l("Reading and checking the file"), "ready": _l("Ready to confirm"),
          "applying": _l("Importing"), "done": _l("Imported"), "failed": _l("Not read"),
          "cancelled": _l("Cancelled")}


def _found(import_id: int) -> Any:
    return or_abort(importing.get, db(), current_user, import_id)


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> Any:
    # a village list may be larger than other uploads: webapp.LARGE_UPLOADS
    if request.method == "POST" and not access.may_edit(current_user):
        abort(403)
    form = ImportForm()
    if request.method == "POST":
        if form.validate():
            upload = form.file.data
            made = attempt(importing.start, db(), current_user, upload.filename or "",
                           upload.read(files.MAX_BYTES + 1))
            if made is not None:
                return redirect(url_for("registry_imports.show", import_id=made.id), 303)
    return render("registry/imports.html", "content", 422 if form.errors else 200, form=form,
                  imports=importing.recent(db(), current_user), STATUS=STATUS,
                  may_edit=access.may_edit(current_user))


@bp.get("/<int:import_id>")
@login_required
def show(import_id: int) -> Any:
    found = _found(import_id)
    if request.args.get("poll") and found.status not in ("reading", "applying"):
        finished = Response("", 200)  # the work is done: the whole page again, once
        finished.headers["HX-Refresh"] = "true"
        return finished
    outcome = request.args.get("outcome", "")
    if outcome not in OUTCOMES:
        outcome = "rejected" if found.counts.get("rejected") else ""
    page = request.args.get("page", 1, type=int) or 1
    rows, more = importing.rows(db(), current_user, import_id, outcome, page) \
        if found.status in ("ready", "done", "applying") else ([], False)
    block = "progress" if request.args.get("poll") else "content"
    return render("registry/import.html", block, found=found, rows=rows, more=more,
                  page=page, outcome=outcome, OUTCOMES=OUTCOMES, STATUS=STATUS,
                  FIELDS=importing.FIELD_LABELS, may_edit=access.may_edit(current_user),
                  may_reveal=access.may_reveal(current_user), reveal=RejectedForm())


@bp.post("/<int:import_id>/mapping")
@login_required
def mapping(import_id: int) -> Any:
    found = _found(import_id)
    chosen = {header: request.form.get(f"col-{index}", "")
              for index, header in enumerate(found.headers)}
    attempt(importing.remap, db(), current_user, import_id,
            {h: f for h, f in chosen.items() if f})
    return redirect(url_for("registry_imports.show", import_id=import_id), 303)


@bp.post("/<int:import_id>/confirm")
@login_required
def confirm(import_id: int) -> Any:
    _found(import_id)
    attempt(importing.confirm, db(), current_user, import_id)
    return redirect(url_for("registry_imports.show", import_id=import_id), 303)


@bp.post("/<int:import_id>/cancel")
@login_required
def cancel(import_id: int) -> Any:
    _found(import_id)
    if attempt(importing.cancel, db(), current_user, import_id):
        flash(_l("The import was cancelled; nothing was stored."), "info")
    return redirect(url_for("registry_imports.index"), 303)


@bp.route("/<int:import_id>/rejected.<fmt>", methods=["GET", "POST"])
@login_required
def rejected(import_id: int, fmt: str) -> Any:
    _found(import_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    reason = ""
    if request.method == "POST":
        form = RejectedForm()
        if not form.validate():
            flash(_l("Say why you need the full numbers (at least 5 characters)."), "error")
            return redirect(url_for("registry_imports.show", import_id=import_id), 303)
        reason = form.reason.data or ""
    try:
        name, content = importing.rejected_file(db(), current_user, import_id, fmt, reason)
    except ServiceError as err:
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
        return redirect(url_for("registry_imports.show", import_id=import_id), 303)
    return download(name, content, fmt)
