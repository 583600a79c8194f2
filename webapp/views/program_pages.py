"""Programs: start one, see one (diagram and history), list them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.fields import as_choices
from forms.program_labels import CHANNELS, FUNDING, PROGRAM_KIND, SCHEME
from forms.program_start import StartForm

from ..extensions import db, htmx
from ..services.accounts import regions
from ..services.assistance import recipient_lists, records, rounds
from ..services.diagrams import definitions
from ..services.errors import ServiceError
from ..services.scope import can_see_task
from ..services.workflow import administration, attachments, programs
from .rendering import flash, refuse, render

bp = Blueprint("instances", __name__, url_prefix="/programs")


def _start_form() -> StartForm:
    # a plain GET may name the kabupaten/kota chosen first (?area=35.07): the region list of
    # the page, or just that list for htmx
    form = StartForm() if request.method == "POST" else StartForm(formdata=request.args or None)
    processes = [(p.key, p.name) for p in definitions.startable_processes(db())]
    # more than one process: the person chooses; one: it is chosen already
    form.process_key.choices = as_choices(
        ([("", _l("— choose the process —"))] if len(processes) > 1 else []) + processes)
    places = regions.start_places(db(), current_user.region_code,
                                  form.area.data or regions.kabupaten_of(form.region.data))
    form.region.choices = as_choices((p.code, f"{p.code} — {p.name}") for p in places.places)
    if places.areas is None:
        del form.area
        return form
    form.area.data = places.area or ""
    form.area.choices = [SelectChoice("", _l("— choose the regency/city —"))] + [
        SelectChoice(a.code, f"{a.code} — {a.name}", optgroup=places.provinces.get(
            a.parent_code or "") if len(places.provinces) > 1 else None)
        for a in places.areas]
    form.area.render_kw = {"hx-get": url_for("instances.start"), "hx-trigger": "change",
                           "hx-target": "#region-field", "hx-swap": "outerHTML"}
    if places.area is None:
        form.region.choices = as_choices([("", _l("— choose the regency/city first —"))])
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def start() -> Any:
    """Start a new program."""
    form = _start_form()
    if htmx.target == "region-field":  # a kabupaten/kota was chosen: its places
        return render("instances/start.html", "region_field", form=form)
    if request.form.get("show_places"):  # the same without JavaScript
        return render("instances/start.html", "start_form", form=form)
    if form.validate_on_submit():
        try:
            started = programs.start_program(db(), current_user, form.process_key.data,
                                              form.title.data or "", form.region.data)
        except programs.StartFailed as failed:  # created, but stuck: show where it stands
            flash(failed.message, "error")
            return redirect(url_for("instances.show", instance_id=failed.instance.id), 303)
        except ServiceError as err:
            flash(err.message, "error")
            return render("instances/start.html", "start_form", err.status, form=form)
        instance = started.instance
        flash(_l("Program %(key)s started.", key=instance.business_key), "success")
        # the first step is the starter's own (as a rule): straight on to it
        mine = [t.id for t in started.opened if t.assignee_id == current_user.id]
        target = url_for("tasks.show", task_id=mine[0]) if mine \
            else url_for("instances.show", instance_id=instance.id)
        return redirect(target, 303)
    status = 422 if form.is_submitted() else 200
    return render("instances/start.html", "start_form", status, form=form)


@bp.get("/")
@login_required
def index() -> Any:
    """Programs the user may see."""
    items = programs.list_instances(db(), current_user)
    return render("instances/index.html", "content", items=items,
                  records=records.records_of(db(), [i.id for i in items]),
                  PROGRAM_KIND=PROGRAM_KIND, SCHEME=SCHEME, FUNDING=FUNDING)


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> Any:
    """A program: where it stands on the diagram, open tasks and history."""
    try:
        instance = programs.get_instance(db(), current_user, instance_id)
    except ServiceError:
        abort(404)
    incidents = administration.incidents(db(), current_user, instance) \
        if current_user.role == "admin" else []
    waiting = programs.open_tasks(db(), instance)
    record = records.program_of(db(), instance.id)
    return render("instances/show.html", "content", instance=instance, record=record,
                  rounds=rounds.overview(db(), instance.id) if record else [],
                  listed=recipient_lists.state(db(), current_user, instance.id)
                  if record else None, round_name=records.round_name,
                  PROGRAM_KIND=PROGRAM_KIND, SCHEME=SCHEME, FUNDING=FUNDING,
                  CHANNELS=CHANNELS,
                  diagram=programs.diagram_state(db(), instance), open_tasks=waiting,
                  openable={t.id for t in waiting if can_see_task(current_user, t)},
                  events=programs.history(db(), instance), incidents=incidents)


@bp.get("/<int:instance_id>/diagram.xml")
@login_required
def diagram(instance_id: int) -> Response:
    """The BPMN of the version this program runs on."""
    try:
        instance = programs.get_instance(db(), current_user, instance_id)
    except ServiceError:
        abort(404)
    version = instance.definition_version
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{version.key}-v{version.version}.bpmn")
    return Response(version.xml, mimetype="application/xml", headers={
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Any:
    """A file uploaded with a step, for people who may see the program; always a download."""
    try:
        found = attachments.get_attachment(db(), current_user, attachment_id)
    except ServiceError as err:
        refuse(err)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Content-Disposition"] = (
        "attachment; filename*=UTF-8''" + quote(found.filename))
    response.headers["Cache-Control"] = "private, no-store"
    return response
