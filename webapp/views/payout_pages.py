"""Payout files of a distribution round: upload (from the round's page), the preview with
every row's outcome (the worker reads the file, the page follows its progress), the column
matching, confirm or cancel, and the rows that fill no line as a file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.households import NOT_RECEIVED
from forms.payout_files import PayoutForm

from ..extensions import db
from ..services.assistance import payouts, recipient_lists, rounds
from ..services.registry import files
from .import_pages import STATUS
from .rendering import attempt, download, flash, or_abort, render

bp = Blueprint("payouts", __name__,
               url_prefix="/programs/<int:instance_id>/rounds/<int:number>/payouts")


def _found(instance_id: int, number: int, import_id: int) -> Any:
    return or_abort(payouts.get, db(), current_user, instance_id, number, import_id)


def _may_record(instance_id: int, number: int) -> bool:
    listed = or_abort(recipient_lists.state, db(), current_user, instance_id)
    return listed.round == number and rounds.may_record(db(), current_user, instance_id)


@bp.route("", methods=["GET", "POST"])
@login_required
def index(instance_id: int, number: int) -> Any:
    """The round's payout files, and the form to upload one (a 20 MB file: LARGE_UPLOADS)."""
    form = PayoutForm()
    if request.method == "POST" and form.validate():
        upload = form.file.data
        made = attempt(payouts.start, db(), current_user, instance_id, number,
                       upload.filename or "", upload.read(files.MAX_BYTES + 1))
        if made is not None:
            return redirect(url_for("payouts.show", instance_id=instance_id, number=number,
                                    import_id=made.id), 303)
    imports = or_abort(payouts.recent, db(), current_user, instance_id, number)
    return render("registry/payouts.html", "content", 422 if form.errors else 200, form=form,
                  imports=imports, instance=recipient_lists.state(db(), current_user,
                                                                   instance_id).instance,
                  number=number, STATUS=STATUS, may_record=_may_record(instance_id, number))


@bp.get("/<int:import_id>")
@login_required
def show(instance_id: int, number: int, import_id: int) -> Any:
    found = _found(instance_id, number, import_id)
    if request.args.get("poll") and found.status not in ("reading", "applying"):
        finished = Response("", 200)  # the work is done: the whole page again, once
        finished.headers["HX-Refresh"] = "true"
        return finished
    outcome = request.args.get("outcome", "")
    if outcome not in payouts.OUTCOME_LABELS and outcome != "warned":
        outcome = ""
    page = request.args.get("page", 1, type=int) or 1
    rows, more = payouts.rows(db(), current_user, instance_id, number, import_id, outcome,
                              page) if found.status in ("ready", "done", "applying") \
        else ([], False)
    return render("registry/payout.html", "progress" if request.args.get("poll") else
                  "content", found=found, rows=rows, more=more, page=page, outcome=outcome,
                  number=number, instance_id=instance_id, OUTCOMES=payouts.OUTCOME_LABELS,
                  STATUS=STATUS, FIELDS=payouts.FIELD_LABELS, REASONS=NOT_RECEIVED,
                  may_record=_may_record(instance_id, number))


@bp.post("/<int:import_id>/mapping")
@login_required
def mapping(instance_id: int, number: int, import_id: int) -> Any:
    found = _found(instance_id, number, import_id)
    chosen = {header: request.form.get(f"col-{index}", "")
              for index, header in enumerate(found.headers)}
    attempt(payouts.remap, db(), current_user, instance_id, number, import_id,
            {h: f for h, f in chosen.items() if f})
    return _back(instance_id, number, import_id)


@bp.post("/<int:import_id>/confirm")
@login_required
def confirm(instance_id: int, number: int, import_id: int) -> Any:
    attempt(payouts.confirm, db(), current_user, instance_id, number, import_id)
    return _back(instance_id, number, import_id)


@bp.post("/<int:import_id>/cancel")
@login_required
def cancel(instance_id: int, number: int, import_id: int) -> Any:
    if attempt(payouts.cancel, db(), current_user, instance_id, number, import_id) is None:
        return _back(instance_id, number, import_id)
    flash(_l("The payout file was cancelled; no line changed."), "info")
    return redirect(url_for("recipients.round", instance_id=instance_id, number=number), 303)


@bp.get("/<int:import_id>/unmatched.<fmt>")
@login_required
def unmatched(instance_id: int, number: int, import_id: int, fmt: str) -> Any:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    name, content = or_abort(payouts.unmatched_file, db(), current_user, instance_id, number,
                             import_id, fmt)
    return download(name, content, fmt)


def _back(instance_id: int, number: int, import_id: int) -> Any:
    return redirect(url_for("payouts.show", instance_id=instance_id, number=number,
                            import_id=import_id), 303)
