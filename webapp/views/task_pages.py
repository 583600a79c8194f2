"""One task: its form, claim and release, and completion."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..services.errors import ServiceError
from ..services.workflow import comments, completion, inbox
from ..services.workflow.attachments import Upload
from ..services.workflow.task_page import (
    area_desa,
    form_class_for,
    step_figures,
    step_panels,
    task_context,
    task_data,
    task_head,
)
from .inbox_pages import inbox_context, inbox_url
from .rendering import attempt, flash, htmx_location, refuse, render, wants_fragment

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _form_for(task: Any, data: dict[str, Any] | None = None,
              computed: dict[str, Any] | None = None) -> Any:
    """The task's form, prefilled from ``data`` when the form wants it; a form that checks
    its values against the program so far gets the program's data (read here on submit).
    With the program's recipient list, the figures the list gives are not asked for (the
    page shows them in the list panel, which gives ``computed``). A form choosing desa of the
    program's area gets them as its choices."""
    try:
        form_class = form_class_for(db(), task)
    except KeyError:
        abort(500)
    if data is not None and getattr(form_class, "prefill", True):
        form = form_class(data=form_class.initial_from_task_data(data))
    else:
        form = form_class()
    if getattr(form_class, "area_fields", ()):
        form.with_area(area_desa(db(), task))
    from_list = getattr(form_class, "from_list", ())
    checks = getattr(form_class, "checks_task_data", False)
    if checks or from_list:
        current = data if data is not None else task_data(db(), task)
        if checks:
            form.task_data = current
        if computed is None:
            computed = step_figures(db(), current_user, task, current)
        form.with_list(computed)
    return form


def _uploads(form: Any) -> dict[str, Upload]:
    return {name: Upload(storage.filename or "", storage.read(), storage.mimetype or "")
            for name, storage in form.uploads().items()}


def _page(task_id: int, form: Any = None, status: int = 200, error: Any = None) -> Any:
    task = task_head(db(), current_user, task_id)
    context = task_context(db(), task) if task.status == "open" else None
    panels = step_panels(db(), current_user, task, context) if context is not None else []
    computed = {k: v for panel in panels for k, v in getattr(panel, "computed", {}).items()}
    if form is None and context is not None:
        form = _form_for(task, context.data, computed)
    return render("tasks/show.html", "task_form", status, task=task, form=form,
                  context=context, error=error, panels=panels,
                  comments=comments.task_comments(db(), task.id))


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int) -> Any:
    """The task page with the step's form."""
    try:
        return _page(task_id)
    except ServiceError as err:
        refuse(err)


@bp.post("/<int:task_id>")
@login_required
def submit(task_id: int) -> Any:
    """Validate the form and complete the task; errors come back inline (422). The form is
    checked without holding the write: the completion checks the task again under its own."""
    try:
        task = task_head(db(), current_user, task_id)
    except ServiceError as err:
        refuse(err)
    form = _form_for(task)
    if not form.validate_on_submit():
        return _page(task_id, form, 422)
    try:
        opened = completion.complete_task(db(), current_user, task_id, form.to_task_data(),
                                     _uploads(form))
    except ServiceError as err:
        if err.status == 404:
            abort(404)
        return _page(task_id, form, err.status, err.message)
    flash(_l("“%(name)s” is done.", name=task.name), "success")
    # The next step of the same program is this user's own: go straight on to it.
    mine = [t.id for t in opened if t.assignee_id == current_user.id]
    target = url_for("tasks.show", task_id=mine[0]) if mine else inbox_url()
    return htmx_location(target) if wants_fragment() else redirect(target, 303)


@bp.post("/<int:task_id>/comments")
@login_required
def comment(task_id: int) -> Any:
    """A comment (and a file) on the task, kept in the program's history."""
    storage = request.files.get("file")
    upload = Upload(storage.filename or "", storage.read(comments.FILE_MAX_BYTES + 1),
                    storage.mimetype or "") if storage and storage.filename else None
    if attempt(comments.add_comment, db(), current_user, task_id,
               request.form.get("text", ""), upload) is not None:
        flash(_l("Comment added."), "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#comments", 303)


def _after_action(task_id: int) -> Any:
    if request.form.get("from") == "inbox":
        if wants_fragment():
            return render("inbox/index.html", "inbox_list", **inbox_context())
        return redirect(inbox_url(), 303)
    return redirect(url_for("tasks.show", task_id=task_id), 303)


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    """Take the task into Tugas Saya."""
    if attempt(inbox.claim_task, db(), current_user, task_id) is not None:
        flash(_l("The task is now yours."), "success")
    return _after_action(task_id)


@bp.post("/<int:task_id>/release")
@login_required
def release(task_id: int) -> Any:
    """Give the task back to the group."""
    if attempt(inbox.release_task, db(), current_user, task_id) is not None:
        flash(_l("The task is back in the group list."), "info")
    return _after_action(task_id)
