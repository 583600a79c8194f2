"""A national program's list imported at the plan from a SIKS-NG export: upload (from the
recipient list's page), the preview with every row's outcome (the worker reads the file, the
page follows its progress), the column matching, confirm or cancel, and the worklist of the
families not in the registry as a file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.national_lists import NationalListForm

from ..extensions import db
from ..services.assistance import national, recipient_lists
from ..services.errors import ServiceError
from ..services.registry import files
from .import_pages import STATUS
from .rendering import attempt, download, flash, or_abort, render

bp = Blueprint("national_lists", __name__, url_prefix="/programs/<int:instance_id>/national-list")


def _found(instance_id: int, import_id: int) -> Any:
    return or_abort(national.get, db(), current_user, instance_id, import_id)


def _may_import(instance_id: int) -> bool:
    try:
        national.importing(db(), current_user, instance_id)
    except ServiceError:
        return False
    return True


@bp.route("", methods=["GET", "POST"])
@login_required
def index(instance_id: int) -> Any:
    """The program's national lists, and the form to upload one (a 20 MB file:
    LARGE_UPLOADS)."""
    listed = or_abort(recipient_lists.state, db(), current_user, instance_id)
    form = NationalListForm()
    if request.method == "POST" and form.validate():
        upload = form.file.data
        made = attempt(national.start, db(), current_user, instance_id, upload.filename or "",
                       upload.read(files.MAX_BYTES + 1), form.scheme.data or "")
        if made is not None:
            return redirect(url_for("national_lists.show", instance_id=instance_id,
                                    import_id=made.id), 303)
    imports = national.recent(db(), current_user, instance_id)
    return render("registry/national_lists.html", "content", 422 if form.errors else 200,
                  form=form, imports=imports, listed=listed, STATUS=STATUS,
                  may_import=_may_import(instance_id) or (listed.plan_open and not listed.kind))


@bp.get("/<int:import_id>")
@login_required
def show(instance_id: int, import_id: int) -> Any:
    found = _found(instance_id, import_id)
    if request.args.get("poll") and found.status not in ("reading", "applying"):
        finished = Response("", 200)  # the work is done: the whole page again, once
        finished.headers["HX-Refresh"] = "true"
        return finished
    outcome = request.args.get("outcome", "")
    if outcome not in national.OUTCOME_LABELS and outcome != "warned":
        outcome = ""
    page = request.args.get("page", 1, type=int) or 1
    rows, more = national.rows(db(), current_user, instance_id, import_id, outcome, page) \
        if found.status in ("ready", "done", "applying") else ([], False)
    return render("registry/national_list.html", "progress" if request.args.get("poll") else
                  "content", found=found, rows=rows, more=more, page=page, outcome=outcome,
                  instance_id=instance_id, OUTCOMES=national.OUTCOME_LABELS, STATUS=STATUS,
                  FIELDS=national.FIELD_LABELS, may_import=_may_import(instance_id))


@bp.post("/<int:import_id>/mapping")
@login_required
def mapping(instance_id: int, import_id: int) -> Any:
    found = _found(instance_id, import_id)
    chosen = {header: request.form.get(f"col-{index}", "")
              for index, header in enumerate(found.headers)}
    attempt(national.remap, db(), current_user, instance_id, import_id,
            {h: f for h, f in chosen.items() if f})
    return _back(instance_id, import_id)


@bp.post("/<int:import_id>/confirm")
@login_required
def confirm(instance_id: int, import_id: int) -> Any:
    attempt(national.confirm, db(), current_user, instance_id, import_id)
    return _back(instance_id, import_id)


@bp.post("/<int:import_id>/cancel")
@login_required
def cancel(instance_id: int, import_id: int) -> Any:
    if attempt(national.cancel, db(), current_user, instance_id, import_id) is None:
        return _back(instance_id, import_id)
    flash(_l("The national list was cancelled; nobody was enrolled."), "info")
    return redirect(url_for("recipients.index", instance_id=instance_id), 303)


@bp.get("/<int:import_id>/worklist.<fmt>")
@login_required
def worklist(instance_id: int, import_id: int, fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    name, content = or_abort(national.worklist_file, db(), current_user, instance_id,
                             import_id, fmt)
    return download(name, content, fmt)


def _back(instance_id: int, import_id: int) -> Any:
    return redirect(url_for("national_lists.show", instance_id=instance_id,
                            import_id=import_id), 303)
