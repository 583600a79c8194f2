"""Process diagrams and decision tables: list, versions, download, compare, edit, check,
deploy, upload, rollback, and moving running programs to another version."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms import FORMS
from forms.diagram_admin import DeployForm, UploadForm

from ...extensions import db
from ...services.diagrams import definitions, deployment
from ...services.errors import InvalidInput, ServiceError
from ...services.workflow import version_moves
from ..rendering import attempt, flash, refuse, render
from . import admin_required, bp

MAX_UPLOAD_FILES = 10
FIELD_TYPES = {
    "text": _l("Short text"), "textarea": _l("Long text"), "number": _l("Number"),
    "money": _l("Money (Rp)"), "date": _l("Date"), "choice": _l("Choice (one)"),
    "multichoice": _l("Choice (several)"), "yesno": _l("Yes / no"), "file": _l("File"),
}


def _editor(**context: Any) -> Any:
    return render("admin/editor.html", "content", deploy=DeployForm(), form_keys=sorted(FORMS),
                  field_types={k: str(v) for k, v in FIELD_TYPES.items()}, **context)


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
        refuse(err)
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
        refuse(err)
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
    if attempt(deployment.make_current, db(), current_user, key, number) is not None:
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


def _posted_source(form: DeployForm) -> Any:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", form.filename.data or "diagram.bpmn")[:200]
    return definitions.source_file(name, (form.xml.data or "").encode("utf-8"))


@bp.post("/processes/check")
@admin_required
def check() -> Any:
    """Every problem of the diagram in the editor, nothing stored (JSON for the editor)."""
    form = DeployForm()
    if not form.validate_on_submit():
        return jsonify(problems=[{"element_id": "", "element_name": "", "file": "", "where": "",
                                  "message": str(_l("The diagram is empty."))}]), 422
    problems = deployment.check_definitions(db(), [_posted_source(form)],
                                             request.args.get("key") or None)
    return jsonify(problems=definitions.problem_dicts(problems)), 200 if not problems else 422


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
        done = deployment.deploy_definitions(
            db(), [_posted_source(form)], current_user, comment=form.comment.data.strip(),
            origin="editor", expected_key=request.args.get("key") or None)
    except InvalidInput as err:
        return jsonify(problems=definitions.problem_dicts(err.details.get("problems", [])),
                       message=str(_l("The diagram was refused; nothing was changed."))), 422
    except ServiceError as err:
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
        files = [definitions.source_file(
            re.sub(r"[^A-Za-z0-9_.-]", "_", f.filename or "diagram")[:200],
            f.read(definitions.MAX_DIAGRAM_BYTES + 1)) for f in uploaded]
        try:
            done = deployment.deploy_definitions(db(), files, current_user,
                                                  comment=form.comment.data.strip(),
                                                  origin="upload")
        except InvalidInput as err:
            problems = definitions.problem_dicts(err.details.get("problems", []))
            flash(_l("The upload was refused; nothing was changed."), "error")
        except ServiceError as err:
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
        checks = version_moves.dry_run(db(), current_user, key, source, target)
        target_version = definitions.get_version(db(), key, target)
    except ServiceError as err:
        refuse(err)
    return render("admin/migrate.html", "content", key=key, source=source, target=target,
                  checks=checks, name=target_version.name,
                  undoable=version_moves.recently_moved(db(), target_version))


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
        result = attempt(version_moves.move, db(), current_user, key, source, target, chosen)
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
    instance = attempt(version_moves.undo_move, db(), current_user, instance_id)
    if instance is not None:
        flash(_l("“%(title)s” is back on version %(n)s.", title=instance.title,
                 n=instance.definition_version.version), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/admin/") or target.startswith("//"):
        target = url_for("admin.processes")
    return redirect(target, 303)
