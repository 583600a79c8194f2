"""Programs for administrators: the filtered list, suspend / resume / terminate, retrying failed
steps, and a program's data with NIK numbers masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...extensions import db
from ...services.diagrams import definitions
from ...services.errors import ServiceError
from ...services.workflow import administration, programs
from ..labels import STATUS as STATUS_LABELS
from ..rendering import attempt, flash, refuse, render
from . import admin_required, bp


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/programs", endpoint="programs")
@admin_required
def program_list() -> Any:
    """Every program in the admin's scope, with filters."""
    args = request.args
    version = args.get("version", "")
    wanted = administration.ProgramFilter(
        key=args.get("key", ""), version=int(version) if version.isdigit() else None,
        status=args.get("status", ""), region=args.get("region", "").strip()[:13],
        started_from=_date(args.get("from")), started_to=_date(args.get("to")),
        incidents_only=bool(args.get("incidents")))
    page = administration.list_programs(db(), current_user, wanted,
                                        request.args.get("page", 1, type=int) or 1)
    query_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("admin/programs.html", "content", page=page, wanted=wanted,
                  query_args=query_args,
                  definitions=definitions.list_definitions(db()),
                  statuses=administration.STATUSES)


@bp.post("/programs/<int:instance_id>/status")
@admin_required
def program_status(instance_id: int) -> Any:
    """Suspend, resume or terminate a program, with a reason."""
    action = request.form.get("action", "")
    done = attempt(administration.change_status, db(), current_user, instance_id, action,
                    request.form.get("reason", ""))
    if done is not None:
        flash(_l("Done: the program is now %(status)s.",
                 status=STATUS_LABELS.get(done.status, done.status)), "success")
    return redirect(url_for("instances.show", instance_id=instance_id), 303)


@bp.post("/incidents/<int:incident_id>/retry")
@admin_required
def retry_incident(incident_id: int) -> Any:
    """Run a failed step again with the data it was submitted with."""
    try:
        instance_id = administration.get_incident(db(), current_user, incident_id).instance_id
    except ServiceError as err:
        refuse(err)
    ran = attempt(administration.retry_incident, db(), current_user, incident_id)
    if ran:
        flash(_l("The step ran this time."), "success")
    elif ran is False:
        flash(_l("The step failed again; the error is updated below."), "error")
    return redirect(url_for("instances.show", instance_id=instance_id), 303)


@bp.get("/programs/<int:instance_id>/data")
@admin_required
def program_data(instance_id: int) -> Any:
    """A program's current data, NIK numbers masked."""
    try:
        instance = programs.get_instance(db(), current_user, instance_id)
        rows = administration.program_data(db(), current_user, instance)
    except ServiceError as err:
        refuse(err)
    return render("admin/program_data.html", "content", instance=instance, rows=rows)
