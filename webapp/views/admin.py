"""The admin area: process diagrams (edit, check, deploy, versions, rollback)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from forms import FORMS
from forms.base import SimpulForm
from forms.fields import (
    CHOOSE,
    FILE_REQUIRED,
    as_choices,
    at_most,
    between,
    email_address,
    phone_number,
    required,
)

from .. import engine
from ..extensions import db
from ..models import Incident
from ..services import administration, definitions, instances, migration, people
from ..services.errors import InvalidInput, ServiceError
from . import STATUS as STATUS_LABELS
from .rendering import attempt, flash, render

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_UPLOAD_FILES = 10
FIELD_TYPES = {
    "text": _l("Short text"), "textarea": _l("Long text"), "number": _l("Number"),
    "money": _l("Money (Rp)"), "date": _l("Date"), "choice": _l("Choice (one)"),
    "multichoice": _l("Choice (several)"), "yesno": _l("Yes / no"), "file": _l("File"),
}


def _editor(**context: Any) -> Any:
    return render("admin/editor.html", "content", deploy=DeployForm(), form_keys=sorted(FORMS),
                  field_types={k: str(v) for k, v in FIELD_TYPES.items()}, **context)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only administrators; everyone else gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class UploadForm(SimpulForm):
    files = FileField(_l("BPMN or DMN files"), validators=[FileRequired(FILE_REQUIRED)],
                      render_kw={"multiple": True, "accept": ".bpmn,.dmn,.xml"})
    comment = StringField(_l("What changed"), validators=[required(), at_most(500)],
                          description=_l("Shown in the version list, for example: "
                                         "“Added partner confirmation”."))


class DeployForm(SimpulForm):
    xml = TextAreaField(validators=[required()])
    comment = StringField(_l("What changed"), validators=[at_most(500)])
    filename = StringField(validators=[at_most(200)])


def _problems_json(problems: list[engine.Problem]) -> list[dict[str, str]]:
    return [{"element_id": p.element_id, "element_name": p.element_name, "file": p.file,
             "where": definitions.where(p), "message": definitions.problem_text(p)}
            for p in problems]


@bp.get("/")
@admin_required
def index() -> Any:
    return redirect(url_for("admin.processes"))


@bp.get("/processes")
@admin_required
def processes() -> Any:
    """Every process and decision table, with its current version."""
    return render("admin/processes.html", "content",
                  items=definitions.list_definitions(db()), upload=UploadForm())


@bp.get("/processes/<key>")
@admin_required
def versions(key: str) -> Any:
    """The versions of one definition."""
    try:
        rows = definitions.list_versions(db(), key)
    except ServiceError as err:
        abort(err.status)
    current = definitions.current_version(db(), key)
    return render("admin/versions.html", "content", key=key, rows=rows, current=current,
                  name=(current or rows[0][0]).name)


@bp.get("/processes/<key>/v<int:number>.<kind>")
@admin_required
def download(key: str, number: int, kind: str) -> Any:
    """One version's XML, as a file (also what the editor loads)."""
    try:
        version = definitions.get_version(db(), key, number)
    except ServiceError as err:
        abort(err.status)
    if kind != version.kind:
        abort(404)
    # Always a download: a stored diagram is never rendered by the browser as a document.
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{key}-v{number}.{kind}")
    return Response(version.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


KINDS = {
    "userTask": _l("User task"), "scriptTask": _l("Script task"),
    "serviceTask": _l("Service task"), "businessRuleTask": _l("Decision task"),
    "manualTask": _l("Manual task"), "task": _l("Task"), "callActivity": _l("Call activity"),
    "subProcess": _l("Subprocess"), "exclusiveGateway": _l("Exclusive gateway"),
    "parallelGateway": _l("Parallel gateway"), "inclusiveGateway": _l("Inclusive gateway"),
    "eventBasedGateway": _l("Event gateway"), "startEvent": _l("Start event"),
    "endEvent": _l("End event"), "intermediateCatchEvent": _l("Waiting event"),
    "intermediateThrowEvent": _l("Event"), "boundaryEvent": _l("Boundary event"),
    "sequenceFlow": _l("Flow"), "lane": _l("Lane"), "rule": _l("Rule"), "input": _l("Input"),
    "output": _l("Output"), "decisionTable": _l("Decision table"),
}


@bp.get("/processes/<key>/compare")
@admin_required
def compare(key: str) -> Any:
    """Two versions side by side: what was added, changed and removed."""
    try:
        rows = definitions.list_versions(db(), key)
        numbers = [v.version for v, _running in rows]
        new_number = int(request.args.get("new") or numbers[0])
        old_number = int(request.args.get("old") or next(
            (n for n in numbers if n < new_number), new_number))
        old = definitions.get_version(db(), key, old_number)
        new = definitions.get_version(db(), key, new_number)
    except (ServiceError, ValueError):
        abort(404)
    changes = definitions.compare_versions(old, new)
    by_status: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for change in changes:
        by_status[change.status].append(change.element_id)
    return render("admin/compare.html", "content", key=key, old=old, new=new, numbers=numbers,
                  changes=changes, by_status=by_status, KINDS=KINDS,
                  text=definitions.message_text)


@bp.post("/processes/<key>/v<int:number>/make-current")
@admin_required
def make_current(key: str, number: int) -> Any:
    """Rollback: new programs start on this version; running ones keep theirs."""
    if attempt(definitions.make_current, db(), current_user, key, number) is not None:
        flash(_l("New programs now start on version %(number)s.", number=number), "success")
    return redirect(url_for("admin.versions", key=key), 303)


@bp.get("/processes/<key>/edit")
@admin_required
def edit(key: str) -> Any:
    """The diagram editor on a version (the current one unless ?version=N)."""
    try:
        if request.args.get("version"):
            version = definitions.get_version(db(), key, int(request.args["version"]))
        else:
            found = definitions.current_version(db(), key)
            if found is None:
                abort(404)
            version = found
    except (ServiceError, ValueError):
        abort(404)
    return _editor(version=version, key=key, kind=version.kind,
                   source=url_for("admin.download", key=key, number=version.version,
                                  kind=version.kind))


@bp.get("/processes/new")
@admin_required
def new() -> Any:
    """The editor on an empty diagram (kind=bpmn or dmn)."""
    kind = "dmn" if request.args.get("kind") == "dmn" else "bpmn"
    return _editor(version=None, key=None, kind=kind,
                   source=url_for("static", filename=f"diagrams/empty.{kind}"))


def _posted_source(form: DeployForm) -> engine.SourceFile:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", form.filename.data or "diagram.bpmn")[:200]
    return engine.SourceFile(name, (form.xml.data or "").encode("utf-8"))


@bp.post("/processes/check")
@admin_required
def check() -> Any:
    """Every problem of the diagram in the editor, nothing stored (JSON for the editor)."""
    form = DeployForm()
    if not form.validate_on_submit():
        return jsonify(problems=[{"element_id": "", "element_name": "", "file": "", "where": "",
                                  "message": str(_l("The diagram is empty."))}]), 422
    problems = definitions.check_definitions(db(), [_posted_source(form)],
                                             request.args.get("key") or None)
    return jsonify(problems=_problems_json(problems)), 200 if not problems else 422


@bp.post("/processes/deploy")
@admin_required
def deploy() -> Any:
    """Deploy the diagram in the editor as a new version (JSON for the editor)."""
    form = DeployForm()
    if not form.validate_on_submit():
        return jsonify(problems=[], message=str(_l("The diagram is empty."))), 422
    if not (form.comment.data or "").strip():
        return jsonify(problems=[], message=str(_l("Say what changed, for the version list."))), 422
    try:
        done = definitions.deploy_definitions(
            db(), [_posted_source(form)], current_user, comment=form.comment.data.strip(),
            origin="editor", expected_key=request.args.get("key") or None)
    except InvalidInput as err:
        db().rollback()
        return jsonify(problems=_problems_json(err.details.get("problems", [])),
                       message=str(_l("The diagram was refused; nothing was changed."))), 422
    except ServiceError as err:
        db().rollback()
        return jsonify(problems=[], message=str(err.message)), err.status
    if not done.created:
        return jsonify(message=str(_l("Nothing changed: this is the current version."))), 200
    flash(_l("Deployed: %(what)s.", what=", ".join(done.labels)), "success")
    return jsonify(redirect=url_for("admin.versions", key=done.created[0].key)), 200


@bp.post("/processes/upload")
@admin_required
def upload() -> Any:
    """Deploy uploaded .bpmn/.dmn files (e.g. drawn in Camunda Modeler) after validation."""
    form = UploadForm()
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        uploaded = request.files.getlist(form.files.name)[:MAX_UPLOAD_FILES]
        files = [engine.SourceFile(re.sub(r"[^A-Za-z0-9_.-]", "_", f.filename or "diagram")[:200],
                                   f.read(engine.MAX_DIAGRAM_BYTES + 1)) for f in uploaded]
        try:
            done = definitions.deploy_definitions(db(), files, current_user,
                                                  comment=form.comment.data.strip(),
                                                  origin="upload")
        except InvalidInput as err:
            db().rollback()
            problems = _problems_json(err.details.get("problems", []))
            flash(_l("The upload was refused; nothing was changed."), "error")
        except ServiceError as err:
            db().rollback()
            flash(err.message, "error")
        else:
            if done.created:
                flash(_l("Deployed: %(what)s.", what=", ".join(done.labels)), "success")
            else:
                flash(_l("Nothing changed: these files are the current versions."), "info")
            return redirect(url_for("admin.processes"), 303)
    return render("admin/processes.html", "content", 422,
                  items=definitions.list_definitions(db()), upload=form, problems=problems)


def _move_numbers(key: str) -> tuple[int, int]:
    current = definitions.current_version(db(), key)
    try:
        source = int(request.values.get("from") or 0)
        target = int(request.values.get("to") or (current.version if current else 0))
    except ValueError:
        abort(404)
    return source, target


@bp.get("/processes/<key>/migrate")
@admin_required
def migrate(key: str) -> Any:
    """Dry run: which programs on version N can move to version M, and why not."""
    source, target = _move_numbers(key)
    try:
        checks = migration.dry_run(db(), current_user, key, source, target)
        target_version = definitions.get_version(db(), key, target)
    except ServiceError as err:
        abort(err.status)
    return render("admin/migrate.html", "content", key=key, source=source, target=target,
                  checks=checks, name=target_version.name,
                  undoable=migration.recently_moved(db(), target_version))


@bp.post("/processes/<key>/migrate")
@admin_required
def migrate_apply(key: str) -> Any:
    """Move the chosen programs (or all that can) in one action."""
    source, target = _move_numbers(key)
    chosen = None if request.form.get("all") else [
        int(i) for i in request.form.getlist("instance") if i.isdigit()]
    if chosen == []:
        flash(_l("Choose at least one program to move."), "error")
    else:
        result = attempt(migration.move, db(), current_user, key, source, target, chosen)
        if result is not None:
            flash(_l("%(moved)s program(s) moved to version %(to)s; %(skipped)s could not move.",
                     moved=len(result.moved), to=target, skipped=len(result.skipped)),
                  "success" if result.moved else "info")
    where: dict[str, Any] = {"from": source, "to": target}
    return redirect(url_for("admin.migrate", key=key, **where), 303)


@bp.post("/programs/<int:instance_id>/undo-move")
@admin_required
def undo_move(instance_id: int) -> Any:
    """Put a moved program back on its earlier version."""
    instance = attempt(migration.undo_move, db(), current_user, instance_id)
    if instance is not None:
        flash(_l("“%(title)s” is back on version %(n)s.", title=instance.title,
                 n=instance.definition_version.version), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/admin/") or target.startswith("//"):
        target = url_for("admin.processes")
    return redirect(target, 303)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/programs")
@admin_required
def programs() -> Any:
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
    incident = db().get(Incident, incident_id)
    if incident is None:
        abort(404)
    instance_id = incident.instance_id
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
        instance = instances.get_instance(db(), current_user, instance_id)
        rows = administration.program_data(db(), current_user, instance)
    except ServiceError as err:
        abort(err.status)
    return render("admin/program_data.html", "content", instance=instance, rows=rows)


ROLE_LABELS = {"coordinator": _l("Coordinator"), "supervisor": _l("Supervisor"),
               "admin": _l("Administrator")}
PARTNER_KIND_LABELS = {"government": _l("Government office"), "ngo": _l("NGO / foundation"),
                       "community": _l("Community group"), "private": _l("Company"),
                       "other": _l("Other")}


class UserForm(SimpulForm):
    username = StringField(_l("User name"), validators=[required(), at_most(80)])
    full_name = StringField(_l("Full name"), validators=[required(), at_most(120)])
    email = StringField(_l("E-mail"), validators=[at_most(200), email_address],
                        render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField(_l("Role"), choices=as_choices(ROLE_LABELS.items()),
                       invalid_choice_message=CHOOSE)
    groups = SelectMultipleField(_l("Groups"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), invalid_choice_message=CHOOSE)
    region = StringField(_l("Region code"), validators=[at_most(13)],
                         description=_l("Empty: every region. For example 35.07 for Kabupaten "
                                        "Malang; look codes up under Regions."))
    is_active = BooleanField(_l("Active (may sign in)"), default=True)


class GroupForm(SimpulForm):
    name = StringField(_l("Name"), validators=[required(), at_most(80)],
                       description=_l("A diagram lane with exactly this name sends its steps "
                                      "to this group."))
    description = StringField(_l("Description"), validators=[at_most(200)])


class PartnerForm(SimpulForm):
    name = StringField(_l("Organisation"), validators=[required(), between(3, 200)])
    kind = SelectField(_l("Kind"), choices=as_choices(PARTNER_KIND_LABELS.items()),
                       invalid_choice_message=CHOOSE)
    region = StringField(_l("Region code"), validators=[at_most(13)])
    contact_name = StringField(_l("Contact person"), validators=[at_most(120)])
    phone = StringField(_l("Phone"), validators=[at_most(40), phone_number],
                        render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), validators=[at_most(200), email_address],
                        render_kw={"type": "email", "autocomplete": "off"})
    notes = TextAreaField(_l("Notes"), validators=[at_most(2000)])
    is_active = BooleanField(_l("Active"), default=True,
                             description=_l("Inactive partners are hidden from the lists."))


def _user_form(user: Any = None) -> UserForm:
    form = UserForm(obj=user) if user is not None and request.method == "GET" else UserForm()
    form.groups.choices = as_choices((g.name, g.name) for g, _n in
                                     people.groups_with_counts(db(), current_user))
    if user is not None and request.method == "GET":
        form.groups.data = sorted(user.group_names)
        form.region.data = user.region_code or ""
    return form


@bp.get("/users")
@admin_required
def user_list() -> Any:
    args = request.args
    page = people.list_users(db(), current_user, args.get("q", ""), args.get("role", ""),
                             args.get("group", ""), args.get("active", ""),
                             args.get("page", 1, type=int) or 1)
    return render("admin/users.html", "content", page=page, args=args, ROLES=ROLE_LABELS,
                  groups=people.groups_with_counts(db(), current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new() -> Any:
    form = _user_form()
    if form.validate_on_submit():
        made = attempt(people.create_user, db(), current_user, form.username.data,
                        form.full_name.data, form.email.data or "", form.role.data,
                        form.groups.data or [], (form.region.data or "").strip() or None)
        if made is not None:
            user, password = made
            return render("admin/password.html", "content", user=user, password=password)
    return render("admin/user_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int) -> Any:
    try:
        user = people.get_user(db(), current_user, user_id)
    except ServiceError as err:
        abort(err.status)
    form = _user_form(user)
    del form.username  # a user name never changes: it is in the history
    if form.validate_on_submit():
        done = attempt(people.update_user, db(), current_user, user_id,
                        full_name=form.full_name.data, email=form.email.data or "",
                        role=form.role.data, groups=form.groups.data or [],
                        region_code=(form.region.data or "").strip() or None,
                        is_active=bool(form.is_active.data))
        if done is not None:
            flash(_l("Saved. If access changed, %(name)s must sign in again.",
                     name=done.display_name), "success")
            return redirect(url_for("admin.user_list"), 303)
    return render("admin/user_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, user=user)


@bp.post("/users/<int:user_id>/password")
@admin_required
def user_password(user_id: int) -> Any:
    password = attempt(people.reset_password, db(), current_user, user_id)
    if password is None:
        return redirect(url_for("admin.user_edit", user_id=user_id), 303)
    return render("admin/password.html", "content",
                  user=people.get_user(db(), current_user, user_id), password=password)


@bp.route("/groups", methods=["GET", "POST"])
@admin_required
def group_list() -> Any:
    form = GroupForm()
    if form.validate_on_submit():
        group = attempt(people.create_group, db(), current_user, form.name.data,
                         form.description.data or "")
        if group is not None:
            flash(_l("Group %(name)s created.", name=group.name), "success")
            return redirect(url_for("admin.group_list"), 303)
    return render("admin/groups.html", "content", 422 if form.is_submitted() else 200,
                  form=form, groups=people.groups_with_counts(db(), current_user))


@bp.post("/groups/<int:group_id>/due")
@admin_required
def group_due(group_id: int) -> Any:
    group = attempt(people.set_group_due, db(), current_user, group_id,
                     request.form.get("default_due", ""))
    if group is not None:
        flash(_l("Saved for %(name)s.", name=group.name), "success")
    return redirect(url_for("admin.group_list"), 303)


def _partner_values(form: PartnerForm) -> dict[str, Any]:
    return {"name": form.name.data, "kind": form.kind.data,
            "region_code": (form.region.data or "").strip() or None,
            "contact_name": form.contact_name.data or "", "phone": form.phone.data or "",
            "email": form.email.data or "", "notes": form.notes.data or "",
            "is_active": bool(form.is_active.data)}


@bp.route("/partners", methods=["GET", "POST"])
@admin_required
def partner_list() -> Any:
    form = PartnerForm()
    if form.validate_on_submit():
        partner = attempt(people.save_partner, db(), current_user, None, _partner_values(form))
        if partner is not None:
            flash(_l("%(name)s added.", name=partner.name), "success")
            return redirect(url_for("admin.partner_list"), 303)
    return render("admin/partners.html", "content", 422 if form.is_submitted() else 200,
                  form=form, KINDS=PARTNER_KIND_LABELS,
                  partners=people.list_partners(db(), current_user, request.args.get("q", ""),
                                                bool(request.args.get("inactive"))))


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@admin_required
def partner_edit(partner_id: int) -> Any:
    try:
        partner = people.get_partner(db(), current_user, partner_id)
    except ServiceError as err:
        abort(err.status)
    form = PartnerForm(obj=partner) if request.method == "GET" else PartnerForm()
    if request.method == "GET":
        form.region.data = partner.region_code or ""
    if form.validate_on_submit():
        saved = attempt(people.save_partner, db(), current_user, partner_id,
                         _partner_values(form))
        if saved is not None:
            flash(_l("%(name)s saved.", name=saved.name), "success")
            return redirect(url_for("admin.partner_list"), 303)
    return render("admin/partner_form.html", "content", 422 if form.is_submitted() else 200,
                  form=form, partner=partner)


@bp.get("/regions")
@admin_required
def region_search() -> Any:
    text = request.args.get("q", "")
    return render("admin/regions.html", "content", text=text,
                  regions=people.search_regions(db(), text))
